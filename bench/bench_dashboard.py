"""Benchmark: the web dashboard's pages for a Sở watching a country-sized campaign.

Generates the same data set as bench_report.py (schools in managing units, answers, re-scores and
cross-inspections), signs a Sở user in through the real sign-in link and session, then times each
page over HTTP in process (median of N requests): the overview with its charts, the schools table
(default and sorted), the data endpoint's full answer and its 304, and the workbook download.

Run: ``.venv/bin/python bench/bench_dashboard.py [--url sqlite:////tmp/bench.sqlite3] [--schools 15000]
[--reuse]`` (the database is the one bench_report.py writes; --reuse measures it as it is).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "bench"))

import bench_report  # noqa: E402
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from hsdt.app.bootstrap import App  # noqa: E402
from hsdt.config import Settings  # noqa: E402
from hsdt.handlers.dispatcher import Dispatcher, HandlerConfig  # noqa: E402
from hsdt.handlers.features import build_router  # noqa: E402
from hsdt.links.tokens import UploadLinks  # noqa: E402
from hsdt.storage.db import make_engine  # noqa: E402
from hsdt.storage.models import Role, User  # noqa: E402
from hsdt.storage.unit_of_work import UnitOfWork  # noqa: E402
from hsdt.web.config import WebConfig  # noqa: E402
from hsdt.web.dashboard.auth import SignInLinks  # noqa: E402
from hsdt.web.server import make_web_app  # noqa: E402
from tests.present import present  # noqa: E402

SECRET = b"bench-dashboard-secret-0123456789"
BASE = "http://bench.example"


def _so_user(url: str) -> int:
    engine = make_engine(url)
    with UnitOfWork(engine) as uow:
        found = uow.users.by_code("SO-BENCH")
        if found is None:
            so = uow.units.by_code("SO")
            assert so is not None, "generate the data set first (drop --reuse)"
            found = uow.users.add(User(code="SO-BENCH", full_name="Cán bộ Sở (bench)", role=Role.SO_STAFF,
                                       unit_id=present(so.id)))
        user_id = found.id
    engine.dispose()
    assert user_id is not None
    return user_id


async def _run(url: str, repeat: int) -> None:
    user_id = _so_user(url)
    engine = make_engine(url)
    links = SignInLinks(SECRET, BASE, timedelta(minutes=15))
    with tempfile.TemporaryDirectory() as tmp:
        config = HandlerConfig(files_dir=Path(tmp), dashboard_links=links)
        dispatcher = Dispatcher(engine, config, router=build_router())
        settings = Settings(_env_file=None, data_dir=Path(tmp), files_dir=Path(tmp), upload_base_url=BASE)
        app = App(settings=settings, engine=engine, dispatcher=dispatcher, checker=None)
        web_app = make_web_app(app, WebConfig(links=UploadLinks(SECRET, BASE, timedelta(minutes=30))))
        async with TestClient(TestServer(web_app)) as client:
            path = "/" + links.issue(user_id)[0].split("/", 3)[3]
            signed = await client.post(path, allow_redirects=False)
            cookies = {"hsdt_bdk": signed.cookies["hsdt_bdk"].value}
            client.session.cookie_jar.clear()
            first = await client.get("/bang-dieu-khien/du-lieu", cookies=cookies)
            etag = first.headers["ETag"]
            cases = [
                ("overview (progress, 3 SVG charts)", "/bang-dieu-khien/", {}),
                ("schools table (500 rows shown)", "/bang-dieu-khien/truong", {}),
                ("schools table sorted by final score", "/bang-dieu-khien/truong?sap=diem&chieu=giam", {}),
                ("data endpoint, changed (200)", "/bang-dieu-khien/du-lieu", {}),
                ("data endpoint, unchanged (304)", "/bang-dieu-khien/du-lieu", {"If-None-Match": etag}),
                ("workbook download", "/bang-dieu-khien/tai/excel", {}),
            ]
            print(f"{'request':40} {'median s':>9} {'max s':>7} {'bytes':>10} status")
            for name, target, headers in cases:
                times, size, status = [], 0, 0
                for _ in range(repeat):
                    started = time.perf_counter()
                    response = await client.get(target, cookies=cookies, headers=headers)
                    body = await response.read()
                    times.append(time.perf_counter() - started)
                    size, status = len(body), response.status
                print(f"{name:40} {statistics.median(times):9.3f} {max(times):7.3f} {size:10d} {status}")
        dispatcher.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="sqlite:////tmp/hsdt-bench-dashboard.sqlite3")
    parser.add_argument("--schools", type=int, default=15_000)
    parser.add_argument("--districts", type=int, default=700)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="measure the existing data set, do not generate")
    args = parser.parse_args()
    if not args.reuse:
        started = time.perf_counter()
        bench_report.generate(args.url, args.schools, args.districts, 0.6, 0.1, 1)
        print(f"generated {args.schools} schools in {args.districts} units in {time.perf_counter() - started:.1f} s")
    asyncio.run(_run(args.url, args.repeat))


if __name__ == "__main__":
    main()
