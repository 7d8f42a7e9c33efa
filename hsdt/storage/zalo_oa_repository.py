"""Zalo OA tokens, users' interactions and message counts (see `zalo_oa_models`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from hsdt.storage.usage_repository import UsageRepository
from hsdt.storage.zalo_oa_models import MessageCharge, TokenState, ZaloOAToken, ZaloOAUsage, ZaloOAUser

# The channel's name in `message_usage`, where `hsdt status` reads every channel's monthly count.
USAGE_CHANNEL = "zalo_oa"
# Zalo documents about 3 months for a refresh token; each rotation issues a new one.
REFRESH_TOKEN_LIFETIME = timedelta(days=90)


class ZaloOARepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert(self, model: type[SQLModel]) -> postgresql.Insert | sqlite.Insert:
        """An INSERT that can take ON CONFLICT DO UPDATE (both dialects spell it the same)."""
        if self.session.get_bind().dialect.name == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)

    # --- tokens --------------------------------------------------------------------------------------------

    def token(self, oa_id: str) -> ZaloOAToken | None:
        return self.session.exec(
            select(ZaloOAToken).where(ZaloOAToken.oa_id == oa_id).execution_options(populate_existing=True)
        ).first()

    def lock_token(self, oa_id: str) -> ZaloOAToken | None:
        """The row, locked until the transaction ends: `SELECT ... FOR UPDATE` on PostgreSQL. SQLite
        has one writer, and this session's transaction already holds it (`BEGIN IMMEDIATE`)."""
        return self.session.exec(
            select(ZaloOAToken).where(ZaloOAToken.oa_id == oa_id).with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def store_grant(self, oa_id: str, app_id: str, access_token: str, refresh_token: str, expires_in_s: int,
                    now: datetime) -> ZaloOAToken:
        """Saves a new token pair (a connection or a rotation): the previous pair is gone for good."""
        row = self.token(oa_id)
        if row is None:
            row = ZaloOAToken(oa_id=oa_id, app_id=app_id, access_token=access_token, refresh_token=refresh_token,
                              access_expires_at=now + timedelta(seconds=expires_in_s),
                              refresh_expires_at=now + REFRESH_TOKEN_LIFETIME, generation=1, refreshed_at=now,
                              state=TokenState.OK.value, state_detail=None, state_at=now)
        else:
            row.app_id = app_id
            row.access_token, row.refresh_token = access_token, refresh_token
            row.access_expires_at = now + timedelta(seconds=expires_in_s)
            row.refresh_expires_at = now + REFRESH_TOKEN_LIFETIME
            row.generation += 1
            row.refreshed_at = now
            row.state, row.state_detail, row.state_at = TokenState.OK.value, None, now
        self.session.add(row)
        self.session.flush()
        return row

    def mark_state(self, oa_id: str, state: TokenState, detail: str | None, now: datetime) -> None:
        self.session.execute(
            update(ZaloOAToken).where(col(ZaloOAToken.oa_id) == oa_id)
            .values(state=state.value, state_detail=(detail or None) and detail[:300], state_at=now)
        )

    # --- users ----------------------------------------------------------------------------------------------

    def record_interaction(self, oa_id: str, user_id: str, at: datetime, following: bool | None = None) -> None:
        """The user interacted at `at`. Only a later time moves the windows (events can arrive out of
        order), and it restarts the free count. One statement: two workers' first events of a user
        cannot collide on the insert."""
        table = ZaloOAUser.__table__  # type: ignore[attr-defined]
        later = (table.c.last_interaction_at.is_(None)) | (table.c.last_interaction_at < at)
        values: dict[str, object] = {"oa_id": oa_id, "user_id": user_id, "last_interaction_at": at, "free_sent": 0}
        changes: dict[str, object] = {
            "last_interaction_at": case((later, at), else_=table.c.last_interaction_at),
            "free_sent": case((later, 0), else_=table.c.free_sent),
        }
        if following is not None:
            values["following"] = changes["following"] = following
        statement = self._insert(ZaloOAUser).values(**values)
        self.session.execute(statement.on_conflict_do_update(index_elements=["oa_id", "user_id"], set_=changes))

    def set_following(self, oa_id: str, user_id: str, following: bool) -> None:
        statement = self._insert(ZaloOAUser).values(oa_id=oa_id, user_id=user_id, following=following, free_sent=0)
        self.session.execute(statement.on_conflict_do_update(index_elements=["oa_id", "user_id"],
                                                             set_={"following": following}))

    def user(self, oa_id: str, user_id: str) -> ZaloOAUser | None:
        return self.session.exec(
            select(ZaloOAUser).where(ZaloOAUser.oa_id == oa_id, ZaloOAUser.user_id == user_id)
            .execution_options(populate_existing=True)
        ).first()

    # --- counting ------------------------------------------------------------------------------------------

    def record_sent(self, oa_id: str, user_id: str, charge: MessageCharge, month: str) -> None:
        """One message Zalo accepted: counted for the OA's month by what it cost, for the user's free
        allowance, and in the channel's monthly total (`message_usage`)."""
        if charge is MessageCharge.FREE:
            table = ZaloOAUser.__table__  # type: ignore[attr-defined]
            statement = self._insert(ZaloOAUser).values(oa_id=oa_id, user_id=user_id, free_sent=1)
            self.session.execute(statement.on_conflict_do_update(
                index_elements=["oa_id", "user_id"], set_={"free_sent": table.c.free_sent + 1}))
        usage = ZaloOAUsage.__table__  # type: ignore[attr-defined]
        column = charge.value
        statement = self._insert(ZaloOAUsage).values(oa_id=oa_id, month=month, **{column: 1})
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["oa_id", "month"], set_={column: usage.c[column] + 1}))
        UsageRepository(self.session).add(USAGE_CHANNEL, month, 1)

    def usage(self, oa_id: str, month: str) -> ZaloOAUsage | None:
        return self.session.exec(
            select(ZaloOAUsage).where(ZaloOAUsage.oa_id == oa_id, ZaloOAUsage.month == month)
            .execution_options(populate_existing=True)
        ).first()
