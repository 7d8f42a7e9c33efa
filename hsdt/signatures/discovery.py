"""Finding signatures by their dictionaries, and reading files whose structure is damaged.

The AcroForm is only one way to a signature: a rewritten file may drop or blank the field while the
signature dictionary (and its /ByteRange) stays in the file. Readers such as pdfsig find those, and
rebuild a broken cross-reference table by scanning for objects; so do we.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

_BYTE_RANGE = re.compile(rb"/ByteRange\b")
_OBJ_HEADER = re.compile(rb"(?<![0-9])(\d{1,10})[ \t\r\n\f\x00]+(\d{1,5})[ \t\r\n\f\x00]+obj\b")
_CATALOG = re.compile(rb"/Type\s*/Catalog\b")
_EOF = b"%%EOF"
_STRUCTURE = re.compile(rb"\bobj\b|\bxref\b|\btrailer\b|\bstartxref\b|/ByteRange")
# Any of these in a file means somebody meant to sign it: such a file is never "unsigned".
SIGNATURE_MARKERS = re.compile(rb"/ByteRange|/adbe\.pkcs7|/ETSI\.(?:CAdES|RFC3161)|/Type\s*/(?:Sig|DocTimeStamp)\b")
# Past this many objects a brute-force scan is not worth the time of an honest file.
MAX_SCANNED_OBJECTS = 200_000


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


def rebuild_xref(data: bytes) -> bytes | None:
    """The file with a fresh cross-reference table appended, built by scanning for objects.

    Returns None when no catalog is found. Later definitions win, as in an incremental update.
    """
    offsets: dict[int, tuple[int, int]] = {}
    catalog: tuple[int, int] | None = None
    headers = list(_OBJ_HEADER.finditer(data))
    for index, match in enumerate(headers[:MAX_SCANNED_OBJECTS]):
        number, generation = int(match.group(1)), int(match.group(2))
        offsets[number] = (generation, match.start())
        body_end = headers[index + 1].start() if index + 1 < len(headers) else len(data)
        if _CATALOG.search(data, match.end(), min(body_end, match.end() + 4096)):
            catalog = (number, generation)
    if catalog is None or not offsets:
        return None
    size = max(offsets) + 1
    rows = [b"0000000000 65535 f \n"]
    for number in range(1, size):
        if number in offsets:
            generation, offset = offsets[number]
            rows.append(b"%010d %05d n \n" % (offset, generation))
        else:
            rows.append(b"0000000000 65535 f \n")
    body = data if data.endswith(b"\n") else data + b"\n"
    xref_at = len(body)
    trailer = b"trailer\n<< /Size %d /Root %d %d R >>\nstartxref\n%d\n%%%%EOF\n" % (size, *catalog, xref_at)
    return body + b"xref\n0 %d\n" % size + b"".join(rows) + trailer
