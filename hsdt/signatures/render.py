"""The chat rendering of a verdict; the words themselves are in hsdt.texts.signatures.

No jargon reaches the chat (PAdES levels, subfilters and codes stay in the JSON). A signature is
called "hợp lệ" only when its certificate's status was checked; otherwise the line says what was
proven and what was not.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from hsdt.signatures.classify import organization_codes
from hsdt.signatures.config import DEFAULT_TZ, RecordPeriod
from hsdt.signatures.verdict import (
    PROBLEM_SEVERITY,
    FileVerdict,
    Problem,
    SignatureVerdict,
    TimestampVerdict,
    status_from_problems,
)
from hsdt.texts import signatures as t

_ICONS = {"valid": "✅", "invalid": "❌", "indeterminate": "⚠️"}
# The open questions that still leave the signature and the document proven.
_STATUS_UNKNOWN = frozenset({Problem.REVOCATION_NOT_CHECKED, Problem.REVOCATION_UNVERIFIABLE})


def format_day(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def format_local(iso_time: str, tz: str = DEFAULT_TZ) -> str:
    moment = datetime.fromisoformat(iso_time)
    if moment.utcoffset() is None:
        return f"{moment:%d/%m/%Y %H:%M}"
    return f"{moment.astimezone(ZoneInfo(tz)):%d/%m/%Y %H:%M}"


def problem_text(problem: str, sig: SignatureVerdict | None = None) -> str:
    template = t.PROBLEM_TEXT.get(problem, t.PROBLEM_TEXT["trust_check_failed"])
    changes = ", ".join(t.CHANGE_TEXT[c] for c in sig.changes) if sig else ""
    fields = ", ".join(f"“{f}”" for f in sig.changed_fields) if sig else ""
    return template.format(changes=changes or t.CHANGE_TEXT["content"], fields=fields)


def _reasons(sig: SignatureVerdict) -> list[str]:
    return [problem_text(p, sig) for p in sig.problems if PROBLEM_SEVERITY.get(p) != "warning"]


def only_status_unchecked(sig: SignatureVerdict) -> bool:
    """Everything is proven except the certificate's status (suspended, revoked)."""
    open_questions = {p for p in sig.problems if PROBLEM_SEVERITY.get(p) != "warning"}
    return bool(open_questions) and open_questions <= _STATUS_UNKNOWN and sig.intact and sig.trusted


def _when(sig: SignatureVerdict, tz: str) -> str:
    if sig.signing_time is None or sig.time_source is None:
        return t.NO_SIGNING_TIME
    return t.SIGNED_LINE.format(time=format_local(sig.signing_time, tz), source=t.TIME_SOURCE_TEXT[sig.time_source])


def signature_line(sig: SignatureVerdict, tz: str = DEFAULT_TZ) -> str:
    """One line for one signature: who, which kind, when, and what was proven (and what not)."""
    who = sig.signer or t.UNKNOWN_SIGNER
    status = status_from_problems(sig.problems)
    reasons = _reasons(sig)
    if status == "valid":
        verdict = t.SIGNATURE_OK
        checked = t.REVOCATION_TEXT[sig.revocation]
        if checked:
            verdict += f" ({checked})"
    elif only_status_unchecked(sig):
        verdict = t.PROVEN_SO_FAR + "; " + "; ".join(reasons)
    else:
        verdict = t.HEADLINES[status].split(" ", 1)[1].lower() + " — " + "; ".join(reasons)
    line = f"{_ICONS[status]} {who} ({t.KIND_TEXT[sig.kind]}), {_when(sig, tz)}: {verdict}"
    notes = [
        problem_text(p, sig)
        for p in sig.problems
        if PROBLEM_SEVERITY.get(p) == "warning" and p not in (Problem.OUTSIDE_PERIOD, Problem.SEAL_OF_OTHER_UNIT)
    ]
    if notes:
        line += f" ({t.NOTE_PREFIX} " + "; ".join(notes) + ")"
    return line + "."


def timestamp_line(ts: TimestampVerdict, tz: str = DEFAULT_TZ) -> str:
    status = status_from_problems(ts.problems)
    if status == "valid":
        word = t.TIMESTAMP_OK
    elif Problem.TIMESTAMP_UNTRUSTED in ts.problems and status == "indeterminate":
        word = t.TIMESTAMP_UNTRUSTED
    else:
        word = t.TIMESTAMP_BAD + " — " + "; ".join(problem_text(p) for p in ts.problems)
    at = t.TIMESTAMP_AT.format(time=format_local(ts.time, tz)) if ts.time else ""
    return t.TIMESTAMP_LINE.format(tsa=ts.tsa or t.UNKNOWN_TSA, time=at, verdict=word) + "."


