"""Mutated signed PDFs: every answer is a well-formed verdict, never a false "valid" or a false
"unsigned", and no worker leaks.

A mutant may be valid only when what every signature covers is still there, byte for byte at the
same place (the signed bytes and the signature value), and nothing after the signatures defines an
object. It may be unsigned only when it is an earlier, unsigned revision of the seed, or when no
trace of a signature is left in it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from asn1crypto import cms, core
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.config import RecordPeriod, VerifyLimits
from hsdt.signatures.discovery import SIGNATURE_MARKERS
from hsdt.signatures.verdict import FileVerdict, contract_errors
from tests.signatures import attacks
from tests.signatures.conftest import IN_PERIOD, Corpus, alive
from tests.signatures.testpki import TestPKI, break_last_xref, make_tagged_pdf, sign_pdf, unlink_signatures

# 500 mutants by default (the bar); HSDT_FUZZ_EXAMPLES raises or lowers it.
EXAMPLES = int(os.environ.get("HSDT_FUZZ_EXAMPLES", "500"))
SEED_NAMES = ["person_and_seal", "timestamped", "modified", "tagged_two"]
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
_OBJ = re.compile(rb"\bobj\b")
ISA_VARIANTS = ("with_xref", "without_xref", "old_startxref", "no_eof")


@pytest.fixture(scope="module")
def seeds(corpus: Corpus) -> dict[str, bytes]:
    found = {name: corpus[name].read_bytes() for name in SEED_NAMES if name != "tagged_two"}
    teacher = sign_pdf(make_tagged_pdf(), corpus.pki.person, "ChuKyGiaoVien", signing_time=IN_PERIOD)
    found["tagged_two"] = sign_pdf(teacher, corpus.pki.seal, "ConDau", signing_time=IN_PERIOD, tag_widget=True)
    return found


class FuzzChecker(SignatureChecker):
    """The checker, remembering every worker it was seen to run (so none is left orphaned)."""

    seen_pids: set[int]


@pytest.fixture(scope="module")
def fuzz_checker(pki: TestPKI) -> Iterator[FuzzChecker]:
    seen: set[int] = set()
    chk = FuzzChecker(pki.trust_dir, RecordPeriod.default(), VerifyLimits(timeout_s=10))
    with chk:
        chk.seen_pids = seen
        yield chk
        seen.update(chk.worker_pids())
    assert alive(seen) == []


# --- Mutations -------------------------------------------------------------------------------


def mutate(data: bytes, ops: list[tuple[str, int, int]]) -> bytes:
    buf = bytearray(data)
    for op, pos, value in ops:
        pos = pos % max(len(buf), 1)
        if op == "flip" and buf:
            buf[pos] = value
        elif op == "delete":
            del buf[pos : pos + 1 + value % 16]
        elif op == "insert":
            buf[pos:pos] = bytes([value]) * (1 + value % 8)
        elif op == "truncate":
            del buf[pos:]
    return bytes(buf)


def _ranges(data: bytes) -> list[tuple[int, int, int]]:
    return [(int(m.group(2)), int(m.group(3)), int(m.group(4))) for m in _BYTE_RANGE.finditer(data)]


def _structural(data: bytes, kind: str, pick: int, value: int) -> bytes:
    """Mutations aimed at what a signature's proof rests on."""
    ranges = _ranges(data)
    a, b, c = ranges[pick % len(ranges)]
    if kind == "gap_text":  # something other than the signature value inside the gap
        at = a + 1 + (value * 37) % max(1, b - a - 2)
        text = [b"1 0 obj", b">>", b"%%EOF", b"(x)", b"endobj"][value % 5]
        return data[:at] + text + data[at + len(text) :]
    if kind == "byte_range_digit":  # one digit of a /ByteRange value
        match = list(_BYTE_RANGE.finditer(data))[pick % len(ranges)]
        digits = [i for i in range(match.start(), match.end()) if data[i : i + 1].isdigit()]
        at = digits[value % len(digits)]
        return data[:at] + bytes([0x30 + (data[at] - 0x30 + 1 + value % 9) % 10]) + data[at + 1 :]
    if kind == "cut_at_revision":  # cut a few bytes around where a signed revision ends
        return data[: b + c + (value % 9) - 4]
    if kind == "attack":
        builders: list[Callable[[bytes], bytes]] = [
            lambda d: attacks.incremental_saving(d)[ISA_VARIANTS[value % len(ISA_VARIANTS)]],
            attacks.update_without_endstream,
            attacks.update_replacing_font,
            lambda d: break_last_xref(attacks.incremental_saving(d)["with_xref"]),
            attacks.wrapped_gap,
        ]
        return builders[value % len(builders)](data)
    if kind == "break_xref":  # a harmless broken section: the file must be read by scanning
        return break_last_xref(data)
    if kind == "unlink":
        return unlink_signatures(data, drop=bool(value % 2))
    raise ValueError(kind)


