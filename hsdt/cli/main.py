"""`hsdt` command line: one module per command group, each adding its commands to the parser. Imports
stay lazy: `hsdt verify` must not pay for aiogram."""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from hsdt.cli import (
    assign,
    campaign,
    db,
    demo,
    reminders,
    report,
    roster,
    run,
    status,
    tenant,
    verify,
    webhook,
    zalo_oa,
)
from hsdt.config import Settings

# Modules with `register(subparsers)`, each adding its commands with `set_defaults(handler=fn)` where
# `fn(args, settings) -> int`, in the order the help lists them. Keep their top-level imports light:
# `hsdt verify` must stay fast.
COMMANDS: list[ModuleType] = [run, db, tenant, demo, roster, verify, campaign, reminders, assign, report, webhook,
                             status, zalo_oa]
# Commands that act for one Sở: they take `--tenant CODE`, needed when the database holds several.
FOR_ONE_TENANT = {"demo", "roster", "campaign", "remind", "assign", "report", "status", "zalo-oa"}


def build_parser() -> argparse.ArgumentParser:
    from hsdt.cli.parser import VietnameseParser
    from hsdt.texts import cli as tc
    from hsdt.texts import tenants as tt

    parser = VietnameseParser(prog="hsdt", description=tc.HELP_PROG)
    # Taken out of the arguments before parsing (`tenant.take_tenant_option`), so it may stand anywhere;
    # declared here for the help.
    parser.add_argument("--tenant", metavar="MÃ", help=tt.HELP_TENANT_OPTION)
    sub = parser.add_subparsers(dest="command")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    settings = Settings()
    if argv[:1] == ["verify"]:
        return verify.cmd_verify(argv[1:], settings)
    argv, tenant_code = tenant.take_tenant_option(argv)
    args = build_parser().parse_args(argv or ["run"])
    from hsdt.scoring import RubricError
    from hsdt.services.tenants import TenantError
    from hsdt.storage.tenancy import tenant_scope

    # `hsdt tenant channel` names the Sở it manages with the same option.
    args.tenant_code = tenant_code
    try:
        if args.command not in FOR_ONE_TENANT or report.for_every_tenant(args):
            return int(args.handler(args, settings))
        try:
            chosen = tenant.resolve(settings, tenant_code)
        except TenantError as error:
            print(tenant.explain(error), file=sys.stderr)
            return 2
        with tenant_scope(chosen):
            return int(args.handler(args, settings))
    except RubricError as error:
        _print_rubric_error(error)
        return 2


def _print_rubric_error(error: Exception) -> None:
    from hsdt.texts import rubric as rubric_texts

    print(rubric_texts.RUBRIC_FILE_UNUSABLE, file=sys.stderr)
    for line in str(error).splitlines():
        print(f"  {line}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
