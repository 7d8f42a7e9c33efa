"""PDF digital-signature checking (issue #3). Light on import: pyHanko loads only in worker processes."""

from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.config import RecordPeriod, VerifyLimits
from hsdt.signatures.messages_vi import render_file
from hsdt.signatures.verdict import FileVerdict, SignatureVerdict, verdict_from_json

__all__ = [
    "FileVerdict",
    "RecordPeriod",
    "SignatureChecker",
    "SignatureVerdict",
    "VerifyLimits",
    "render_file",
    "verdict_from_json",
]
