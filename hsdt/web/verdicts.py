"""The upload page's result as a page: for each file its verdict (the typed `FileVerdict`), one row per
signature: who signed, for which organisation and whether as its seal, when, the result in words and
what was proven. Pure: the page's template draws what this returns."""

from __future__ import annotations

from dataclasses import dataclass

from hsdt.signatures.render import format_local, problem_text, timestamp_line
from hsdt.signatures.verdict import PROBLEM_SEVERITY, FileVerdict, SignatureVerdict
from hsdt.texts import pages as t
from hsdt.texts import signatures as words


@dataclass(frozen=True)
class FileResult:
    """What became of one uploaded file: its verdict (None when it was refused before any check) and
    what the chat was told about it besides the verdict (stored as evidence, a refusal)."""

    name: str
    verdict: FileVerdict | None
    said: tuple[str, ...] = ()
    applied: bool = True  # False: the same file came through this link before and was not taken again


@dataclass(frozen=True)
class SignatureRow:
    signer: str
    organisation: str
    kind: str  # "con dấu", "cá nhân"
    seal: bool
    signed_at: str
    time_source: str
    status: str  # valid, invalid, indeterminate: the row's colour
    status_text: str
    reasons: tuple[str, ...]  # why the signature is not valid
    notes: tuple[str, ...]  # what does not change the result but is worth knowing (revocation not checked)
    proven: tuple[str, ...]


@dataclass(frozen=True)
class FileView:
    title: str
    status: str  # the file's status, or "error" when it was not checked
    headline: str
    rows: tuple[SignatureRow, ...] = ()
    notes: tuple[str, ...] = ()  # the file's own lines: why it could not be checked, timestamps, problems
    said: tuple[str, ...] = ()
    applied: bool = True


def plain(headline: str) -> str:
    """A headline without its leading emoji: the page marks the status with a colour of its own, and a
    computer without an emoji font would show a box."""
    head, _, rest = headline.partition(" ")
    return rest if rest and not any(ch.isalnum() for ch in head) else headline


def _proven(sig: SignatureVerdict) -> tuple[str, ...]:
    checks = (
        # A later revision that only adds signatures leaves the earlier ones' content as it was signed.
        (sig.intact and not sig.modified_after_signing, t.PROVEN_INTACT),
        (sig.trusted, t.PROVEN_TRUSTED),
        (sig.cert_valid_at_signing, t.PROVEN_CERT_VALID),
        (sig.time_proven, t.PROVEN_TIME),
        (sig.revocation != "not_checked", words.REVOCATION_TEXT[sig.revocation]),
        (sig.in_period, t.PROVEN_IN_PERIOD),
        (sig.own_seal is True, t.PROVEN_OWN_SEAL),
    )
    return tuple(text for holds, text in checks if holds)


def signature_row(sig: SignatureVerdict, tz: str) -> SignatureRow:
    status = sig.status
    return SignatureRow(
        signer=sig.signer or words.UNKNOWN_SIGNER,
        organisation=sig.organization or t.NO_ORGANISATION,
        kind=words.KIND_TEXT[sig.kind],
        seal=sig.kind == "organization",
        # An unreadable signature has no signing time: the page says so rather than inventing one.
        signed_at=format_local(sig.signing_time, tz) if sig.signing_time is not None else words.NO_SIGNING_TIME,
        time_source=words.TIME_SOURCE_TEXT[sig.time_source] if sig.time_source is not None else "",
        status=status,
        status_text=plain(words.HEADLINES[status]),
        reasons=tuple(problem_text(p, sig) for p in sig.problems if not _warning(p)),
        notes=tuple(problem_text(p, sig) for p in sig.problems if _warning(p)),
        proven=_proven(sig) or (t.NOTHING_PROVEN,),
    )


def _warning(problem: str) -> bool:
    return PROBLEM_SEVERITY.get(problem, "indeterminate") == "warning"


def file_view(result: FileResult, tz: str) -> FileView:
    title = t.RESULT_FILE.format(name=result.name)
    verdict = result.verdict
    if verdict is None:
        return FileView(title, "error", t.RESULT_NOT_CHECKED, said=result.said, applied=result.applied)
    notes: list[str] = []
    if verdict.status == "error":
        notes.append(words.ERROR_TEXT.get(verdict.error or "corrupt", words.ERROR_TEXT["corrupt"]))
    elif verdict.status == "unsigned":
        notes.append(words.UNSIGNED_TEXT)
    notes.extend(timestamp_line(ts, tz) for ts in verdict.timestamps)
    notes.extend(problem_text(p) for p in verdict.problems)
    return FileView(
        title=title,
        status=verdict.status,
        headline=plain(words.HEADLINES[verdict.status]),
        rows=tuple(signature_row(sig, tz) for sig in verdict.signatures),
        notes=tuple(notes),
        said=_besides(result.said, verdict),
        applied=result.applied,
    )


def _besides(said: tuple[str, ...], verdict: FileVerdict) -> tuple[str, ...]:
    """What the chat was told besides the verdict's own message, which the table already shows."""
    rest = (text.replace(verdict.message_vi, "").strip() if verdict.message_vi else text.strip() for text in said)
    return tuple(text for text in rest if text)
