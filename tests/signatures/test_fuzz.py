"""Mutated signed PDFs: every answer is a well-formed verdict and no worker leaks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hsdt.signatures.checker import SignatureChecker
from hsdt.signatures.config import RecordPeriod, VerifyLimits
from hsdt.signatures.verdict import FileVerdict, contract_errors
from tests.signatures.conftest import Corpus, alive
from tests.signatures.testpki import unlink_signatures


@st.composite
def mutations(draw: st.DrawFn, size: int) -> list[tuple[str, int, int]]:
    ops = st.tuples(
        st.sampled_from(["flip", "delete", "insert", "truncate"]),
        st.integers(0, size - 1),
        st.integers(0, 255),
    )
    return draw(st.lists(ops, min_size=1, max_size=4))


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


@pytest.fixture(scope="module")
def fuzz_checker(pki) -> Iterator[SignatureChecker]:  # type: ignore[no-untyped-def]
    seen: set[int] = set()
    with SignatureChecker(pki.trust_dir, RecordPeriod.default(), VerifyLimits(timeout_s=10)) as chk:
        chk.seen_pids = seen  # type: ignore[attr-defined]
        yield chk
        seen.update(chk.worker_pids())
    assert alive(seen) == []


SEED_NAMES = ["person_and_seal", "timestamped", "modified"]


def earlier_revision(mutated: bytes, original: bytes) -> bool:
    """The mutant is the original cut at the end of one of its revisions (an incremental update's
    "%%EOF"): a complete PDF, exactly as it was before the later revisions were added."""
    body = mutated.rstrip(b" \t\r\n\f\x00")
    return body.endswith(b"%%EOF") and original.startswith(body) and len(body) < len(original.rstrip())


def test_a_signed_file_cut_short_is_damaged_unless_cut_at_an_unsigned_revision(
    corpus: Corpus, fuzz_checker: SignatureChecker, tmp_path: Path
) -> None:
    """A download cut short reads as damaged ("corrupt"), never as "nobody signed it"; cut exactly
    where the unsigned original ends, it is the unsigned original (the case the fuzzer found)."""
    original = corpus["person_and_seal"].read_bytes()
    first_end = original.index(b"%%EOF") + len(b"%%EOF")
    for cut, status in ((first_end, "unsigned"), (first_end - 3, "error"), (first_end + 40, "error")):
        target = tmp_path / f"cut{cut}.pdf"
        target.write_bytes(original[:cut])
        (verdict,) = fuzz_checker.check_many([target])
        assert verdict.status == status, (cut, verdict.to_json())
        assert earlier_revision(original[:cut], original) is (status == "unsigned")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_pdfs_give_well_formed_verdicts(
    data: st.DataObject, corpus: Corpus, fuzz_checker: SignatureChecker, tmp_path: Path
) -> None:
    name = data.draw(st.sampled_from(SEED_NAMES))
    original = corpus[name].read_bytes()
    mutated = mutate(original, data.draw(mutations(len(original))))
    target = tmp_path / "mutated.pdf"
    target.write_bytes(mutated)
    (verdict,) = fuzz_checker.check_many([target])
    assert contract_errors(verdict.to_json()) == [], verdict.to_json()
    if verdict.status == "error":
        assert verdict.error in ("not_pdf", "corrupt", "too_large", "timeout")
    # Every seed carries signatures: a mutant may be broken, but never reads as "no signature", unless
    # it was cut exactly where an earlier, unsigned revision ends: then it is that revision, unsigned.
    if not earlier_revision(mutated, original):
        assert verdict.status != "unsigned", verdict.to_json()
    pids = fuzz_checker.worker_pids()
    fuzz_checker.seen_pids.update(pids)  # type: ignore[attr-defined]
    assert len(pids) <= fuzz_checker.max_workers
    # Workers replaced after a crash or timeout must really be gone, not orphaned.
    stale = fuzz_checker.seen_pids - set(pids)  # type: ignore[attr-defined]
    assert alive(stale) == []


def _check(checker: SignatureChecker, tmp_path: Path, data: bytes) -> FileVerdict:
    target = tmp_path / "mutated.pdf"
    target.write_bytes(data)
    (verdict,) = checker.check_many([target])
    assert contract_errors(verdict.to_json()) == [], verdict.to_json()
    return verdict


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_truncated_signed_files_are_never_valid_or_unsigned(
    data: st.DataObject, corpus: Corpus, fuzz_checker: SignatureChecker, tmp_path: Path
) -> None:
    original = corpus[data.draw(st.sampled_from(SEED_NAMES))].read_bytes()
    first_signature = original.find(b"/ByteRange")
    cut = data.draw(st.integers(first_signature + 1, len(original) - 1))
    truncated = original[:cut]
    # A cut exactly at the end of an earlier revision is that revision, complete: not a truncation.
    assume(not truncated.rstrip(b"\r\n").endswith(b"%%EOF"))
    verdict = _check(fuzz_checker, tmp_path, truncated)
    assert verdict.status not in ("valid", "unsigned"), (cut, verdict.to_json())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_orphaned_signatures_are_never_valid_or_unsigned(
    data: st.DataObject, corpus: Corpus, fuzz_checker: SignatureChecker, tmp_path: Path
) -> None:
    original = corpus[data.draw(st.sampled_from(["valid", "person_and_seal", "timestamped"]))].read_bytes()
    orphaned = unlink_signatures(original, drop=data.draw(st.booleans()))
    if data.draw(st.booleans()):
        orphaned = mutate(orphaned, data.draw(mutations(len(orphaned))))
    verdict = _check(fuzz_checker, tmp_path, orphaned)
    if verdict.status == "error":
        assert verdict.error in ("corrupt", "too_large", "timeout", "not_pdf")
    else:
        assert verdict.status not in ("valid", "unsigned"), verdict.to_json()
