"""The raw-bytes proofs: the byte-range gap, reading updates, rebuilding revisions."""

from __future__ import annotations

import pytest

from hsdt.signatures import structure
from hsdt.signatures.integrity import open_reader

SIGNED = b"%PDF-1.7\n1 0 obj\n<< /Contents <3082ABCD0000> /ByteRange [0 27 41 5] >>\nendobj\n%%EOF\n"


def _contents() -> tuple[int, int]:
    start = SIGNED.index(b"<3082")
    return start, SIGNED.index(b">", start) + 1


def test_gap_must_be_exactly_the_signature_value() -> None:
    a, b = _contents()
    value = bytes.fromhex("3082ABCD0000")
    assert structure.gap_is_contents(SIGNED, [0, a, b, len(SIGNED) - b], value)
    assert not structure.gap_is_contents(SIGNED, [0, a, b, len(SIGNED) - b], value[:-1])
    assert not structure.gap_is_contents(SIGNED, [1, a - 1, b, len(SIGNED) - b], value)  # not from zero
    assert not structure.gap_is_contents(SIGNED, [0, a - 1, b, len(SIGNED) - b], value)  # gap too wide
    assert not structure.gap_is_contents(SIGNED, [0, a, b, len(SIGNED)], value)  # past the end
    assert not structure.gap_is_contents(SIGNED, [0, a, b, -1], value)
    assert not structure.gap_is_contents(SIGNED, [0, a, b, True], value)
    hidden = SIGNED[:a] + b"<3082 1 0 obj>" + SIGNED[b:]
    assert not structure.gap_is_contents(hidden, [0, a, a + 14, len(hidden) - a - 14], b"")


def test_revision_ends() -> None:
    data = b"%PDF-1.7\n%%EOF\nx\n%%EOF\r\n"
    assert structure.revision_ends(data) == [15, len(data)]
    assert structure.ends_a_revision(data, 15) and structure.ends_a_revision(data, 14)  # with or without its EOL
    assert not structure.ends_a_revision(data, 13) and not structure.ends_a_revision(data, 16)


UPDATE = (
    b"7 0 obj\n<< /Type /Page /Contents 8 0 R /Kids [1 0 R (a (b) \\) c)] >>\nendobj\n"
    b"8 0 obj\n<< /Length 5 >>\nstream\nBT ET\nendstream\nendobj\n"
    b"9 0 obj\n<< /Length 10 0 R >>\nstream\n\x00\x01binary\nendstream\nendobj\n"
    b"xref\n0 1\n0000000000 65535 f \n7 3\n0000000010 00000 n \n0000000070 00000 n \n0000000120 00000 n \n"
    b"trailer\n<< /Size 10 /Root 1 0 R /Info 2 0 R /ID [<ab> <cd>] >>\nstartxref\n200\n%%EOF\n"
)


@pytest.mark.parametrize("after_keyword", [b"\n", b"\r\n", b"  \r\n"])
def test_read_updates_lists_objects_and_trailer_references(after_keyword: bytes) -> None:
    head = b"%PDF-1.7\n%%EOF\n"
    found = structure.read_updates(head + UPDATE.replace(b"stream\n", b"stream" + after_keyword), len(head))
    assert found.unreadable_at is None
    assert [(o.number, o.generation) for o in found.objects] == [(7, 0), (8, 0), (9, 0)]
    assert [(key, ref) for _offset, key, ref in found.trailer_refs] == [(b"/Root", (1, 0)), (b"/Info", (2, 0))]


@pytest.mark.parametrize(
    "broken",
    [
        UPDATE.replace(b"BT ET\nendstream", b"BT ET\n"),  # no endstream
        UPDATE.replace(b"/Length 5", b"/Length 50"),  # length runs past the data
        UPDATE.replace(b"endobj\n8 0 obj", b"endobj\ngarbage 8 0 obj"),  # stray keyword
        UPDATE.replace(b"8 0 obj", b"8 0 %hidden\nobj ) ("),  # an object a lexer would find, then junk
        UPDATE[: len(UPDATE) // 2],  # cut short
        UPDATE.replace(b"<< /Type /Page", b"<< /Type /Page " + b"[" * 100),  # absurd nesting
    ],
)
def test_read_updates_finds_what_cannot_be_read(broken: bytes) -> None:
    head = b"%PDF-1.7\n%%EOF\n"
    found = structure.read_updates(head + broken, len(head))
    assert found.unreadable_after(len(head)), found


def test_rebuild_gives_one_revision_per_eof_and_later_definitions_win() -> None:
    first = (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
    second = b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 /Changed true >>\nendobj\nxref\nbroken\n%%EOF\n"
    rebuilt = structure.rebuild(first + second)
    assert rebuilt is not None and rebuilt.revision_ends == (len(first), len(first + second))
    reader = open_reader(rebuilt.data)
    assert reader.xrefs.total_revisions == 2
    assert "/Changed" in reader.root["/Pages"]
    assert "/Changed" not in reader.get_historical_root(0)["/Pages"]
    assert structure.rebuild(b"%PDF-1.7\n3 0 obj\n<< >>\nendobj\n%%EOF\n") is None  # no catalog
