"""What the bytes of a PDF say, independently of its cross-reference data.

Three questions a signature's verdict depends on, answered from the raw file:

- Does the byte range leave out exactly the signature value? (:func:`gap_is_contents`)
- What comes after a signed revision: readable objects and cross-reference data, or something a
  reader cannot parse? Which objects are there that no cross-reference section lists?
  (:func:`read_updates`, a small lexer over the updates only)
- What revisions does a file whose cross-reference data is broken have? Readers then rebuild the
  table by scanning for objects, later definitions winning; :func:`rebuild` does the same, one
  cross-reference section per revision (each ends at a ``%%EOF``), so the change analysis compares
  the revisions exactly as it does for a sound file.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from pyhanko.pdf_utils.generic import HEX_DIGITS

WHITESPACE = b"\x00\t\n\x0c\r "
# A scanning reader's notion of an object header.
OBJ_HEADER = re.compile(rb"(?<![0-9])(\d{1,10})[ \t\r\n\f\x00]+(\d{1,5})[ \t\r\n\f\x00]+obj\b")
_EOF_MARK = re.compile(rb"%%EOF[ \t]*(?:\r\n|\r|\n)?")
_TRAILER_REF = re.compile(
    rb"(/Root|/Info)[ \t\r\n\f\x00]*(\d{1,10})[ \t\r\n\f\x00]+(\d{1,5})[ \t\r\n\f\x00]+R\b"
)
# What a rebuilt trailer carries over: the catalog, and the document information (a rule checks it).
TRAILER_KEYS = (b"/Root", b"/Info")
_CATALOG = re.compile(rb"/Type[ \t\r\n\f\x00]*/Catalog\b")
# Past this many objects a scan is not worth the time of an honest file.
MAX_SCANNED_OBJECTS = 200_000
# Nesting deeper than this in an update is not something signing software writes.
MAX_DEPTH = 64


def gap_is_contents(data: bytes, byte_range: Sequence[object], contents: bytes) -> bool:
    """The byte range is ``[0 a b c]`` and bytes ``a..b`` are exactly the hex string of ``contents``.

    Nothing else may hide in the gap: no object header, no second dictionary, no other value.
    """
    if len(byte_range) != 4 or not all(_is_pdf_int(v) for v in byte_range):
        return False
    start, a, b, c = (cast(int, v) for v in byte_range)
    if start != 0 or not 0 < a < b or c < 0 or b + c > len(data):
        return False
    gap = data[a:b]
    if gap[:1] != b"<" or gap[-1:] != b">":
        return False
    digits = gap[1:-1].translate(None, WHITESPACE)
    if len(digits) % 2 or digits.translate(None, HEX_DIGITS):
        return False
    return binascii.unhexlify(digits) == contents


def _is_pdf_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def signed_end(byte_range: Sequence[object]) -> int | None:
    """Where the signed bytes end (``b + c``), or None for a byte range that is not four integers."""
    if len(byte_range) != 4 or not all(_is_pdf_int(v) for v in byte_range):
        return None
    return cast(int, byte_range[2]) + cast(int, byte_range[3])


def ends_a_revision(data: bytes, end: int) -> bool:
    """``end`` sits just after a ``%%EOF`` marker (and its end of line): a revision ends there."""
    window = data[max(0, end - 8) : end]
    return any(m.end() == len(window) for m in _EOF_MARK.finditer(window))


# --- Reading updates ------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectAt:
    number: int
    generation: int
    offset: int


@dataclass
class Updates:
    """The objects found after ``start``, and where (if anywhere) the bytes stop being a PDF update."""

    start: int
    objects: list[ObjectAt] = field(default_factory=list)
    unreadable_at: int | None = None
    # (offset, key, reference) of the /Root and /Info entries of trailers and xref-stream dictionaries.
    trailer_refs: list[tuple[int, bytes, tuple[int, int]]] = field(default_factory=list)

    def unreadable_after(self, position: int) -> bool:
        return self.unreadable_at is not None and self.unreadable_at >= position


class _Unreadable(Exception):
    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position


_TOKEN = re.compile(
    rb"(?P<ws>[\x00\t\n\x0c\r ]+)"
    rb"|(?P<comment>%[^\r\n]*)"
    rb"|(?P<dict_open><<)|(?P<dict_close>>>)"
    rb"|(?P<hex><[0-9A-Fa-f\x00\t\n\x0c\r ]*>)"
    rb"|(?P<array_open>\[)|(?P<array_close>\])"
    rb"|(?P<name>/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)"
    rb"|(?P<number>[+-]?(?:\d+\.?\d*|\.\d+))"
    rb"|(?P<keyword>[A-Za-z]+)"
    rb"|(?P<string>\()"
)
_INT = re.compile(rb"\d+")
_Ref = tuple[int, int]
_Value = object


class _Lexer:
    """Just enough of PDF's syntax to walk incremental updates: objects, streams, xref, trailers."""

    def __init__(self, data: bytes, start: int, end: int) -> None:
        self.data = data
        self.pos = start
        self.end = end
        self.last_eof = start  # just after the last %%EOF passed (an update is complete there)

    def _skip(self) -> None:
        while self.pos < self.end:
            match = _TOKEN.match(self.data, self.pos)
            if match is None or match.lastgroup not in ("ws", "comment"):
                return
            if match.lastgroup == "comment" and match.group().startswith(b"%%EOF"):
                self.last_eof = match.end()
            self.pos = match.end()

    def _peek(self) -> re.Match[bytes] | None:
        self._skip()
        if self.pos >= self.end:
            return None
        match = _TOKEN.match(self.data, self.pos, self.end)
        if match is None:
            raise _Unreadable(self.pos)
        return match

    def _take(self) -> re.Match[bytes]:
        match = self._peek()
        if match is None:
            raise _Unreadable(self.pos)
        self.pos = match.end()
        return match

    def _keyword_ahead(self, word: bytes) -> bool:
        match = self._peek()
        return match is not None and match.lastgroup == "keyword" and match.group() == word

    def _string(self) -> bytes:
        # Literal string: balanced parentheses, backslash escapes.
        depth, i = 0, self.pos
        data = self.data
        while i < self.end:
            ch = data[i]
            if ch == 0x5C:  # backslash
                i += 2
                continue
            if ch == 0x28:
                depth += 1
            elif ch == 0x29:
                depth -= 1
                if depth == 0:
                    value = data[self.pos + 1 : i]
                    self.pos = i + 1
                    return value
            i += 1
        raise _Unreadable(self.pos)

    def value(self, depth: int = 0) -> _Value:
        if depth > MAX_DEPTH:
            raise _Unreadable(self.pos)
        match = self._peek()
        if match is None:
            raise _Unreadable(self.pos)
        kind = match.lastgroup
        if kind == "string":
            return self._string()
        self.pos = match.end()
        if kind == "dict_open":
            result: dict[bytes, _Value] = {}
            while True:
                ahead = self._peek()
                if ahead is None:
                    raise _Unreadable(self.pos)
                if ahead.lastgroup == "dict_close":
                    self.pos = ahead.end()
                    return result
                key = self._take()
                if key.lastgroup != "name":
                    raise _Unreadable(key.start())
                result[key.group()] = self.value(depth + 1)
        if kind == "array_open":
            items: list[_Value] = []
            while True:
                ahead = self._peek()
                if ahead is None:
                    raise _Unreadable(self.pos)
                if ahead.lastgroup == "array_close":
                    self.pos = ahead.end()
                    return items
                items.append(self.value(depth + 1))
        if kind == "number":
            return self._number_or_reference(match)
        if kind in ("name", "hex"):
            return match.group()
        if kind == "keyword" and match.group() in (b"true", b"false", b"null"):
            return match.group()
        raise _Unreadable(match.start())

    def _number_or_reference(self, first: re.Match[bytes]) -> _Value:
        if not _INT.fullmatch(first.group()):
            return first.group()
        saved = self.pos
        second = self._peek()
        if second is not None and second.lastgroup == "number" and _INT.fullmatch(second.group()):
            self.pos = second.end()
            if self._keyword_ahead(b"R"):
                self._take()
                return (int(first.group()), int(second.group()))
        self.pos = saved
        return int(first.group())

    def object_header(self) -> tuple[int, int, int] | None:
        """``N G obj`` at the current position: (number, generation, offset)."""
        saved = self.pos
        first = self._peek()
        if first is None or first.lastgroup != "number" or not _INT.fullmatch(first.group()):
            return None
        offset = first.start()
        self.pos = first.end()
        second = self._peek()
        if second is not None and second.lastgroup == "number" and _INT.fullmatch(second.group()):
            self.pos = second.end()
            if self._keyword_ahead(b"obj"):
                self._take()
                return int(first.group()), int(second.group()), offset
        self.pos = saved
        return None

    def stream_body(self, dictionary: dict[bytes, _Value]) -> None:
        """Skip ``stream ... endstream`` the way a reader does: by /Length, tolerating one byte."""
        data = self.data
        self.pos += len(b"stream")
        while data[self.pos : self.pos + 1] in (b" ", b"\t"):  # some writers leave spaces before the EOL
            self.pos += 1
        if data.startswith(b"\r\n", self.pos):
            self.pos += 2
        elif data[self.pos : self.pos + 1] in (b"\n", b"\r"):
            self.pos += 1
        length = dictionary.get(b"/Length")
        if isinstance(length, int) and length >= 0:
            for end in (self.pos + length, self.pos + length - 1):
                after = end
                while after < self.end and data[after] in WHITESPACE:
                    after += 1
                if data.startswith(b"endstream", after) and after + 9 <= self.end:
                    self.pos = after + 9
                    return
            raise _Unreadable(self.pos)
        # An indirect /Length: the reader looks it up; the keyword is where the data ends.
        end = data.find(b"endstream", self.pos, self.end)
        if end < 0:
            raise _Unreadable(self.pos)
        self.pos = end + 9


