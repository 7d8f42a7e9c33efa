"""The typed verdict and its JSON contract (pydantic validates it); no heavy imports here."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, StrictBool, StrictStr, TypeAdapter, ValidationError, model_validator
from pydantic.dataclasses import dataclass

from hsdt.signatures.classify import SignerKind

FileStatus = Literal["valid", "invalid", "indeterminate", "unsigned", "error"]
# crashed: the worker died for a reason other than time or memory; unavailable: it could not start;
# unreadable: the file could not be opened.
ErrorCategory = Literal[
    "not_pdf", "corrupt", "encrypted", "too_large", "timeout", "crashed", "unavailable", "unreadable"
]
TimeSource = Literal["signer", "timestamp"]
Revocation = Literal["embedded", "online", "not_checked"]
PadesLevel = Literal["B-B", "B-T", "B-LT", "B-LTA"]
Change = Literal["pages", "content", "annotations"]
Severity = Literal["fail", "indeterminate", "warning"]

FILE_STATUSES: tuple[str, ...] = ("valid", "invalid", "indeterminate", "unsigned", "error")
ERROR_CATEGORIES: tuple[str, ...] = (
    "not_pdf", "corrupt", "encrypted", "too_large", "timeout", "crashed", "unavailable", "unreadable",
)


class Problem(StrEnum):
    NOT_INTACT = "not_intact"  # the signed bytes were changed
    SIGNATURE_INVALID = "signature_invalid"  # the CMS signature does not verify with the certificate's key
    SIGNATURE_MALFORMED = "signature_malformed"  # the signature container cannot be parsed
    SIGNATURE_DETACHED = "signature_detached"  # no form field points to the signature any more
    MODIFIED_AFTER_SIGNING = "modified_after_signing"  # pages, content or annotations changed after signing
    FORM_FIELD_CHANGED = "form_field_changed"  # a field value or appearance changed, no later signature over it
    COVERAGE_UNCLEAR = "coverage_unclear"  # the byte range does not cover a whole revision
    CERT_EXPIRED_AT_SIGNING = "cert_expired_at_signing"
    CERT_NOT_YET_VALID_AT_SIGNING = "cert_not_yet_valid_at_signing"
    CERT_REVOKED = "cert_revoked"  # revoked before the proven signing time
    CERT_EXPIRED_NO_POE = "cert_expired_no_poe"  # expired now, signing time only claimed (EU: OUT_OF_BOUNDS_NO_POE)
    CERT_REVOKED_NO_POE = "cert_revoked_no_poe"  # revoked, signing time only claimed (EU: REVOKED_NO_POE)
    KEY_USAGE_NOT_ALLOWED = "key_usage_not_allowed"  # key usage present and excludes signing
    CHAIN_INVALID = "chain_invalid"  # a certificate in the chain is broken or not allowed to issue
    WEAK_ALGORITHM = "weak_algorithm"
    UNSUPPORTED_FORMAT = "unsupported_format"  # adbe.pkcs7.sha1 and other subfilters pyHanko refuses
    TIMESTAMP_INVALID = "timestamp_invalid"  # the timestamp token does not match the signature
    UNTRUSTED_ROOT_MISSING = "untrusted_root_missing"  # the chain ends in a root that is not trusted
    CHAIN_INCOMPLETE = "chain_incomplete"  # an intermediate certificate is neither embedded nor trusted
    TIMESTAMP_UNTRUSTED = "timestamp_untrusted"  # the TSA does not chain to a trusted root
    SIGNING_TIME_MISSING = "signing_time_missing"
    REVOCATION_UNVERIFIABLE = "revocation_unverifiable"  # revocation data stale, unusable or unreachable
    TRUST_CHECK_FAILED = "trust_check_failed"  # any other reason the chain could not be evaluated
    CHANGES_UNVERIFIED = "changes_unverified"  # earlier versions: xref rebuilt, changes not analysed
    DIFF_ANALYSIS_FAILED = "diff_analysis_failed"  # pyHanko's change analysis raised
    REVOCATION_NOT_CHECKED = "revocation_not_checked"  # no revocation data and nothing fetched
    OUTSIDE_PERIOD = "outside_period"  # signed outside the inspected record period
    SEAL_OF_OTHER_UNIT = "seal_of_other_unit"  # a seal whose identifier or name differs from the roster's
    TRAILING_DATA_IGNORED = "trailing_data_ignored"  # bytes after the last %%EOF
    UNREADABLE_UPDATE = "unreadable_update"  # something was added after signing that cannot be parsed
    HIDDEN_CHANGE = "hidden_change"  # objects added after signing that no cross-reference section lists
    CERT_SUSPENDED = "cert_suspended"  # on hold (suspended) before the proven signing time
    CERT_SUSPENDED_NO_POE = "cert_suspended_no_poe"  # on hold, signing time only claimed
    FORM_FILLED_AS_PERMITTED = "form_filled_as_permitted"  # fields filled after a certification that allows it
    STRUCTURE_REBUILT = "structure_rebuilt"  # cross-reference data broken: the file was read by scanning


_FAIL = {
    Problem.NOT_INTACT, Problem.SIGNATURE_INVALID, Problem.SIGNATURE_MALFORMED, Problem.SIGNATURE_DETACHED,
    Problem.MODIFIED_AFTER_SIGNING, Problem.FORM_FIELD_CHANGED, Problem.COVERAGE_UNCLEAR,
    Problem.CERT_EXPIRED_AT_SIGNING, Problem.CERT_NOT_YET_VALID_AT_SIGNING, Problem.CERT_REVOKED,
    Problem.KEY_USAGE_NOT_ALLOWED, Problem.CHAIN_INVALID, Problem.TIMESTAMP_INVALID,
    Problem.UNREADABLE_UPDATE, Problem.HIDDEN_CHANGE, Problem.CERT_SUSPENDED,
}
# Not checking the certificate's status leaves the signature undecided: the law's condition is a
# certificate in force (neither suspended nor revoked) when it signed.
_WARNING = {
    Problem.OUTSIDE_PERIOD, Problem.SEAL_OF_OTHER_UNIT, Problem.TRAILING_DATA_IGNORED,
    Problem.FORM_FILLED_AS_PERMITTED, Problem.STRUCTURE_REBUILT,
}

# "fail" makes a file invalid, "indeterminate" undecidable; a "warning" is reported but keeps the status.
PROBLEM_SEVERITY: dict[str, Severity] = {
    p.value: ("fail" if p in _FAIL else "warning" if p in _WARNING else "indeterminate") for p in Problem
}
PROBLEM_CODES: frozenset[str] = frozenset(PROBLEM_SEVERITY)


def _aware_iso(value: str) -> str:
    if datetime.fromisoformat(value).utcoffset() is None:
        raise ValueError("time has no UTC offset")
    return value


AwareIso = Annotated[StrictStr, AfterValidator(_aware_iso)]
# Problems that mean the signature's data gave no time; such a signature has no signing time.
_TIMELESS = {Problem.SIGNATURE_MALFORMED, Problem.SIGNING_TIME_MISSING}
_CONFIG = ConfigDict(extra="forbid")


@dataclass(frozen=True, config=_CONFIG)
class SignatureVerdict:
    field: StrictStr
    signer: StrictStr
    organization: StrictStr | None
    uid: StrictStr | None
    kind: SignerKind
    # ISO 8601 with offset, local time of the record period's zone; None when the file gives no time
    # (unreadable signature data, or no signing time at all): never the time of the check.
    signing_time: AwareIso | None
    time_source: TimeSource | None  # "timestamp" only for a verified timestamp of a trusted TSA (proven)
    intact: StrictBool
    trusted: StrictBool
    cert_valid_at_signing: StrictBool
    covers_whole_file: StrictBool
    modified_after_signing: StrictBool
    in_period: StrictBool | None  # None: no signing time, so no judgement
    problems: tuple[Problem, ...] = ()
    message_vi: StrictStr = ""
    identifiers: tuple[StrictStr, ...] = ()  # every subject UID / serialNumber, e.g. ("MST:…", "CCCD:…")
    tax_code: StrictStr | None = None  # the MST/MNS digits of an organisation's certificate
    revocation: Revocation = "not_checked"
    pades_level: PadesLevel | None = None
    changes: tuple[Change, ...] = ()
    changed_fields: tuple[StrictStr, ...] = ()
    own_seal: StrictBool | None = None  # None: not a seal, or the school's identity was not given
    # What the roster holds for the school, kept when a seal does not match it (to say what differs).
    roster_tax_code: StrictStr | None = None
    roster_name: StrictStr | None = None

    @model_validator(mode="after")
    def _time_read_from_the_file(self) -> SignatureVerdict:
        known = {self.signing_time is not None, self.time_source is not None, self.in_period is not None}
        if len(known) != 1:
            raise ValueError("signing_time, time_source and in_period are set together or not at all")
        if self.signing_time is not None and _TIMELESS & set(self.problems):
            raise ValueError("a signature whose data gives no signing time cannot have one")
        if self.signing_time is None and Problem.OUTSIDE_PERIOD in self.problems:
            raise ValueError("outside_period without a signing time")
        return self

    @property
    def status(self) -> FileStatus:
        return status_from_problems(self.problems)

    @property
    def time_proven(self) -> bool:
        return self.time_source == "timestamp"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _adapter(SignatureVerdict).dump_python(self, mode="json")
        return data


@dataclass(frozen=True, config=_CONFIG)
class TimestampVerdict:
    """A document timestamp (/DocTimeStamp): nobody's signature, but proof the file existed then."""

    time: AwareIso | None  # None when the token cannot be read
    tsa: StrictStr
    intact: StrictBool
    trusted: StrictBool
    problems: tuple[Problem, ...] = ()
    message_vi: StrictStr = ""

    @property
    def status(self) -> FileStatus:
        return status_from_problems(self.problems)


