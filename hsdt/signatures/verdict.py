"""The typed verdict and its JSON contract; no heavy imports here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from hsdt.signatures.classify import SignerKind

FileStatus = Literal["valid", "invalid", "indeterminate", "unsigned", "error"]
ErrorCategory = Literal["not_pdf", "corrupt", "encrypted", "too_large", "timeout"]
TimeSource = Literal["signer", "timestamp"]
Severity = Literal["fail", "indeterminate", "warning"]

FILE_STATUSES: tuple[str, ...] = ("valid", "invalid", "indeterminate", "unsigned", "error")
ERROR_CATEGORIES: tuple[str, ...] = ("not_pdf", "corrupt", "encrypted", "too_large", "timeout")
SIGNER_KINDS: tuple[str, ...] = ("personal", "organization", "unknown")
TIME_SOURCES: tuple[str, ...] = ("signer", "timestamp")

# Machine-readable problem codes. "fail" makes a file invalid, "indeterminate" makes it undecidable,
# "warning" is reported but does not change the status.
PROBLEM_SEVERITY: dict[str, Severity] = {
    "not_intact": "fail",  # the signed bytes were changed
    "signature_invalid": "fail",  # the CMS signature does not verify with the certificate's key
    "signature_malformed": "fail",  # the signature container cannot be parsed
    "modified_after_signing": "fail",  # non-permitted change (page, content, annotation) after signing
    "coverage_unclear": "fail",  # the byte range does not cover a whole revision
    "cert_expired_at_signing": "fail",
    "cert_not_yet_valid_at_signing": "fail",
    "cert_revoked": "fail",  # per revocation data embedded in the file
    "key_usage_not_allowed": "fail",  # certificate not issued for signing
    "chain_invalid": "fail",  # a certificate in the chain is broken or not allowed to issue
    "weak_algorithm": "fail",
    "timestamp_invalid": "fail",  # the timestamp token does not match the signature
    "untrusted_root_missing": "indeterminate",  # chain ends in a root that is not in TRUST_DIR
    "chain_incomplete": "indeterminate",  # an intermediate certificate is neither embedded nor trusted
    "timestamp_untrusted": "indeterminate",  # the TSA does not chain to TRUST_DIR; signer time used
    "signing_time_missing": "indeterminate",
    "revocation_unverifiable": "indeterminate",  # embedded revocation data is stale or unusable
    "trust_check_failed": "indeterminate",  # any other reason the chain could not be evaluated
    "revocation_not_checked": "warning",  # no revocation data embedded; nothing fetched by design
    "outside_period": "warning",  # signed outside the inspected record period
}

PROBLEM_CODES: frozenset[str] = frozenset(PROBLEM_SEVERITY)

SIGNATURE_KEYS: tuple[str, ...] = (
    "field", "signer", "organization", "uid", "kind", "signing_time", "time_source", "intact", "trusted",
    "cert_valid_at_signing", "covers_whole_file", "modified_after_signing", "in_period", "problems",
    "message_vi",
)
FILE_KEYS: tuple[str, ...] = ("file", "sha256", "status", "error", "signatures", "message_vi")


@dataclass(frozen=True)
class SignatureVerdict:
    field: str
    signer: str
    organization: str | None
    uid: str | None
    kind: SignerKind
    signing_time: str  # ISO 8601 with offset, local time of the record period's zone
    time_source: TimeSource
    intact: bool
    trusted: bool
    cert_valid_at_signing: bool
    covers_whole_file: bool
    modified_after_signing: bool
    in_period: bool
    problems: tuple[str, ...] = ()
    message_vi: str = ""

    @property
    def status(self) -> FileStatus:
        return status_from_problems(self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "signer": self.signer,
            "organization": self.organization,
            "uid": self.uid,
            "kind": self.kind,
            "signing_time": self.signing_time,
            "time_source": self.time_source,
            "intact": self.intact,
            "trusted": self.trusted,
            "cert_valid_at_signing": self.cert_valid_at_signing,
            "covers_whole_file": self.covers_whole_file,
            "modified_after_signing": self.modified_after_signing,
            "in_period": self.in_period,
            "problems": list(self.problems),
            "message_vi": self.message_vi,
        }


@dataclass(frozen=True)
class FileVerdict:
    file: str
    sha256: str
    status: FileStatus
    error: ErrorCategory | None = None
    signatures: tuple[SignatureVerdict, ...] = field(default_factory=tuple)
    message_vi: str = ""

    @property
    def has_seal(self) -> bool:
        return any(s.kind == "organization" for s in self.signatures)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "status": self.status,
            "error": self.error,
            "signatures": [s.to_json() for s in self.signatures],
            "message_vi": self.message_vi,
        }


def status_from_problems(problems: tuple[str, ...] | list[str]) -> FileStatus:
    severities = {PROBLEM_SEVERITY.get(p, "indeterminate") for p in problems}
    if "fail" in severities:
        return "invalid"
    if "indeterminate" in severities:
        return "indeterminate"
    return "valid"


def file_status(signatures: tuple[SignatureVerdict, ...]) -> FileStatus:
    if not signatures:
        return "unsigned"
    statuses = {s.status for s in signatures}
    if "invalid" in statuses:
        return "invalid"
    if "indeterminate" in statuses:
        return "indeterminate"
    return "valid"


def signature_from_json(d: dict[str, Any]) -> SignatureVerdict:
    return SignatureVerdict(
        field=d["field"],
        signer=d["signer"],
        organization=d["organization"],
        uid=d["uid"],
        kind=d["kind"],
        signing_time=d["signing_time"],
        time_source=d["time_source"],
        intact=d["intact"],
        trusted=d["trusted"],
        cert_valid_at_signing=d["cert_valid_at_signing"],
        covers_whole_file=d["covers_whole_file"],
        modified_after_signing=d["modified_after_signing"],
        in_period=d["in_period"],
        problems=tuple(d["problems"]),
        message_vi=d["message_vi"],
    )


def verdict_from_json(d: dict[str, Any]) -> FileVerdict:
    """Rebuild a verdict from its stored JSON; raises ValueError when it breaks the contract."""
    errors = contract_errors(d)
    if errors:
        raise ValueError("verdict JSON does not match the contract: " + "; ".join(errors))
    return FileVerdict(
        file=d["file"],
        sha256=d["sha256"],
        status=d["status"],
        error=d["error"],
        signatures=tuple(signature_from_json(s) for s in d["signatures"]),
        message_vi=d["message_vi"],
    )


def _check_type(errors: list[str], where: str, value: Any, kinds: tuple[type, ...]) -> None:
    # bool is an int subclass; the contract never allows ints, so a plain isinstance is enough here.
    if not isinstance(value, kinds):
        errors.append(f"{where}: expected {'/'.join(k.__name__ for k in kinds)}, got {type(value).__name__}")


def contract_errors(d: Any) -> list[str]:
    """Every way ``d`` departs from the verdict JSON contract (empty when it conforms)."""
    errors: list[str] = []
    if not isinstance(d, dict):
        return ["verdict is not an object"]
    if tuple(sorted(d)) != tuple(sorted(FILE_KEYS)):
        errors.append(f"file keys {sorted(d)} != {sorted(FILE_KEYS)}")
        return errors
    _check_type(errors, "file", d["file"], (str,))
    _check_type(errors, "sha256", d["sha256"], (str,))
    _check_type(errors, "message_vi", d["message_vi"], (str,))
    if d["status"] not in FILE_STATUSES:
        errors.append(f"status {d['status']!r} not in enum")
    if d["error"] is not None and d["error"] not in ERROR_CATEGORIES:
        errors.append(f"error {d['error']!r} not in enum")
    if (d["status"] == "error") != (d["error"] is not None):
        errors.append("error must be set exactly when status is 'error'")
    if not isinstance(d["signatures"], list):
        errors.append("signatures is not a list")
        return errors
    if d["status"] == "unsigned" and d["signatures"]:
        errors.append("unsigned file lists signatures")
    if d["status"] in ("valid", "invalid", "indeterminate") and not d["signatures"]:
        errors.append(f"status {d['status']} without signatures")
    for i, s in enumerate(d["signatures"]):
        where = f"signatures[{i}]"
        if not isinstance(s, dict) or tuple(sorted(s)) != tuple(sorted(SIGNATURE_KEYS)):
            errors.append(f"{where}: keys do not match the contract")
            continue
        for key in ("field", "signer", "signing_time", "message_vi"):
            _check_type(errors, f"{where}.{key}", s[key], (str,))
        for key in ("organization", "uid"):
            if s[key] is not None:
                _check_type(errors, f"{where}.{key}", s[key], (str,))
        for key in ("intact", "trusted", "cert_valid_at_signing", "covers_whole_file",
                    "modified_after_signing", "in_period"):
            _check_type(errors, f"{where}.{key}", s[key], (bool,))
        if s["kind"] not in SIGNER_KINDS:
            errors.append(f"{where}.kind {s['kind']!r} not in enum")
        if s["time_source"] not in TIME_SOURCES:
            errors.append(f"{where}.time_source {s['time_source']!r} not in enum")
        if not isinstance(s["problems"], list) or any(p not in PROBLEM_CODES for p in s["problems"]):
            errors.append(f"{where}.problems has unknown codes: {s['problems']!r}")
        if isinstance(s["signing_time"], str):
            try:
                if datetime.fromisoformat(s["signing_time"]).utcoffset() is None:
                    errors.append(f"{where}.signing_time has no offset")
            except ValueError:
                errors.append(f"{where}.signing_time is not ISO 8601")
    return errors
