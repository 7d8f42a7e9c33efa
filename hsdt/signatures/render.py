"""The chat rendering of a verdict; the words themselves are in hsdt.texts.signatures."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

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


def _verdict_word(status: str) -> str:
    return t.SIGNATURE_OK if status == "valid" else t.HEADLINES[status].split(" ", 1)[1].lower()


def signature_line(sig: SignatureVerdict, tz: str = DEFAULT_TZ) -> str:
    """One line for one signature: who, which kind, when, the verdict and whether revocation was checked."""
    who = sig.signer or t.UNKNOWN_SIGNER
    when = t.SIGNED_LINE.format(time=format_local(sig.signing_time, tz), source=t.TIME_SOURCE_TEXT[sig.time_source])
    status = status_from_problems(sig.problems)
    reasons = [problem_text(p, sig) for p in sig.problems if PROBLEM_SEVERITY.get(p) != "warning"]
    notes = [
        problem_text(p, sig)
        for p in sig.problems
        if PROBLEM_SEVERITY.get(p) == "warning" and p != Problem.REVOCATION_NOT_CHECKED
    ]
    line = f"{_ICONS[status]} {who} ({t.KIND_TEXT[sig.kind]}), {when}: {_verdict_word(status)}"
    if reasons:
        line += " — " + "; ".join(reasons)
    extras = [t.REVOCATION_TEXT[sig.revocation]]
    if sig.pades_level:
        extras.append(t.LEVEL_LINE.format(level=sig.pades_level))
    line += " (" + ", ".join(extras) + ")"
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
    return t.TIMESTAMP_LINE.format(tsa=ts.tsa or t.UNKNOWN_TSA, time=format_local(ts.time, tz), verdict=word) + "."


def _headline(verdict: FileVerdict) -> str:
    headline = t.HEADLINES[verdict.status]
    if verdict.status == "valid":
        checked = {s.revocation for s in verdict.signatures}
        # The weakest answer speaks for the file: one unchecked signature makes the file "not checked".
        worst = "not_checked" if "not_checked" in checked else "embedded" if "embedded" in checked else "online"
        headline += f" ({t.REVOCATION_TEXT[worst]})"
    return headline


def render_file(verdict: FileVerdict, period: RecordPeriod | None = None) -> str:
    """The chat message for a whole file (what the bot and the CLI print)."""
    tz = period.tz if period else DEFAULT_TZ
    lines = [_headline(verdict), t.FILE_LINE.format(name=verdict.file)]
    if verdict.status == "error":
        lines.append(t.ERROR_TEXT.get(verdict.error or "corrupt", t.ERROR_TEXT["corrupt"]))
        return "\n".join(lines)
    if verdict.status == "unsigned":
        lines.append(t.UNSIGNED_TEXT)
        return "\n".join(lines)
    for index, sig in enumerate(verdict.signatures, start=1):
        lines.append(f"{index}. {signature_line(sig, tz)}")
    lines.extend(timestamp_line(ts, tz) for ts in verdict.timestamps)
    lines.extend(_seal_lines(verdict))
    lines.extend(_period_lines(verdict, period, tz))
    lines.extend(problem_text(p) + "." for p in verdict.problems)
    return "\n".join(lines)


def _seal_lines(verdict: FileVerdict) -> list[str]:
    seals = [s for s in verdict.signatures if s.kind == "organization"]
    if not seals:
        return [t.SEAL_MISSING]
    own = [s.signer or t.UNKNOWN_SIGNER for s in seals if s.own_seal is True]
    other = [s.signer or t.UNKNOWN_SIGNER for s in seals if s.own_seal is False]
    unknown = [s.signer or t.UNKNOWN_SIGNER for s in seals if s.own_seal is None]
    lines: list[str] = []
    if own:
        lines.append(t.SEAL_OWN.format(names=", ".join(own)))
    if other:
        lines.append(t.SEAL_OTHER.format(school=t.THIS_SCHOOL, names=", ".join(other)))
    if unknown:
        lines.append(t.SEAL_PRESENT.format(names=", ".join(unknown)))
    return lines


def _period_lines(verdict: FileVerdict, period: RecordPeriod | None, tz: str) -> list[str]:
    lines: list[str] = []
    outside = [s for s in verdict.signatures if not s.in_period]
    if outside:
        names = ", ".join(
            f"{s.signer or t.UNKNOWN_SIGNER} ({format_local(s.signing_time, tz)[:10]})" for s in outside
        )
        span = (
            t.PERIOD_RANGE.format(start=format_day(period.start), end=format_day(period.end)) if period else ""
        )
        lines.append(t.OUTSIDE_PERIOD_LINE.format(period=span, names=names))
    claimed = [s.signer or t.UNKNOWN_SIGNER for s in verdict.signatures if s.in_period and not s.time_proven]
    if claimed:
        lines.append(t.PERIOD_CLAIMED.format(names=", ".join(claimed)))
    return lines