def read_updates(data: bytes, start: int) -> Updates:
    """Walk ``data[start:]``, which must hold only incremental updates."""
    found = Updates(start=start)
    lexer = _Lexer(data, start, len(data))
    scanned = 0
    try:
        while True:
            header = lexer.object_header()
            if header is not None:
                number, generation, offset = header
                scanned += 1
                if scanned > MAX_SCANNED_OBJECTS:
                    raise _Unreadable(offset)
                body = lexer.value()
                if isinstance(body, dict):
                    if lexer._keyword_ahead(b"stream"):
                        lexer.stream_body(body)
                    _note_trailer(found, body, offset)
                if lexer._keyword_ahead(b"endobj"):
                    lexer._take()
                found.objects.append(ObjectAt(number, generation, offset))
                continue
            token = lexer._peek()
            if token is None:
                rest = data[lexer.last_eof :].lstrip(WHITESPACE)
                if rest:
                    # The last update does not end with %%EOF: it was cut short.
                    found.unreadable_at = len(data) - len(rest)
                return found
            word = token.group()
            if token.lastgroup != "keyword":
                raise _Unreadable(token.start())
            if word == b"xref":
                lexer._take()
                _xref_rows(lexer)
            elif word == b"trailer":
                lexer._take()
                offset = lexer.pos
                trailer = lexer.value()
                if not isinstance(trailer, dict):
                    raise _Unreadable(offset)
                _note_trailer(found, trailer, offset)
            elif word == b"startxref":
                lexer._take()
                pointer = lexer._take()
                if pointer.lastgroup != "number":
                    raise _Unreadable(pointer.start())
            else:
                raise _Unreadable(token.start())
    except _Unreadable as stop:
        found.unreadable_at = stop.position
    return found


