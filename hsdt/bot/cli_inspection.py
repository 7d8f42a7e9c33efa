"""`hsdt assign ...` (the assignment table) and `hsdt report` (text summary or Excel workbook)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hsdt.bot.settings import Settings


def register(sub: Any) -> None:
    assign = sub.add_parser("assign", help="inspectors' assignments to schools (Excel)")
    assign.set_defaults(handler=cmd_assign)
    assign_sub = assign.add_subparsers(dest="assign_command", required=True)
    template = assign_sub.add_parser("template", help="write an empty assignment workbook")
    template.add_argument("out")
    imp = assign_sub.add_parser("import", help="apply an assignment workbook (all rows or none)")
    imp.add_argument("file")
    imp.add_argument("--replace", action="store_true", help="remove the assignments that are not in the file")
    auto = assign_sub.add_parser("auto", help="propose a cross-inspection table and write it to Excel")
    auto.add_argument("--per-office", type=int, default=2, help="schools per district office (default 2)")
    auto.add_argument("--seed", type=int, required=True, help="the same seed gives the same table")
    auto.add_argument("--out", default="phan-cong-kiem-tra-cheo.xlsx", help="the workbook to write")
    report = sub.add_parser("report", help="the report: text summary, or the Excel workbook with --xlsx")
    report.add_argument("--xlsx", metavar="OUT", help="write the workbook (summary, appendices 1-3, districts)")
    report.add_argument("--district", metavar="NAME", help="only this district office (name or code)")
    report.set_defaults(handler=cmd_report)


def cmd_assign(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.bot import assignment_xlsx

    if args.assign_command == "template":
        assignment_xlsx.write_table(Path(args.out), [])
        print(f"Đã ghi mẫu bảng phân công vào {args.out}")
        return 0
    from hsdt.bot.bootstrap import prepare_database
    from hsdt.handlers.assignments import AssignmentError, apply_assignments, propose_cross
    from hsdt.storage.unit_of_work import UnitOfWork

    if args.assign_command == "import":
        try:
            rows = assignment_xlsx.read_table(Path(args.file))
        except assignment_xlsx.AssignmentFileError as error:
            print(f"Lỗi tệp phân công: {error}", file=sys.stderr)
            return 1
    engine, _ = prepare_database(settings, seed=False)
    try:
        with UnitOfWork(engine) as uow:
            campaign = uow.campaigns.active()
            assert campaign is not None  # prepare_database ensures one
            if args.assign_command == "auto":
                if args.per_office < 1:
                    print("--per-office phải từ 1 trở lên.", file=sys.stderr)
                    return 2
                proposal = propose_cross(uow, per_office=args.per_office, seed=args.seed)
                named = []
                for row in proposal.rows:
                    user, school = uow.users.by_code(row.inspector_code), uow.units.by_code(row.school_code)
                    named.append((row, user.full_name if user else "", school.name if school else ""))
                assignment_xlsx.write_table(Path(args.out), named)
                print(f"Đã đề xuất {len(proposal.rows)} cặp kiểm tra chéo (seed {args.seed}) vào {args.out}. "
                      "Sửa nếu cần rồi nhập bằng: hsdt assign import " + args.out)
                if proposal.offices_without_inspector:
                    print("Phòng GD&ĐT chưa có cán bộ kiểm tra (bỏ qua): "
                          + ", ".join(proposal.offices_without_inspector))
                if proposal.short_offices:
                    print("Không đủ trường để phân công: " + ", ".join(proposal.short_offices))
                return 0
            result = apply_assignments(uow, campaign, rows, replace=args.replace)
    except AssignmentError as error:
        print("Không nhập được bảng phân công (chưa thay đổi gì):", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"Phân công: {result.created} mới, {result.unchanged} đã có, {result.removed} đã bỏ.")
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import datetime

    from hsdt.bot.bootstrap import prepare_database
    from hsdt.handlers.rubrics import RubricCache
    from hsdt.reports import text
    from hsdt.reports.dataset import Scope, Units, gather
    from hsdt.scoring import fold_text
    from hsdt.storage.types import utcnow
    from hsdt.storage.unit_of_work import UnitOfWork

    engine, _ = prepare_database(settings, seed=False)
    try:
        with UnitOfWork(engine) as uow:
            campaign = uow.campaigns.active()
            assert campaign is not None
            rubric = RubricCache().for_campaign(uow, campaign)
            units = Units.load(uow)
            schools = frozenset(u.id for u in units.by_id.values() if u.kind == "school")
            scope = Scope("city", schools, "")
            if args.district:
                wanted = fold_text(args.district).strip()
                found = [u for u in units.by_id.values() if u.kind == "district"
                         and wanted in (fold_text(u.name).strip(), fold_text(u.code).strip())]
                if not found:
                    found = [u for u in units.by_id.values() if u.kind == "district" and wanted in fold_text(u.name)]
                if len(found) != 1:
                    from hsdt.texts.report import NO_SUCH_DISTRICT

                    print(NO_SUCH_DISTRICT.format(name=args.district), file=sys.stderr)
                    return 1
                district = found[0]
                scope = Scope("district", frozenset(units.schools_under(district.id)), district.name, district.id)
            now: datetime = utcnow()
            data = gather(uow, campaign, rubric, scope, now, details=bool(args.xlsx), units=units, tz=settings.timezone)
    finally:
        engine.dispose()
    if not args.xlsx:
        print(text.summary(data))
        return 0
    from hsdt.reports.excel import write_workbook

    out = Path(args.xlsx)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_workbook(data, str(out))
    print(f"Đã ghi báo cáo Excel vào {out} ({data.city.school_count} trường).")
    return 0
