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

from hsdt.signatures.structure import MAX_SCANNED_OBJECTS, OBJ_HEADER

_BYTE_RANGE = re.compile(rb"/ByteRange\b")
_OBJ_HEADER = OBJ_HEADER
_EOF = b"%%EOF"
_STRUCTURE = re.compile(rb"\bobj\b|\bxref\b|\btrailer\b|\bstartxref\b|/ByteRange")
# Any of these in a file means somebody meant to sign it: such a file is never "unsigned".
SIGNATURE_MARKERS = re.compile(rb"/ByteRange|/adbe\.pkcs7|/ETSI\.(?:CAdES|RFC3161)|/Type\s*/(?:Sig|DocTimeStamp)\b")


@dataclass(frozen=True)
class Trimmed:
    data: bytes
    dropped_junk: bool
    # Something that looks like the start of an update follows the last %%EOF: readers skip it.
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
    # /Contents (tens of KiB of hex) often comes before /ByteRange: widen the window until a header shows.
    window = 4096
    while True:
        start = max(0, position - window)
        last = None
        for match in _OBJ_HEADER.finditer(data, start, position):
            last = match
        if last is not None:
            if data.find(b"endobj", last.end(), position) >= 0:
                return None  # the nearest object ended before this point: not inside any object
            return int(last.group(1)), int(last.group(2))
        if start == 0:
            return None
        window *= 4


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