def _xref_rows(lexer: _Lexer) -> None:
    while True:
        token = lexer._peek()
        if token is None:
            return
        if token.lastgroup == "number" or (token.lastgroup == "keyword" and token.group() in (b"n", b"f")):
            lexer._take()
            continue
        return


def _note_trailer(found: Updates, dictionary: dict[bytes, _Value], offset: int) -> None:
    for key in TRAILER_KEYS:
        ref = dictionary.get(key)
        if isinstance(ref, tuple):
            found.trailer_refs.append((offset, key, ref))


# --- Rebuilding the cross-reference data --------------------------------------------------------


def revision_ends(data: bytes) -> list[int]:
    """Where each revision ends: just after every ``%%EOF`` (and its end of line), and the file's end."""
    ends = [m.end() for m in _EOF_MARK.finditer(data)]
    if not ends or ends[-1] != len(data):
        ends.append(len(data))
    return ends


@dataclass(frozen=True)
class Rebuilt:
    """The file with one appended cross-reference section per revision (its bytes come first, unmoved)."""

    data: bytes
    revision_ends: tuple[int, ...]  # for each revision of the rebuilt file, where its bytes end


def rebuild(data: bytes, updates: Updates | None = None) -> Rebuilt | None:
    """Cross-reference sections for a file whose own are broken, built by scanning; None without a catalog.

    Objects are assigned to the revision whose bytes they sit in; within one revision the later
    definition wins, as with any scanning reader. ``updates`` (from :func:`read_updates`) supplies
    the objects of the part it covers, so that stream data there is never mistaken for objects.
    """
    headers = [
        ObjectAt(int(m.group(1)), int(m.group(2)), m.start())
        for m in _limited(OBJ_HEADER.finditer(data, 0, updates.start if updates else len(data)))
    ]
    if updates is not None:
        headers += updates.objects
    refs = [(m.start(), m.group(1), (int(m.group(2)), int(m.group(3)))) for m in _TRAILER_REF.finditer(data)]
    if updates is not None:
        refs = [r for r in refs if r[0] < updates.start] + updates.trailer_refs
    roots = [(offset, ref) for offset, key, ref in refs if key == b"/Root"]
    infos = [(offset, ref) for offset, key, ref in refs if key == b"/Info"]
    catalogs = [h for h in headers if _CATALOG.search(data, h.offset, min(len(data), h.offset + 4096))]

    sections: list[bytes] = []
    ends: list[int] = []
    offset = len(data) + (0 if data.endswith(b"\n") else 1)
    body = data if data.endswith(b"\n") else data + b"\n"
    size = 1
    previous: int | None = None
    root: tuple[int, int] | None = None
    start = 0
    for end in revision_ends(data):
        in_revision: dict[int, ObjectAt] = {}
        for header in headers:
            if start <= header.offset < end:
                in_revision[header.number] = header  # headers are in file order: the later one wins
        root = _last_before(roots, end) or _last_catalog(catalogs, end) or root
        info = _last_before(infos, end)
        start = end
        if not in_revision or root is None:
            continue
        size = max(size, max(in_revision) + 1)
        section = _xref_section(in_revision, first=previous is None)
        trailer = b"trailer\n<< /Size %d /Root %d %d R" % (size, *root)
        if info is not None:
            trailer += b" /Info %d %d R" % info
        if previous is not None:
            trailer += b" /Prev %d" % previous
        section += trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % offset
        sections.append(section)
        ends.append(end)
        previous = offset
        offset += len(section)
    if not sections:
        return None
    return Rebuilt(body + b"".join(sections), tuple(ends))


def _limited(matches: object) -> list[re.Match[bytes]]:
    out: list[re.Match[bytes]] = []
    for match in matches:  # type: ignore[attr-defined]
        out.append(match)
        if len(out) >= MAX_SCANNED_OBJECTS:
            break
    return out


def _last_before(roots: list[tuple[int, _Ref]], end: int) -> _Ref | None:
    chosen = None
    for offset, ref in roots:
        if offset < end:
            chosen = ref
    return chosen


def _last_catalog(catalogs: list[ObjectAt], end: int) -> _Ref | None:
    chosen = None
    for header in catalogs:
        if header.offset < end:
            chosen = (header.number, header.generation)
    return chosen


def _xref_section(objects: dict[int, ObjectAt], *, first: bool) -> bytes:
    rows = [b"xref\n"]
    if first:
        rows.append(b"0 1\n0000000000 65535 f \n")
    for number in sorted(objects):
        header = objects[number]
        rows.append(b"%d 1\n%010d %05d n \n" % (number, header.offset, header.generation))
    return b"".join(rows)
