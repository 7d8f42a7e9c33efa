"""A national roster in a PostgreSQL schema of its own: every Sở a tenant, with its communes, preschools,
people, an active campaign, chat identities for the principals and invite codes for everyone else.

    .venv/bin/python bench/national_roster.py [--tenants 34] [--schools 15000] [--users 100000]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--schema hsdt_national] [--keep]

The 34 provinces and cities are those since the 2025 merger (Nghị quyết 202/2025/QH15), each with an
approximate population (millions) and commune count (xã/phường/đặc khu after 01/07/2025): schools are
spread over the provinces by population, and over each province's communes at random. With fewer
schools than the country's 15,000 the commune counts shrink in proportion (a check at small scale
keeps several schools a commune); `--tenants N` takes the N most populous.

Users (~100,000): one principal per school with a Telegram identity (enrolled: the chat benches send
their events), Sở staff, commune staff (district_staff: the managing level is the commune since 2025),
inspectors at Sở and commune level, and the rest school staff with the principal role (deputies,
record keepers: the bot has no teacher role), each with an open invite code.

Bulk inserts, tenant by tenant, on a connection put in that tenant's scope (`scope_connection`), as
the workers' role `hsdt_app` (owns no table: the row-level security policies check every insert).
The campaign of each Sở is opened through `open_campaign` in a `UnitOfWork(engine, tenant)`.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import string
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Connection, Engine, make_url  # noqa: E402

from hsdt.scoring import default_rubric_path, load_rubric_text  # noqa: E402
from hsdt.services.campaigns import install_rubric, open_campaign, plan_for_school_year, school_year_start  # noqa: E402
from hsdt.services.tenants import create_tenant  # noqa: E402
from hsdt.storage.db import make_engine, upgrade  # noqa: E402
from hsdt.storage.models import CampaignUnit, ChatIdentity, InviteCode, RubricVersion, Unit, User  # noqa: E402
from hsdt.storage.roles import grant_app_role  # noqa: E402
from hsdt.storage.tenancy import scope_connection  # noqa: E402
from hsdt.storage.unit_of_work import UnitOfWork  # noqa: E402
from hsdt.texts.levels import Structure  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
APP_ROLE = "hsdt_app"
TZ = "Asia/Ho_Chi_Minh"
CHANNEL = "telegram"
NATIONAL_SCHOOLS = 15_000

# (code, province or city, population in millions, communes) since 01/07/2025; figures approximate.
PROVINCES: tuple[tuple[str, str, float, int], ...] = (
    ("hcm", "Thành phố Hồ Chí Minh", 14.0, 168),
    ("hanoi", "Thành phố Hà Nội", 8.7, 126),
    ("angiang", "An Giang", 4.95, 102),
    ("haiphong", "Thành phố Hải Phòng", 4.66, 114),
    ("dongnai", "Đồng Nai", 4.49, 95),
    ("ninhbinh", "Ninh Bình", 4.41, 129),
    ("dongthap", "Đồng Tháp", 4.37, 102),
    ("vinhlong", "Vĩnh Long", 4.26, 124),
    ("thanhhoa", "Thanh Hóa", 4.3, 166),
    ("cantho", "Thành phố Cần Thơ", 4.2, 103),
    ("phutho", "Phú Thọ", 4.02, 148),
    ("lamdong", "Lâm Đồng", 3.87, 124),
    ("nghean", "Nghệ An", 3.83, 130),
    ("bacninh", "Bắc Ninh", 3.62, 99),
    ("hungyen", "Hưng Yên", 3.57, 104),
    ("gialai", "Gia Lai", 3.58, 135),
    ("tayninh", "Tây Ninh", 3.25, 96),
    ("daklak", "Đắk Lắk", 3.35, 102),
    ("danang", "Thành phố Đà Nẵng", 3.07, 94),
    ("cama", "Cà Mau", 2.61, 64),
    ("quangngai", "Quảng Ngãi", 2.16, 96),
    ("khanhhoa", "Khánh Hòa", 2.24, 65),
    ("tuyenquang", "Tuyên Quang", 1.87, 124),
    ("quangtri", "Quảng Trị", 1.87, 78),
    ("thainguyen", "Thái Nguyên", 1.8, 92),
    ("laocai", "Lào Cai", 1.78, 99),
    ("hatinh", "Hà Tĩnh", 1.62, 69),
    ("quangninh", "Quảng Ninh", 1.36, 54),
    ("hue", "Thành phố Huế", 1.43, 40),
    ("sonla", "Sơn La", 1.3, 75),
    ("langson", "Lạng Sơn", 0.8, 65),
    ("dienbien", "Điện Biên", 0.64, 45),
    ("caobang", "Cao Bằng", 0.57, 56),
    ("laichau", "Lai Châu", 0.48, 38),
)
_STEMS = ("An Bình", "Tân Phú", "Hòa Bình", "Phú Mỹ", "Thanh Xuân", "Long Hưng", "Tân Lập", "Quang Trung",
          "Hòa An", "Bình Minh", "Đông Hưng", "Thạch Bàn", "Vĩnh Phúc", "Hưng Đạo", "Xuân Lộc", "Minh Khai")
_FLOWERS = ("Hoa Sen", "Hoa Mai", "Sao Mai", "Tuổi Thơ", "Họa Mi", "Sơn Ca", "Hoa Hồng", "Bình Minh",
            "Ánh Dương", "Hoa Phượng", "Măng Non", "Vành Khuyên")
_CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")
BATCH = 5_000


@dataclass(frozen=True)
class Province:
    code: str
    province: str
    weight: float
    communes: int

    @property
    def department(self) -> str:
        return f"Sở Giáo dục và Đào tạo {self.province.removeprefix('Thành phố ')}"


@dataclass(frozen=True)
class TenantRoster:
    tenant: int
    code: str
    province: str
    campaign_id: int
    schools: int
    communes: int
    users: int
    so_user_id: int  # a Sở staff member (the report's and the dashboard's viewer)


@dataclass(frozen=True)
class NationalRoster:
    tenants: list[TenantRoster]
    seconds: float

    @property
    def schools(self) -> int:
        return sum(t.schools for t in self.tenants)

    @property
    def users(self) -> int:
        return sum(t.users for t in self.tenants)

    def largest(self) -> TenantRoster:
        return max(self.tenants, key=lambda t: t.schools)


def provinces(count: int) -> list[Province]:
    if not 1 <= count <= len(PROVINCES):
        raise SystemExit(f"--tenants must be 1..{len(PROVINCES)}")
    ordered = sorted(PROVINCES, key=lambda p: -p[2])[:count]
    return [Province(*p) for p in ordered]


def split(total: int, weights: list[float]) -> list[int]:
    """`total` spread by `weights` (largest remainders), each part at least 1."""
    whole = sum(weights)
    shares = [max(1.0, total * w / whole) for w in weights]
    parts = [int(s) for s in shares]
    for index in sorted(range(len(shares)), key=lambda i: parts[i] - shares[i])[: max(0, total - sum(parts))]:
        parts[index] += 1
    return parts


# --- the schema -------------------------------------------------------------------------------------


def schema_url(url: str, schema: str, user: str | None = None) -> str:
    parsed = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    if user is not None:
        parsed = parsed.set(username=user, password=None)
    return parsed.render_as_string(hide_password=False)


def create_schema(url: str, schema: str) -> tuple[Engine, Engine]:
    """A new schema, migrated by its owner; (the workers' engine as `hsdt_app`, the owner's)."""
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    owner = make_engine(schema_url(url, schema))
    upgrade(owner)
    grant_app_role(owner, APP_ROLE)
    return make_engine(schema_url(url, schema, APP_ROLE)), owner


def open_schema(url: str, schema: str) -> tuple[Engine, Engine]:
    """An existing schema (`--reuse`): (the workers' engine, the owner's)."""
    return make_engine(schema_url(url, schema, APP_ROLE)), make_engine(schema_url(url, schema))


def drop_schema(url: str, schema: str) -> None:
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


# --- one tenant -------------------------------------------------------------------------------------


def _ids(conn: Connection, query: str, **params: object) -> list[int]:
    return [int(row[0]) for row in conn.execute(text(query), params)]


def _bulk(conn: Connection, table: type, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(table), rows[start:start + BATCH])


def commune_name(index: int) -> str:
    kind = "Phường" if index % 3 == 0 else "Xã"
    return f"{kind} {_STEMS[index % len(_STEMS)]} {index // len(_STEMS) + 1}"


def _codes(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    found: list[str] = []
    while len(found) < count:
        code = "".join(rng.choice(_CODE_ALPHABET) for _ in range(8))
        if code not in taken:
            taken.add(code)
            found.append(code)
    return found


def build_tenant(engine: Engine, province: Province, tenant: int, schools: int, communes: int, users: int,
                 rubric_id: int, rng: random.Random, invite_codes: set[str]) -> TenantRoster:
    now = datetime.now(UTC)
    with UnitOfWork(engine, tenant) as uow:
        version = uow.session.get(RubricVersion, rubric_id)
        assert version is not None
        short = province.province.removeprefix("Thành phố ")
        plan = dataclasses.replace(
            plan_for_school_year(school_year_start(date.today()), TZ, structure=Structure.COMMUNE),
            issuer=f"SỞ GIÁO DỤC VÀ ĐÀO TẠO {short.upper()}", issuer_parent=f"ỦY BAN NHÂN DÂN {short.upper()}",
            place=short)
        campaign, _ = open_campaign(uow, plan, version)
        assert campaign.id is not None
        campaign_id = campaign.id
    with engine.begin() as conn:
        scope_connection(conn, tenant)
        conn.execute(insert(Unit), [{"code": "SO", "name": province.department, "kind": "so", "parent_id": None,
                                     "uses_erecords": True, "position": 0}])
        so_id = _ids(conn, "SELECT id FROM unit WHERE tenant_id = :t AND code = 'SO'", t=tenant)[0]
        _bulk(conn, Unit, [{"code": f"XA-{c:03d}", "parent_id": so_id, "kind": "district", "uses_erecords": True,
                            "name": commune_name(c), "position": c + 1} for c in range(communes)])
        commune_ids = _ids(conn, "SELECT id FROM unit WHERE tenant_id = :t AND kind = 'district' ORDER BY code",
                           t=tenant)
        # Communes differ in size: a few urban wards hold many schools, most communes one to five.
        weights = [rng.paretovariate(1.5) for _ in commune_ids]
        parents = rng.choices(commune_ids, weights=weights, k=schools)
        _bulk(conn, Unit, [{"code": f"MN-{s:05d}", "parent_id": parents[s], "kind": "school",
                            "uses_erecords": rng.random() > 0.03, "position": s + 1,
                            "name": f"Trường Mầm non {_FLOWERS[s % len(_FLOWERS)]} {s + 1}"} for s in range(schools)])
        school_ids = _ids(conn, "SELECT id FROM unit WHERE tenant_id = :t AND kind = 'school' ORDER BY code",
                          t=tenant)
        _bulk(conn, CampaignUnit, [{"campaign_id": campaign_id, "unit_id": u}
                                   for u in [so_id, *commune_ids, *school_ids]])
        people: list[dict[str, object]] = []

        def person(code: str, name: str, role: str, unit: int) -> None:
            people.append({"code": code, "full_name": name, "role": role, "unit_id": unit, "active": True,
                           "created_at": now})

        so_staff = max(2, round(20 * schools / 1000))
        for i in range(so_staff):
            person(f"SO-{i:03d}", f"Cán bộ Sở {i + 1}", "so_staff", so_id)
            person(f"TT-SO-{i:03d}", f"Thanh tra Sở {i + 1}", "inspector", so_id)
        for c, commune in enumerate(commune_ids):
            for k in range(2):
                person(f"XA-{c:03d}-{k}", f"Cán bộ văn hóa – xã hội {c + 1}.{k + 1}", "district_staff", commune)
            person(f"TT-XA-{c:03d}", f"Cán bộ kiểm tra xã {c + 1}", "inspector", commune)
        for s, school in enumerate(school_ids):
            person(f"HT-{s:05d}", f"Hiệu trưởng trường {s + 1}", "principal", school)
        deputies = max(0, users - len(people))
        for d in range(deputies):
            s = d % len(school_ids)
            person(f"PHT-{s:05d}-{d // len(school_ids)}", f"Phó hiệu trưởng trường {s + 1}", "principal",
                   school_ids[s])
        _bulk(conn, User, people)
        rows = conn.execute(text("SELECT id, code FROM app_user WHERE tenant_id = :t"), {"t": tenant}).all()
        by_code = {str(code): int(user_id) for user_id, code in rows}
        principals = [by_code[f"HT-{s:05d}"] for s in range(len(school_ids))]
        # The principals are enrolled (their Telegram chat is known); external ids are unique nationally.
        _bulk(conn, ChatIdentity, [{"channel": CHANNEL, "external_id": str(tenant * 10_000_000 + i), "user_id": u,
                                    "created_at": now} for i, u in enumerate(principals)])
        enrolled = set(principals)
        others = [u for u in by_code.values() if u not in enrolled]
        expires = now + timedelta(days=30)
        _bulk(conn, InviteCode, [{"code": code, "user_id": u, "expires_at": expires, "created_at": now}
                                 for code, u in zip(_codes(rng, len(others), invite_codes), others, strict=True)])
    return TenantRoster(tenant, province.code, province.province, campaign_id, len(school_ids), len(commune_ids),
                        len(by_code), by_code["SO-000"])


def generate(engine: Engine, tenants: int, schools: int, users: int, seed: int = 1,
             progress: bool = True) -> NationalRoster:
    started = time.perf_counter()
    rng = random.Random(seed)
    chosen = provinces(tenants)
    school_counts = split(schools, [p.weight for p in chosen])
    scale = min(1.0, schools / NATIONAL_SCHOOLS)
    source = default_rubric_path().read_text(encoding="utf-8")
    # The rubric texts are shared by every tenant (not a tenant table); installed once.
    first = create_tenant(engine, chosen[0].code, chosen[0].department, chosen[0].province)
    with UnitOfWork(engine, first.id) as uow:
        rubric_id = install_rubric(uow, load_rubric_text(source, "default"), source).id
    assert rubric_id is not None
    invite_codes: set[str] = set()
    built: list[TenantRoster] = []
    for index, (province, count) in enumerate(zip(chosen, school_counts, strict=True)):
        info = first if index == 0 else create_tenant(engine, province.code, province.department, province.province)
        communes = max(1, min(count, round(province.communes * scale)))
        tenant_users = max(count, round(users * count / schools))
        built.append(build_tenant(engine, province, info.id, count, communes, tenant_users, rubric_id, rng,
                                  invite_codes))
        if progress:
            print(f"  tenant {info.id:3d} {province.code:11s} {count:5d} schools {communes:4d} communes "
                  f"{tenant_users:6d} users  ({time.perf_counter() - started:.0f} s)", flush=True)
    return NationalRoster(built, time.perf_counter() - started)


def load_roster(engine: Engine) -> NationalRoster:
    """The roster of a schema generated before (`--reuse`), read back tenant by tenant (the workers' engine:
    the policies keep each query to its tenant)."""
    with engine.connect() as conn:
        tenants = conn.execute(text("SELECT id, code, province FROM tenant WHERE id <> 1 ORDER BY id")).all()
    found: list[TenantRoster] = []
    for tenant, code, province in tenants:
        with engine.begin() as conn:
            scope_connection(conn, int(tenant))
            campaign = conn.execute(text("SELECT id FROM campaign WHERE active ORDER BY id LIMIT 1")).scalar_one()
            schools = conn.execute(text("SELECT count(*) FROM unit WHERE kind = 'school'")).scalar_one()
            communes = conn.execute(text("SELECT count(*) FROM unit WHERE kind = 'district'")).scalar_one()
            users = conn.execute(text("SELECT count(*) FROM app_user")).scalar_one()
            so_user = conn.execute(text("SELECT id FROM app_user WHERE code = 'SO-000'")).scalar_one()
        found.append(TenantRoster(int(tenant), str(code), str(province), int(campaign), int(schools), int(communes),
                                  int(users), int(so_user)))
    return NationalRoster(found, 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL, as a role that may create schemas")
    parser.add_argument("--schema", default="hsdt_national")
    parser.add_argument("--tenants", type=int, default=34)
    parser.add_argument("--schools", type=int, default=NATIONAL_SCHOOLS)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the schema for the benchmarks (--reuse)")
    args = parser.parse_args()
    app, owner = create_schema(args.url, args.schema)
    try:
        roster = generate(app, args.tenants, args.schools, args.users, args.seed)
        print(f"generated {len(roster.tenants)} tenants, {roster.schools} schools, {roster.users} users "
              f"in {roster.seconds:.1f} s (schema {args.schema})")
    finally:
        app.dispose()
        owner.dispose()
        if not args.keep:
            drop_schema(args.url, args.schema)


if __name__ == "__main__":
    main()