def render_file(verdict: FileVerdict, period: RecordPeriod | None = None, *, school_issued: bool = False) -> str:
    """The chat message for a whole file (what the bot and the CLI print).

    ``school_issued``: the document is one the school issues, so the absence of its seal is said.
    """
    tz = period.tz if period else DEFAULT_TZ
    lines = [t.HEADLINES[verdict.status], t.FILE_LINE.format(name=verdict.file)]
    if verdict.status == "error":
        lines.append(t.ERROR_TEXT.get(verdict.error or "corrupt", t.ERROR_TEXT["corrupt"]))
        return "\n".join(lines)
    if verdict.status == "unsigned":
        lines.append(t.UNSIGNED_TEXT)
        return "\n".join(lines)
    for index, sig in enumerate(verdict.signatures, start=1):
        lines.append(f"{index}. {signature_line(sig, tz)}")
    lines.extend(timestamp_line(ts, tz) for ts in verdict.timestamps)
    lines.extend(_seal_lines(verdict, school_issued))
    lines.extend(_period_lines(verdict, period, tz))
    lines.extend(problem_text(p) + "." for p in verdict.problems)
    return "\n".join(lines)


def _seal_lines(verdict: FileVerdict, school_issued: bool) -> list[str]:
    seals = [s for s in verdict.signatures if s.kind == "organization"]
    if not seals:
        return [t.SEAL_MISSING] if school_issued else []
    own = [s.signer or t.UNKNOWN_SIGNER for s in seals if s.own_seal is True]
    unknown = [s.signer or t.UNKNOWN_SIGNER for s in seals if s.own_seal is None]
    lines: list[str] = []
    if own:
        lines.append(t.SEAL_OWN.format(names=", ".join(own)))
    lines.extend(_mismatch_line(s) for s in seals if s.own_seal is False)
    if unknown:
        lines.append(t.SEAL_PRESENT.format(names=", ".join(unknown)))
    return lines


def seal_differences(sig: SignatureVerdict) -> list[str]:
    """What differs between a seal's certificate and the roster (empty when nothing is known)."""
    differences = []
    if sig.roster_tax_code:
        codes = [i for i in sig.identifiers if organization_codes([i])]
        seal = ", ".join(codes) if codes else t.SEAL_NO_CODE
        differences.append(t.SEAL_CODE_DIFFERS.format(seal=seal, roster=sig.roster_tax_code))
    elif sig.roster_name:
        seal = sig.organization or sig.signer
        differences.append(t.SEAL_NAME_DIFFERS.format(seal=seal, roster=sig.roster_name))
    return differences


def _mismatch_line(sig: SignatureVerdict) -> str:
    differences = seal_differences(sig) or [problem_text(Problem.SEAL_OF_OTHER_UNIT)]
    return t.SEAL_MISMATCH.format(name=sig.signer or t.UNKNOWN_SIGNER, differences="; ".join(differences))


def _period_lines(verdict: FileVerdict, period: RecordPeriod | None, tz: str) -> list[str]:
    lines: list[str] = []
    outside = [s for s in verdict.signatures if s.in_period is False and s.signing_time is not None]
    if outside:
        names = ", ".join(
            f"{s.signer or t.UNKNOWN_SIGNER} ({format_local(s.signing_time, tz)[:10]})"
            for s in outside
            if s.signing_time is not None
        )
        span = (
            t.PERIOD_RANGE.format(start=format_day(period.start), end=format_day(period.end)) if period else ""
        )
        lines.append(t.OUTSIDE_PERIOD_LINE.format(period=span, names=names))
    claimed = [s.signer or t.UNKNOWN_SIGNER for s in verdict.signatures if s.in_period and not s.time_proven]
    if claimed:
        lines.append(t.PERIOD_CLAIMED.format(names=", ".join(claimed)))
    unknown = [s.signer or t.UNKNOWN_SIGNER for s in verdict.signatures if s.in_period is None]
    if unknown:
        lines.append(t.PERIOD_UNKNOWN.format(names=", ".join(unknown)))
    return lines


def proven_summary(verdict: FileVerdict) -> str:
    """What the check proved, short enough for a table cell (the appendices' evidence column).

    "Hợp lệ" only when every signature's certificate status was checked; otherwise what was proven
    and what was not, or the first reason the file is not valid; the record period when it matters.
    """
    if verdict.status == "error":
        return t.SUMMARY_ERROR
    if verdict.status == "unsigned" or not verdict.signatures:
        return t.SUMMARY_UNSIGNED
    # A verdict stored before "valid" required a status check can be valid with revocation unchecked:
    # the cell then says what was proven, never more.
    checked = all(s.revocation != "not_checked" for s in verdict.signatures)
    if verdict.status == "valid" and checked:
        text = t.SUMMARY_VALID
    elif all(only_status_unchecked(s) or s.status == "valid" for s in verdict.signatures):
        text = t.SUMMARY_UNCHECKED
    else:
        worst = next(s for s in verdict.signatures if s.status == verdict.status)
        reason = (_reasons(worst) or [problem_text(Problem.TRUST_CHECK_FAILED)])[0]
        template = t.SUMMARY_INVALID if verdict.status == "invalid" else t.SUMMARY_INDETERMINATE
        text = template.format(reason=reason)
    remarks = []
    if any(s.signing_time is None for s in verdict.signatures):
        remarks.append(t.SUMMARY_NO_TIME)
    elif any(s.in_period is False for s in verdict.signatures):
        remarks.append(t.SUMMARY_OUTSIDE_PERIOD)
    elif not all(s.time_proven for s in verdict.signatures):
        remarks.append(t.SUMMARY_CLAIMED_TIME)
    return text + "".join(f"; {r}" for r in remarks)