STRUCTURAL = ["gap_text", "byte_range_digit", "cut_at_revision", "attack", "break_xref", "unlink"]


@st.composite
def mutants(draw: st.DrawFn, seeds: dict[str, bytes]) -> tuple[str, bytes, bytes]:
    name = draw(st.sampled_from(SEED_NAMES))
    original = seeds[name]
    if draw(st.integers(0, 3)) == 0:
        kind = draw(st.sampled_from(STRUCTURAL))
        mutated = _structural(original, kind, draw(st.integers(0, 7)), draw(st.integers(0, 255)))
    else:
        ops = st.tuples(
            st.sampled_from(["flip", "delete", "insert", "truncate"]),
            st.integers(0, len(original) - 1),
            st.integers(0, 255),
        )
        mutated = mutate(original, draw(st.lists(ops, min_size=1, max_size=4)))
    return name, original, mutated


# --- The oracle ------------------------------------------------------------------------------


def earlier_revision(mutated: bytes, original: bytes) -> bool:
    """The mutant is the original cut at the end of one of its revisions (an incremental update's
    "%%EOF"): a complete PDF, exactly as it was before the later revisions were added."""
    body = mutated.rstrip(b" \t\r\n\f\x00")
    return body.endswith(b"%%EOF") and original.startswith(body) and len(body) < len(original.rstrip())


def _certificate_bag(value: bytes) -> tuple[int, int] | None:
    """Where the CMS's certificate set lies in the signature value (byte offsets), if it has one."""
    try:
        signed = cms.ContentInfo.load(value, strict=False)["content"]
        bag = signed["certificates"]
        if not bag:
            return None
        der = bag.dump()
        start = value.find(der)
    except Exception:
        return None
    return (start, start + len(der)) if start >= 0 else None


def still_covered(mutated: bytes, original: bytes) -> bool:
    """Every signature's signed bytes and value are where they were, and nothing after the last
    signed byte defines an object: the only mutants a verifier may call valid. A mutant that is the
    original cut at the end of a signed revision holds only that revision's signatures, and is that
    revision, as valid as it was when it was signed."""
    ranges = _ranges(original)
    if earlier_revision(mutated, original):
        ranges = [(a, b, c) for a, b, c in ranges if b + c <= len(mutated)]
    if not ranges:
        return False
    ends = []
    for a, b, c in ranges:
        value = bytes.fromhex(original[a + 1 : b - 1].decode())
        value_end = a + 1 + 2 * len(core.Asn1Value.load(value, strict=False).dump())
        if mutated[: a + 1] != original[: a + 1] or mutated[b : b + c] != original[b : b + c]:
            return False
        if len(mutated) != len(original) and len(mutated) < b + c:
            return False
        changed = [i for i in range(a + 1, value_end) if mutated[i] != original[i]]
        bag = _certificate_bag(value)
        # The certificates a CMS carries are not signed: a damaged copy of one the verifier does not use
        # (it takes the roots from its own trust folder) changes nothing the signature proves.
        if changed and (bag is None or not all(a + 1 + 2 * bag[0] <= i < a + 1 + 2 * bag[1] for i in changed)):
            return False
        ends.append(b + c)
    return not _OBJ.search(mutated, max(ends))


def judge(name: str, original: bytes, mutated: bytes, verdict: FileVerdict) -> None:
    assert contract_errors(verdict.to_json()) == [], verdict.to_json()
    if verdict.status == "error":
        assert verdict.error in ("not_pdf", "corrupt", "too_large", "timeout"), verdict.error
    if verdict.status == "valid":
        # The modified seed is valid only cut back to the revision that was signed, before the change.
        assert (name != "modified" or earlier_revision(mutated, original)) and still_covered(mutated, original), (
            "false valid", verdict.to_json())
    if verdict.status == "unsigned":
        assert earlier_revision(mutated, original) or not SIGNATURE_MARKERS.search(mutated), (
            "false unsigned", verdict.to_json()
        )
    for sig in verdict.signatures:
        if "signature_malformed" in sig.problems:
            assert sig.signing_time is None  # nothing read, no time invented


