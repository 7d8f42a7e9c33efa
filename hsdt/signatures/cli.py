"""``hsdt verify``: check PDF signatures from the command line (no aiogram here)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.config import RecordPeriod, VerifyLimits


def _period(text: str) -> RecordPeriod:
    try:
        return RecordPeriod.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hsdt verify", description="Verify the digital signatures in PDF files."
    )
    parser.add_argument("--json", action="store_true", help="print one JSON array, one object per file")
    parser.add_argument("--trust-dir", type=Path, default=None, help="folder of trusted root certificates")
    parser.add_argument("--period", type=_period, default=None, help="record period YYYY-MM-DD:YYYY-MM-DD")
    parser.add_argument("--timeout", type=float, default=VerifyLimits.timeout_s, help="seconds per file")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    return parser


def run_verify(
    argv: list[str],
    default_trust_dir: Path | None = None,
    default_period: RecordPeriod | None = None,
) -> int:
    args = build_parser().parse_args(argv)
    trust_dir = args.trust_dir or default_trust_dir
    period = args.period or default_period or RecordPeriod.default()
    limits = VerifyLimits(timeout_s=args.timeout)
    workers = max(1, min(args.workers, len(args.files)))
    with SignatureChecker(trust_dir, period, limits, max_workers=workers, prestart=workers) as checker:
        verdicts = checker.check_many(list(args.files))
    if args.json:
        json.dump([v.to_json() for v in verdicts], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("\n\n".join(v.message_vi for v in verdicts) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(run_verify(sys.argv[1:], Path(os.environ["TRUST_DIR"]) if os.environ.get("TRUST_DIR") else None))
