"""Benchmark: /report's aggregation and the full workbook of forms (one Phụ lục 1 sheet per school) for a
city-sized campaign by default (600 schools in 30 managing units; `--schools 15000 --districts 700` for a
country, which takes minutes: every school is a form of its own).

Generates the schools (all 11 scored criteria answered and submitted, a share
re-scored by the district and a share cross-inspected) with bulk inserts, then measures each step in
a fresh child process: wall time, and the child's peak resident memory (getrusage) and peak Python
allocations (tracemalloc, in a second, separate run because tracing slows the code down).

Run: ``.venv/bin/python bench/bench_report.py [--url sqlite:////tmp/bench.sqlite3] [--schools 600] [--pdf]``
(PostgreSQL: ``--url postgresql+psycopg://postgres@127.0.0.1:5432/hsdt_bench``, created if missing).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from hsdt.scoring import (  # noqa: E402
    Criterion,
    band_for,
    default_rubric_path,
    load_rubric_text,
    read_value,
    score_criterion,
)
from hsdt.services.campaigns import ensure_campaign, install_rubric  # noqa: E402
from hsdt.storage.db import make_engine, upgrade  # noqa: E402
from hsdt.storage.inspection_models import Assignment  # noqa: E402
from hsdt.storage.models import Answer, Submission, Unit, User  # noqa: E402
from hsdt.storage.unit_of_work import UnitOfWork  # noqa: E402

RUBRIC_TEXT = default_rubric_path().read_text(encoding="utf-8")
RUBRIC = load_rubric_text(RUBRIC_TEXT, source="default")
SCORED = [c for c in RUBRIC.criteria if c.max_points > 0]
BATCH = 20_000


def _value(criterion: Criterion, rng: random.Random) -> dict[str, Any]:
    match criterion.type.value:
        case "multi_choice":
            return {"options": sorted(rng.sample([o.id for o in criterion.options], rng.randint(0, 6)))}
        case "single_choice":
            return {"option": rng.choice(criterion.options).id}
        case "count_pair":
            issued = rng.randint(0, 40)
            return {"issued": issued, "used": rng.randint(0, issued)}
        case "percentage":
            return {"percent": rng.randint(0, 100)}
        case "evidence":
            total = rng.randint(0, 4)
            return {"valid": rng.randint(0, total), "total": total}
    return {"text": "x"}


def _prepare_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        admin = make_engine(str(parsed.set(database="postgres")))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    elif parsed.database:
        Path(parsed.database).unlink(missing_ok=True)


def generate(url: str, schools: int, districts: int, rescored: float, crossed: float, seed: int) -> None:
    _prepare_database(url)
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(seed)
    with UnitOfWork(engine) as uow:
        campaign = ensure_campaign(uow, install_rubric(uow, RUBRIC, RUBRIC_TEXT), tz="Asia/Ho_Chi_Minh")
        so = uow.units.add(Unit(code="SO", name="Bộ GD&ĐT (bench)", kind="so"))
        campaign_id = campaign.id
    with engine.begin() as conn:
        conn.execute(insert(Unit), [{"code": f"PGD-{d:04d}", "name": f"Phòng GD&ĐT số {d:04d}", "kind": "district",
                                     "parent_id": so.id, "uses_erecords": True} for d in range(districts)])
        query = "SELECT id FROM unit WHERE kind = '{}' ORDER BY code"
        district_ids = [row[0] for row in conn.execute(text(query.format("district")))]
        conn.execute(insert(Unit), [{"code": f"MN-{s:05d}", "name": f"Trường Mầm non số {s:05d}", "kind": "school",
                                     "parent_id": district_ids[s % districts], "uses_erecords": rng.random() > 0.03}
                                    for s in range(schools)])
        school_ids = [row[0] for row in conn.execute(text(query.format("school")))]
        now = datetime.now(UTC)
        conn.execute(insert(User), [{"code": f"CB-{d:04d}", "full_name": f"Cán bộ kiểm tra {d:04d}",
                                     "role": "inspector", "unit_id": district_ids[d], "active": True,
                                     "created_at": now} for d in range(districts)])
        inspector_ids = [row[0] for row in conn.execute(text("SELECT id FROM app_user ORDER BY code"))]
        answers: list[dict[str, Any]] = []
        submissions: list[dict[str, Any]] = []
        assignments: list[dict[str, Any]] = []

        def flush(force: bool = False) -> None:
            if answers and (force or len(answers) >= BATCH):
                conn.execute(insert(Answer), answers)
                answers.clear()

        for index, school_id in enumerate(school_ids):
            district = index % districts
            own_points = {}
            for criterion in SCORED:
                value = _value(criterion, rng)
                points = score_criterion(criterion, read_value(value))
                own_points[criterion.id] = points
                answers.append({"campaign_id": campaign_id, "school_id": school_id, "kind": "self",
                                "criterion_id": criterion.id, "value": value, "points": points,
                                "answered_by": inspector_ids[district], "answered_at": now, "version": 1})
            total = round(sum(own_points.values()), 2)
            submissions.append({"campaign_id": campaign_id, "school_id": school_id, "kind": "self",
                                "status": "submitted", "total": total, "band": band_for(RUBRIC, total).label,
                                "submitted_at": now, "submitted_by": inspector_ids[district], "updated_at": now})
            plan = (("district", rescored, district), ("cross", crossed, (district + 1) % districts))
            for kind, share, inspector in plan:
                if rng.random() >= share:
                    continue
                kind_total = 0.0
                for criterion in SCORED:
                    points = own_points[criterion.id]
                    if rng.random() < 0.2:
                        points = round(rng.uniform(0, criterion.max_points), 2)
                    comment = "" if points == own_points[criterion.id] else f"Kiểm tra thực tế câu {criterion.id}"
                    kind_total += points
                    answers.append({"campaign_id": campaign_id, "school_id": school_id, "kind": kind,
                                    "criterion_id": criterion.id, "value": {"points": points, "comment": comment},
                                    "points": points, "answered_by": inspector_ids[inspector], "answered_at": now,
                                    "version": 1})
                kind_total = round(kind_total, 2)
                submissions.append({"campaign_id": campaign_id, "school_id": school_id, "kind": kind,
                                    "status": "submitted", "total": kind_total,
                                    "band": band_for(RUBRIC, kind_total).label, "submitted_at": now,
                                    "submitted_by": inspector_ids[inspector], "updated_at": now})
                assignments.append({"campaign_id": campaign_id, "inspector_id": inspector_ids[inspector],
                                    "school_id": school_id, "kind": kind, "created_at": now})
            flush()
        flush(force=True)
        conn.execute(insert(Submission), submissions)
        conn.execute(insert(Assignment), assignments)
    engine.dispose()


def measure(url: str, what: str, trace: bool) -> dict[str, float]:
    """Runs in a child process: one step, timed; peak memory of this process."""
    import io
    import tracemalloc

    from hsdt.reports import text as report_text
    from hsdt.reports.dataset import Scope, Units, gather
    from hsdt.reports.excel import write_workbook
    from hsdt.storage.rubrics import RubricCache

    engine = make_engine(url)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with UnitOfWork(engine) as uow:
        campaign = uow.campaigns.active()
        assert campaign is not None
        rubric = RubricCache().for_campaign(uow, campaign)
        units = Units.load(uow)
        scope = Scope("city", frozenset(u.id for u in units.by_id.values() if u.kind == "school"), "")
        data = gather(uow, campaign, rubric, scope, datetime.now(UTC) + timedelta(days=1), details=what != "summary",
                      units=units)
    size = 0
    if what == "summary":
        size = len(report_text.summary(data))
    elif what == "workbook":
        buffer = io.BytesIO()
        write_workbook(data, buffer)
        size = len(buffer.getvalue())
    else:  # the PDF of Phụ lục 2 (one form per managing unit), through LibreOffice
        from hsdt.reports.pdf import xlsx_to_pdf

        buffer = io.BytesIO()
        write_workbook(data, buffer, appendices=[2])
        size = len(xlsx_to_pdf(buffer.getvalue(), timeout_s=600))
    elapsed = time.perf_counter() - started
    peak_traced = tracemalloc.get_traced_memory()[1] if trace else 0
    engine.dispose()
    return {"seconds": elapsed, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "traced_peak_mb": peak_traced / 1024 / 1024, "bytes": size, "schools": data.city.school_count}


def _child(url: str, what: str, trace: bool) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--url", url, "--measure", what] + (["--trace"] if trace else []),
                         capture_output=True, text=True, check=True)
    measured: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="sqlite:////tmp/hsdt-bench-report.sqlite3")
    parser.add_argument("--schools", type=int, default=600)
    parser.add_argument("--districts", type=int, default=30)
    parser.add_argument("--rescored", type=float, default=0.6, help="share of schools re-scored by the district")
    parser.add_argument("--crossed", type=float, default=0.1, help="share of schools cross-inspected")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--measure", choices=["summary", "workbook", "pdf"], help=argparse.SUPPRESS)
    parser.add_argument("--pdf", action="store_true", help="also time the PDF of Phụ lục 2 (needs LibreOffice)")
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true", help="measure the existing data set, do not generate")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.url, args.measure, args.trace)))
        return
    if not args.reuse:
        started = time.perf_counter()
        generate(args.url, args.schools, args.districts, args.rescored, args.crossed, args.seed)
        print(f"generated {args.schools} schools in {args.districts} districts "
              f"({args.rescored:.0%} re-scored, {args.crossed:.0%} cross-inspected) in "
              f"{time.perf_counter() - started:.1f} s at {make_url(args.url).render_as_string(hide_password=True)}")
    for what in ("summary", "workbook", *(("pdf",) if args.pdf else ())):
        timed = _child(args.url, what, trace=False)
        traced = _child(args.url, what, trace=True)
        print(f"{what:9s} {timed['seconds']:6.2f} s  peak RSS {timed['max_rss_mb']:6.0f} MB  "
              f"peak Python allocations {traced['traced_peak_mb']:6.0f} MB  "
              f"({timed['schools']} schools, {timed['bytes'] / 1024:.0f} KiB output)")


if __name__ == "__main__":
    main()