def _check(checker: SignatureChecker, tmp_path: Path, data: bytes) -> FileVerdict:
    target = tmp_path / "mutated.pdf"
    target.write_bytes(data)
    (verdict,) = checker.check_many([target])
    return verdict


def test_a_signed_file_cut_short_is_damaged_unless_cut_at_an_unsigned_revision(
    corpus: Corpus, fuzz_checker: SignatureChecker, tmp_path: Path
) -> None:
    """A download cut short reads as damaged ("corrupt"), never as "nobody signed it"; cut exactly
    where the unsigned original ends, it is the unsigned original (the case the fuzzer found)."""
    original = corpus["person_and_seal"].read_bytes()
    first_end = original.index(b"%%EOF") + len(b"%%EOF")
    for cut, status in ((first_end, "unsigned"), (first_end - 3, "error"), (first_end + 40, "error")):
        verdict = _check(fuzz_checker, tmp_path, original[:cut])
        assert verdict.status == status, (cut, verdict.to_json())
        assert earlier_revision(original[:cut], original) is (status == "unsigned")


def test_a_signed_file_cut_at_a_signed_revision_is_that_revision(
    corpus: Corpus, fuzz_checker: SignatureChecker, tmp_path: Path
) -> None:
    """Cut where the person's signed revision ends (before the seal was added), the file is that
    revision: valid with the one signature it holds, and the oracle accepts it (the case the
    fuzzer found)."""
    original = corpus["person_and_seal"].read_bytes()
    _, b, c = _ranges(original)[0]
    cut = original[: original.index(b"%%EOF", b + c - 8) + len(b"%%EOF\n")]
    verdict = _check(fuzz_checker, tmp_path, cut)
    assert verdict.status == "valid", verdict.to_json()
    assert len(verdict.signatures) == 1
    assert earlier_revision(cut, original) and still_covered(cut, original)
    judge("person_and_seal", original, cut, verdict)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutants_are_never_falsely_valid_or_unsigned(
    data: st.DataObject, seeds: dict[str, bytes], fuzz_checker: FuzzChecker, tmp_path: Path
) -> None:
    name, original, mutated = data.draw(mutants(seeds))
    judge(name, original, mutated, _check(fuzz_checker, tmp_path, mutated))
    pids = fuzz_checker.worker_pids()
    fuzz_checker.seen_pids.update(pids)
    assert len(pids) <= fuzz_checker.max_workers
    # Workers replaced after a crash or timeout must really be gone, not orphaned.
    stale = fuzz_checker.seen_pids - set(pids)
    assert alive(stale) == []


def test_the_oracle_knows_a_harmless_mutant(seeds: dict[str, bytes]) -> None:
    original = seeds["person_and_seal"]
    assert still_covered(original, original) and still_covered(break_last_xref(original), original)
    a, b, _ = _ranges(original)[-1]
    padding = b - 2  # the last hex digit of the last value's zero padding: signed by nobody
    assert still_covered(original[:padding] + b"7" + original[padding + 1 :], original)
    first_padding = _ranges(original)[0][1] - 2  # the first value's padding: signed by the second signer
    assert not still_covered(original[:first_padding] + b"7" + original[first_padding + 1 :], original)
    assert not still_covered(attacks.incremental_saving(original)["with_xref"], original)
    assert not still_covered(original[: a + 4] + b"F" + original[a + 5 :], original)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_truncated_signed_files_are_never_valid_or_unsigned(
    data: st.DataObject, corpus: Corpus, fuzz_checker: SignatureChecker, tmp_path: Path
) -> None:
    original = corpus[data.draw(st.sampled_from(["person_and_seal", "timestamped", "modified"]))].read_bytes()
    first_signature = original.find(b"/ByteRange")
    cut = data.draw(st.integers(first_signature + 1, len(original) - 1))
    truncated = original[:cut]
    # A cut exactly at the end of an earlier revision is that revision, complete: not a truncation.
    assume(not truncated.rstrip(b"\r\n").endswith(b"%%EOF"))
    verdict = _check(fuzz_checker, tmp_path, truncated)
    assert contract_errors(verdict.to_json()) == []
    assert verdict.status not in ("valid", "unsigned"), (cut, verdict.to_json())
