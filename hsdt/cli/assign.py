"""`hsdt assign template|import|auto`: who inspects which school, as a workbook."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hsdt.cli.campaign import add_campaign_option
from hsdt.config import Settings
from hsdt.texts import assignments as at

LEVEL_CHOICES = ("managing", "school")


def register(sub: Any) -> None:
    from hsdt.services.assignments import ClusterRule

    assign = sub.add_parser("assign", help=at.HELP_ASSIGN)
    assign.set_defaults(handler=cmd_assign)
    assign_sub = assign.add_subparsers(dest="assign_command", required=True)
    template = assign_sub.add_parser("template", help=at.HELP_TEMPLATE)
    template.add_argument("out")
    imp = assign_sub.add_parser("import", help=at.HELP_IMPORT)
    imp.add_argument("file")
    imp.add_argument("--replace", action="store_true", help=at.HELP_REPLACE)
    auto = assign_sub.add_parser("auto", help=at.HELP_AUTO)
    auto.add_argument("--per-unit", "--per-office", dest="per_unit", type=int, default=2, help=at.HELP_PER_UNIT)
    auto.add_argument("--seed", type=int, required=True, help=at.HELP_SEED)
    auto.add_argument("--out", default="phan-cong-kiem-tra-cheo.xlsx", help=at.HELP_OUT)
    auto.add_argument("--level", choices=LEVEL_CHOICES, default="managing", help=at.HELP_LEVEL)
    auto.add_argument("--clusters", choices=[rule.value for rule in ClusterRule], default=ClusterRule.ANY.value,
                      help=at.HELP_CLUSTERS)
    for needs_campaign in (imp, auto):
        add_campaign_option(needs_campaign)


def cmd_assign(args: argparse.Namespace, settings: Settings) -> int:
    from hsdt.cli import assignment_xlsx

    if args.assign_command == "template":
        assignment_xlsx.write_table(Path(args.out), [])
        print(at.TEMPLATE_WRITTEN.format(path=args.out))
        return 0
    from hsdt.app.bootstrap import prepare_database
    from hsdt.services.assignments import AssignmentError, ClusterRule, apply_assignments, propose_cross
    from hsdt.services.campaigns import CampaignError, campaign_to_use
    from hsdt.storage.models import UnitKind
    from hsdt.storage.unit_of_work import UnitOfWork

    if args.assign_command == "import":
        try:
            rows = assignment_xlsx.read_table(Path(args.file))
        except assignment_xlsx.AssignmentFileError as error:
            print(at.FILE_ERROR.format(error=error), file=sys.stderr)
            return 1
    engine, _ = prepare_database(settings, seed=False)
    try:
        with UnitOfWork(engine) as uow:
            try:
                campaign = campaign_to_use(uow, args.campaign)
            except CampaignError as error:
                print(error, file=sys.stderr)
                return 1
            if args.assign_command == "auto":
                if args.per_unit < 1:
                    print(at.PER_UNIT_TOO_SMALL, file=sys.stderr)
                    return 2
                levels = uow.levels.of_campaign(campaign.id)
                level = UnitKind.MANAGING if args.level == "managing" else UnitKind.SCHOOL
                if not levels.has(level):
                    print(at.NO_LEVEL.format(level=levels.managing.singular), file=sys.stderr)
                    return 1
                proposal = propose_cross(uow, per_office=args.per_unit, seed=args.seed, campaign=campaign,
                                         level=level, clusters=ClusterRule(args.clusters))
                named = []
                for row in proposal.rows:
                    user, school = uow.users.by_code(row.inspector_code), uow.units.by_code(row.school_code)
                    named.append((row, user.full_name if user else "", school.name if school else ""))
                assignment_xlsx.write_table(Path(args.out), named)
                print(at.PROPOSED.format(count=len(proposal.rows), plural=levels.of(level).plural,
                                         seed=args.seed, path=args.out))
                if proposal.offices_without_inspector:
                    print(at.WITHOUT_INSPECTOR.format(level=levels.of(level).singular,
                                                      codes=", ".join(proposal.offices_without_inspector)))
                if proposal.short_offices:
                    print(at.TOO_FEW_SCHOOLS.format(codes=", ".join(proposal.short_offices)))
                return 0
            result = apply_assignments(uow, campaign, rows, replace=args.replace)
    except AssignmentError as error:
        print(at.NOT_IMPORTED, file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(at.APPLIED.format(created=result.created, unchanged=result.unchanged, removed=result.removed))
    return 0
