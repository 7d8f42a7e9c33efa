"""``hsdt verify``: check PDF signatures from the command line (no aiogram here).

Exit status: 0 every file is valid; 1 some file is not valid (invalid, indeterminate, unsigned,
or could not be checked); 2 usage error, or a file that could not be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.config import RecordPeriod, Revocation, VerifyLimits
from hsdt.signatures.verdict import FileVerdict

EXIT_ALL_VALID = 0
EXIT_NOT_VALID = 1
EXIT_USAGE_OR_IO = 2


def _period(text: str) -> RecordPeriod:
    try:
        return RecordPeriod.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hsdt verify",
        description="Verify the digital signatures in PDF files.",
        epilog="Exit status: 0 all files valid, 1 some file not valid, 2 usage or I/O error.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON array, one object per file")
    parser.add_argument("--trust-dir", type=Path, default=None, help="folder of trusted root certificates")
    parser.add_argument("--period", type=_period, default=None, help="record period YYYY-MM-DD:YYYY-MM-DD")
    parser.add_argument("--timeout", type=float, default=VerifyLimits.timeout_s, help="seconds per file")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    online = parser.add_mutually_exclusive_group()
    online.add_argument(
        "--offline", dest="online", action="store_false", default=None,
        help="do not ask the CAs' OCSP/CRL servers; verdicts then say the certificate status was not checked",
    )
    online.add_argument("--online", dest="online", action="store_true", help="ask the CAs' OCSP/CRL servers (default)")
    parser.add_argument(
        "--revocation-timeout", type=float, default=Revocation.timeout_s, metavar="SECONDS",
        help="seconds to wait for an OCSP/CRL server",
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help="keep OCSP/CRL answers here until their nextUpdate"
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    return parser


def exit_status(verdicts: Sequence[FileVerdict]) -> int:
    if any(v.error == "unreadable" for v in verdicts):
        return EXIT_USAGE_OR_IO
    return EXIT_ALL_VALID if all(v.status == "valid" for v in verdicts) else EXIT_NOT_VALID


def run_verify(
    argv: list[str],
    default_trust_dir: Path | None = None,
    default_period: RecordPeriod | None = None,
    default_online: bool = True,
    default_cache_dir: Path | None = None,
) -> int:
    args = build_parser().parse_args(argv)
    trust_dir = args.trust_dir or default_trust_dir
    period = args.period or default_period or RecordPeriod.default()
    limits = VerifyLimits(timeout_s=args.timeout)
    workers = max(1, min(args.workers, len(args.files)))
    revocation = Revocation(
        online=default_online if args.online is None else bool(args.online),
        timeout_s=args.revocation_timeout,
        cache_dir=args.cache_dir or default_cache_dir,
    )
    with SignatureChecker(
        trust_dir, period, limits, max_workers=workers, prestart=workers, revocation=revocation
    ) as checker:
        verdicts = checker.check_many(list(args.files))
    try:
        if args.json:
            json.dump([v.to_json() for v in verdicts], sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")
        else:
            sys.stdout.write("\n\n".join(v.message_vi for v in verdicts) + "\n")
        sys.stdout.flush()
    except OSError:
        return EXIT_USAGE_OR_IO
    return exit_status(verdicts)


if __name__ == "__main__":
    sys.exit(run_verify(sys.argv[1:], Path(os.environ["TRUST_DIR"]) if os.environ.get("TRUST_DIR") else None))
