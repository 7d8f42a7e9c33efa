"""The PostgreSQL role the bot's workers connect as.

Row-level security binds only roles that neither own the tables nor bypass it (superusers do), so
the workers use a role of their own with the data rights and nothing more; the owner migrates
(`DATABASE_OWNER_URL`). `grant_app_role` gives a role those rights, on the tables there are and on
the ones later migrations create (default privileges of the owner).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

_ROLE = text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
_OWNS = text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user "
             "AND tablename = 'unit'")


@dataclass(frozen=True)
class RoleCheck:
    """Whether row-level security applies to the role an engine connects as."""

    role: str
    superuser: bool
    bypasses: bool
    owns_tables: bool

    @property
    def bound_by_policies(self) -> bool:
        return not (self.superuser or self.bypasses or self.owns_tables)


def check_role(engine: Engine) -> RoleCheck | None:
    """None on SQLite (one tenant, no policies)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        role = str(conn.execute(text("SELECT current_user")).scalar())
        superuser, bypasses = conn.execute(_ROLE).one()
        owns = bool(conn.execute(_OWNS).scalar())
    return RoleCheck(role, bool(superuser), bool(bypasses), owns)


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain role name: {name!r}")
    return f'"{name}"'


def grant_app_role(owner: Engine, role: str, *, create_with_password: str | None = None) -> None:
    """Give `role` (created if missing, LOGIN) the data rights on the current schema, as its owner."""
    quoted = _quoted(role)
    with owner.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        if exists is None:
            # CREATE ROLE takes no bind parameters: the password is quoted by the server's own function.
            secret = "" if create_with_password is None else " PASSWORD " + str(
                conn.execute(text("SELECT quote_literal(:p)"), {"p": create_with_password}).scalar())
            conn.execute(text(f"CREATE ROLE {quoted} LOGIN NOSUPERUSER NOBYPASSRLS{secret}"))
        schema = _quoted(str(conn.execute(text("SELECT current_schema()")).scalar()))
        conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {quoted}"))
        conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {quoted}"))
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}"))
        conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                          f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}"))
        conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {quoted}"))
