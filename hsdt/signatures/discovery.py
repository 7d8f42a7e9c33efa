"""Finding signatures by their dictionaries, and what follows the last %%EOF.

The AcroForm is only one way to a signature: a rewritten file may drop or blank the field while the
signature dictionary (and its /ByteRange) stays in the file. Readers such as pdfsig find those; so
do we. (Rebuilding broken cross-reference data is in ``structure``.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from hsdt.signatures.structure import MAX_SCANNED_OBJECTS

_BYTE_RANGE = re.compile(rb"/ByteRange\b")
# "N G obj" at the end of a short window; the window is longer than any header.
_HEADER_ENDING = re.compile(rb"(?<![0-9])(\d{1,10})[ \t\r\n\f\x00]+(\d{1,5})[ \t\r\n\f\x00]+obj$")
_HEADER_REACH = 40
_EOF = b"%%EOF"
_STRUCTURE = re.compile(rb"\bobj\b|\bxref\b|\btrailer\b|\bstartxref\b|/ByteRange")
# Any of these in a file means somebody meant to sign it: such a file is never "unsigned".
SIGNATURE_MARKERS = re.compile(rb"/ByteRange|/adbe\.pkcs7|/ETSI\.(?:CAdES|RFC3161)|/Type\s*/(?:Sig|DocTimeStamp)\b")


@dataclass(frozen=True)
class Trimmed:
    data: bytes
    dropped_junk: bool
    # Something that looks like the start of an update follows the last %%EOF: it is kept, and judged
    # as what came after the signatures.
    unread_update: bool = False


def trim_trailing_junk(data: bytes) -> Trimmed:
    """Cut whatever follows the last %%EOF; pyHanko only looks for it in the last KiB."""
    end = data.rfind(_EOF)
    if end < 0:
        return Trimmed(data, False)
    cut = end + len(_EOF)
    while cut < len(data) and data[cut : cut + 1] in (b"\r", b"\n"):
        cut += 1
    tail = data[cut:]
    if _STRUCTURE.search(tail) or tail.lstrip()[:1].isdigit():
        # Not junk: an update cut short (it begins with an object number). Keep it, so it is judged too.
        return Trimmed(data, False, unread_update=True)
    return Trimmed(data[:cut], bool(tail.strip(b" \t\r\n\f\x00")))


def object_header_before(data: bytes, position: int) -> tuple[int, int] | None:
    """The ``N G obj`` whose body contains ``position`` (the nearest header before it)."""
    # Walk back over the "obj" keywords (a signature's /Contents, tens of KiB of hex, often comes
    # before its /ByteRange): the first one that ends an "endobj" means no object is open here.
    end = position
    while True:
        at = data.rfind(b"obj", 0, end)
        if at < 0:
            return None
        if data[max(0, at - 3) : at] == b"end":
            return None  # the nearest object ended before this point: not inside any object
        start = max(0, at - _HEADER_REACH)
        header = _HEADER_ENDING.search(data[start : at + 3])
        if header is not None and header.start() == 0 and start > 0:
            # Padded with whitespace: the number may begin before the window; look further back.
            start = max(0, at - 4096)
            header = _HEADER_ENDING.search(data[start : at + 3])
        if header is not None and (at + 3 == len(data) or not data[at + 3 : at + 4].isalnum()):
            return int(header.group(1)), int(header.group(2))
        end = at


def raw_signature_refs(data: bytes) -> list[tuple[int, int]]:
    """References of the uncompressed objects that carry a /ByteRange, in file order."""
    refs: list[tuple[int, int]] = []
    for match in _BYTE_RANGE.finditer(data):
        ref = object_header_before(data, match.start())
        if ref is not None and ref not in refs:
            refs.append(ref)
    return refs


def all_refs(reader: PdfFileReader) -> Iterator[generic.Reference]:
    """Every reference any revision defines (object streams included)."""
    seen: set[generic.Reference] = set()
    for revision in range(reader.xrefs.total_revisions):
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            if ref not in seen:
                seen.add(ref)
                yield ref
            if len(seen) > MAX_SCANNED_OBJECTS:
                return


def is_signature_dict(obj: object) -> bool:
    return isinstance(obj, generic.DictionaryObject) and "/ByteRange" in obj and "/Contents" in obj
