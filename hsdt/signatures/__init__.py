"""PDF digital-signature checking. Light on import: pyHanko loads only in worker processes."""

from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.classify import SchoolIdentity, seal_belongs_to
from hsdt.signatures.config import RecordPeriod, VerifyLimits
from hsdt.signatures.render import proven_summary, render_file
from hsdt.signatures.verdict import FileVerdict, SignatureVerdict, verdict_from_json

__all__ = [
    "FileVerdict",
    "RecordPeriod",
    "SchoolIdentity",
    "SignatureChecker",
    "SignatureVerdict",
    "VerifyLimits",
    "proven_summary",
    "render_file",
    "seal_belongs_to",
    "verdict_from_json",
]
