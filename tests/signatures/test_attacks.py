"""Published attack classes on signed PDFs, one case each (``attacks``), and the legitimate changes
that must stay valid. The engine runs in-process (pure); the test PKI's revocation server is local."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from hsdt.signatures.config import RecordPeriod
from hsdt.signatures.engine import verify_bytes
from hsdt.signatures.trust import load_trust_roots
from hsdt.signatures.verdict import FileVerdict, contract_errors
from tests.signatures import attacks
from tests.signatures.testpki import (
    TestPKI,
    add_dss_and_timestamp,
    break_last_xref,
    change_field,
    make_form_pdf,
    make_pdf,
    make_tagged_pdf,
    sign_pdf,
)

SIGNED = datetime(2024, 10, 15, 2, 30, tzinfo=UTC)


def verify(pki: TestPKI, data: bytes) -> FileVerdict:
    verdict = verify_bytes(data, "x.pdf", load_trust_roots(pki.trust_dir), RecordPeriod.default())
    assert contract_errors(verdict.to_json()) == [], verdict.to_json()
    return verdict


def assert_forged(verdict: FileVerdict, problem: str) -> None:
    """Invalid, for the named reason, and said without noise (nothing about revocation)."""
    assert verdict.status == "invalid", (verdict.status, [s.problems for s in verdict.signatures])
    first = verdict.signatures[0]
    assert problem in first.problems, first.problems
    assert "thu hồi" not in first.message_vi, first.message_vi


@pytest.fixture(scope="module")
def signed(pki: TestPKI) -> bytes:
    return sign_pdf(make_pdf(1), pki.person, "ChuKy", signing_time=SIGNED)


@pytest.fixture(scope="module")
def tagged(pki: TestPKI) -> bytes:
    return sign_pdf(make_tagged_pdf(), pki.person, "ChuKy", signing_time=SIGNED)


def _certified(pki: TestPKI, level: int) -> bytes:
    return sign_pdf(make_form_pdf("SoVanBan", "125/KH-MN"), pki.person, "ChuKy", signing_time=SIGNED, certify=level)


# --- Files whose cross-reference data must be rebuilt -----------------------------------------


def test_wrapped_gap_larger_than_the_signature_value_is_invalid(pki: TestPKI, signed: bytes) -> None:
    forged = attacks.wrapped_gap(signed)
    # The signed bytes are intact and end at the end of the file: only the gap betrays it.
    assert forged.endswith(signed[-1000:])
    v = verify(pki, forged)
    assert_forged(v, "coverage_unclear")
    assert not v.signatures[0].covers_whole_file
    assert "phạm vi ký bất thường" in v.message_vi


@pytest.mark.parametrize("broken", [False, True], ids=["xref-intact", "xref-broken"])
def test_signature_value_rewritten_with_a_copy_and_new_content_is_invalid(
    pki: TestPKI, signed: bytes, broken: bool
) -> None:
    forged = attacks.contents_rewritten(signed)
    v = verify(pki, break_last_xref(forged) if broken else forged)
    assert v.status == "invalid", [s.problems for s in v.signatures]
    # Read through the form, the dictionary is broken; read by scanning, the copy's gap is not its value.
    expected = "coverage_unclear" if broken else "signature_malformed"
    assert expected in v.signatures[0].problems
    if not broken:
        assert v.signatures[0].signing_time is None  # nothing was read: no time either


def test_rebuilt_file_with_a_changed_page_is_invalid(pki: TestPKI, signed: bytes) -> None:
    forged = break_last_xref(attacks.incremental_saving(signed)["with_xref"])
    v = verify(pki, forged)
    assert_forged(v, "modified_after_signing")
    assert v.problems == ("structure_rebuilt",)


# --- Incremental saving -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "problem"),
    [
        ("with_xref", "modified_after_signing"),
        ("without_prev", "modified_after_signing"),
        ("without_xref", "modified_after_signing"),
        ("old_startxref", "hidden_change"),
        ("no_eof", "unreadable_update"),
    ],
)
def test_incremental_saving_attack(pki: TestPKI, signed: bytes, variant: str, problem: str) -> None:
    assert_forged(verify(pki, attacks.incremental_saving(signed)[variant]), problem)


# --- Shadow attacks --------------------------------------------------------------------------------


def _with_overlay() -> bytes:
    """A page whose text is covered by a white box drawn by a second content stream."""
    writer = PdfFileWriter(stream_xrefs=False)
    text = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 14 Tf 72 770 Td (An) Tj ET"))
    box = writer.add_object(generic.StreamObject(stream_data=b"1 1 1 rg 60 760 300 30 re f"))
    writer.insert_page(PageObject(contents=generic.ArrayObject([text, box]), media_box=[0, 0, 595, 842]))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_shadow_hide_reveals_covered_text(pki: TestPKI) -> None:
    signed = sign_pdf(_with_overlay(), pki.person, "ChuKy", signing_time=SIGNED)
    assert_forged(verify(pki, attacks.update_hiding_overlay(signed)), "modified_after_signing")


def test_shadow_hide_whose_update_cannot_be_parsed_is_invalid(pki: TestPKI, signed: bytes) -> None:
    v = verify(pki, attacks.update_without_endstream(signed))
    assert_forged(v, "unreadable_update")
    assert "đã bị thay đổi sau khi ký; không đọc được phần thay đổi" in v.message_vi


def test_shadow_replace_of_a_font_is_invalid(pki: TestPKI, signed: bytes) -> None:
    assert_forged(verify(pki, attacks.update_replacing_font(signed)), "modified_after_signing")


def test_shadow_replace_of_a_form_value_is_invalid(pki: TestPKI) -> None:
    signed = sign_pdf(make_form_pdf("SoVanBan", "125/KH-MN"), pki.person, "ChuKy", signing_time=SIGNED)
    v = verify(pki, change_field(signed, "SoVanBan", "999/KH-MN"))
    assert_forged(v, "form_field_changed")
    assert "“SoVanBan”" in v.message_vi


def test_shadow_hide_and_replace_of_the_page_tree_is_invalid(pki: TestPKI, signed: bytes) -> None:
    assert_forged(verify(pki, attacks.update_switching_pages(signed)), "modified_after_signing")


# --- The structure tree -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forge",
    [attacks.struct_tree_disguised_stream, attacks.struct_tree_disguised_font],
    ids=["content-stream-with-S", "font-dict-with-S"],
)
def test_page_content_disguised_as_a_structure_element_is_invalid(
    pki: TestPKI, tagged: bytes, forge: Callable[[bytes], bytes]
) -> None:
    assert_forged(verify(pki, forge(tagged)), "modified_after_signing")


def test_structure_tree_added_to_an_untagged_file_is_invalid(pki: TestPKI, signed: bytes) -> None:
    assert_forged(verify(pki, attacks.struct_tree_added(signed)), "modified_after_signing")


# --- Certified documents -------------------------------------------------------------------------


@pytest.mark.parametrize("level", [2, 3])
def test_evil_annotation_on_a_certified_document_is_invalid(pki: TestPKI, level: int) -> None:
    assert_forged(verify(pki, attacks.evil_annotation(_certified(pki, level))), "modified_after_signing")


def test_sneaky_signature_field_on_a_certified_document_is_invalid(pki: TestPKI) -> None:
    assert_forged(verify(pki, attacks.sneaky_signature_field(_certified(pki, 2))), "modified_after_signing")


def test_signing_a_document_certified_against_all_changes_is_invalid(pki: TestPKI) -> None:
    later = sign_pdf(_certified(pki, 1), pki.seal, "ConDau", signing_time=SIGNED, ignore_certification=True)
    assert_forged(verify(pki, later), "modified_after_signing")


def test_filling_a_document_certified_against_all_changes_is_invalid(pki: TestPKI) -> None:
    assert_forged(verify(pki, change_field(_certified(pki, 1), "SoVanBan", "126/KH-MN")), "modified_after_signing")


# --- Universal signature forgery and byte-range tricks ------------------------------------------


@pytest.mark.parametrize("variant", attacks.UNIVERSAL_FORGERIES)
def test_universal_signature_forgery_is_never_valid(pki: TestPKI, signed: bytes, variant: str) -> None:
    v = verify(pki, attacks.universal_forgeries(signed)[variant])
    assert v.status in ("invalid", "indeterminate"), variant
    (sig,) = v.signatures
    assert {"signature_malformed", "not_intact", "coverage_unclear", "unsupported_format"} & set(sig.problems)
    if "signature_malformed" in sig.problems:
        assert sig.signing_time is None  # nothing read, nothing invented
    assert "thu hồi" not in sig.message_vi and "adbe" not in sig.message_vi


@pytest.mark.parametrize("variant", attacks.BYTE_RANGE_TRICKS)
def test_byte_range_tricks_are_never_valid(pki: TestPKI, signed: bytes, variant: str) -> None:
    v = verify(pki, attacks.byte_range_tricks(signed)[variant])
    assert v.status == "invalid", variant
    assert {"coverage_unclear", "signature_malformed", "not_intact"} & set(v.signatures[0].problems)
    assert not v.signatures[0].covers_whole_file
    assert "thu hồi" not in v.signatures[0].message_vi


# --- Legitimate controls: these must stay valid ----------------------------------------------


def _valid(verdict: FileVerdict) -> None:
    assert verdict.status == "valid", [(s.field, s.problems) for s in verdict.signatures]
    assert all(not s.modified_after_signing and s.revocation != "not_checked" for s in verdict.signatures)
    assert verdict.message_vi.startswith("✅ Hợp lệ")


def test_later_signature_is_permitted(pki: TestPKI, signed: bytes) -> None:
    _valid(verify(pki, sign_pdf(signed, pki.seal, "ConDau", signing_time=SIGNED)))


def test_dss_and_document_timestamp_are_permitted(pki: TestPKI) -> None:
    stamped = sign_pdf(make_pdf(1), pki.person, "ChuKy", timestamp_by=pki.tsa, timestamp_time=SIGNED)
    _valid(verify(pki, add_dss_and_timestamp(stamped, pki.tsa, pki.intermediate, [pki.person, pki.intermediate])))


def test_form_filling_where_the_certification_allows_it(pki: TestPKI) -> None:
    v = verify(pki, change_field(_certified(pki, 2), "SoVanBan", "126/KH-MN"))
    assert v.status == "valid", v.signatures[0].problems
    (sig,) = v.signatures
    assert sig.problems == ("form_filled_as_permitted",) and sig.changed_fields == ("SoVanBan",)
    assert "ô biểu mẫu được điền sau khi ký, trong phạm vi người ký cho phép: “SoVanBan”" in v.message_vi


def test_approval_signature_after_a_certification_that_allows_it(pki: TestPKI) -> None:
    _valid(verify(pki, sign_pdf(_certified(pki, 2), pki.seal, "ConDau", signing_time=SIGNED)))


@pytest.mark.parametrize("realistic", [False, True], ids=["element", "element-objr-parent-tree"])
def test_tagged_pdf_signing_software_is_permitted(pki: TestPKI, tagged: bytes, realistic: bool) -> None:
    if realistic:
        sealed = sign_pdf(attacks.tag_signature_widget(tagged), pki.seal, "ConDau", signing_time=SIGNED)
    else:
        sealed = sign_pdf(tagged, pki.seal, "ConDau", signing_time=SIGNED, tag_widget=True)
    _valid(verify(pki, sealed))


def test_second_signer_over_a_rebuilt_file_is_permitted(pki: TestPKI, signed: bytes) -> None:
    sealed = sign_pdf(signed, pki.seal, "ConDau", signing_time=SIGNED)
    v = verify(pki, break_last_xref(sealed))
    _valid(v)
    assert v.problems == ("structure_rebuilt",)


def test_incremental_writer_update_without_changes_is_permitted(pki: TestPKI, signed: bytes) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(signed), strict=False)
    writer.root[generic.NameObject("/Version")] = generic.NameObject("/2.0")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    _valid(verify(pki, out.getvalue()))