@dataclass(frozen=True, config=_CONFIG)
class FileVerdict:
    file: StrictStr
    sha256: StrictStr
    status: FileStatus
    error: ErrorCategory | None = None
    signatures: tuple[SignatureVerdict, ...] = ()
    message_vi: StrictStr = ""
    timestamps: tuple[TimestampVerdict, ...] = ()
    problems: tuple[Problem, ...] = ()  # about the file as a whole (e.g. trailing data)

    @model_validator(mode="after")
    def _consistent(self) -> FileVerdict:
        if (self.status == "error") != (self.error is not None):
            raise ValueError("error must be set exactly when status is 'error'")
        if self.status == "unsigned" and self.signatures:
            raise ValueError("unsigned file lists signatures")
        if self.status in ("valid", "invalid", "indeterminate") and not self.signatures:
            raise ValueError(f"status {self.status} without signatures")
        return self

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _adapter(FileVerdict).dump_python(self, mode="json")
        return data


@cache
def _adapter(kind: type[Any]) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


SIGNATURE_KEYS: tuple[str, ...] = tuple(SignatureVerdict.__dataclass_fields__)
FILE_KEYS: tuple[str, ...] = tuple(FileVerdict.__dataclass_fields__)


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


def upgrade_stored(d: Any) -> Any:
    """A verdict stored by an earlier version, in today's contract.

    Earlier versions gave an unreadable signature (and one without any time) the time of the check
    as its signing time, and judged the record period on it: that time was invented, so it is
    dropped, with the period judgement made on it. Anything else is passed on unchanged.
    """
    if not isinstance(d, dict) or not isinstance(d.get("signatures"), list):
        return d
    signatures = []
    for sig in d["signatures"]:
        problems = sig.get("problems") if isinstance(sig, dict) else None
        if isinstance(problems, list) and _TIMELESS & set(problems) and sig.get("signing_time") is not None:
            sig = {**sig, "signing_time": None, "time_source": None, "in_period": None,
                   "problems": [p for p in problems if p != Problem.OUTSIDE_PERIOD]}
        signatures.append(sig)
    return {**d, "signatures": signatures}


def verdict_from_json(d: Any) -> FileVerdict:
    """Rebuild a verdict from its stored JSON (of this or an earlier version); raises ValueError when
    it breaks the contract."""
    try:
        verdict: FileVerdict = _adapter(FileVerdict).validate_python(upgrade_stored(d))
    except ValidationError as exc:
        raise ValueError("verdict JSON does not match the contract: " + "; ".join(_describe(exc))) from exc
    return verdict


def _describe(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(part) for part in e['loc']) or 'verdict'}: {e['msg']}" for e in exc.errors()]


def contract_errors(d: Any) -> list[str]:
    """Every way ``d`` departs from the verdict JSON contract (empty when it conforms)."""
    try:
        _adapter(FileVerdict).validate_python(d)
    except ValidationError as exc:
        return _describe(exc)
    return []
