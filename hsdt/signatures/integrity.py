"""Reading a signed file and proving what each signature covers (worker side).

Every signature gets the same proof, whether the file's cross-reference data is sound or had to be
rebuilt by scanning:

1. the byte range is ``[0 a b c]`` and its gap is exactly the signature's own /Contents hex string;
2. it ends where the file ends, or where a revision ends (``%%EOF``; for a sound file also the very
   revision the signature belongs to, as pyHanko checks);
3. everything after it is readable as incremental updates, every object there is one the
   cross-reference data lists, and every later revision's objects parse;
4. pyHanko's difference analysis, with our policy, approves what the later revisions changed.

A step that cannot be established makes the signature's coverage unclear (1, 2) or its later
changes unacceptable (3, 4): never valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from io import BytesIO

from pyhanko.pdf_utils.misc import PdfDecodeLimitError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel, SuspiciousModification
from pyhanko.sign.validation import EmbeddedPdfSignature, SignatureCoverageLevel

from hsdt.signatures import policy, structure
from hsdt.signatures.verdict import Change, Problem

# How far a cross-reference offset may miss its object header and still be taken as pointing to it.
LISTED_SLACK = 4
_BYTE_RANGE_VALUES = re.compile(rb"/ByteRange\s*\[\s*(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s*\]")


def out_of_memory_is_fatal(error: BaseException) -> None:
    """Broad handlers tolerate damaged files; running out of memory is not damage: it must reach the
    worker, which reports the file too large instead of retrying the work under the same limit."""
    if isinstance(error, MemoryError):
        raise error


def open_reader(data: bytes) -> PdfFileReader:
    reader = PdfFileReader(BytesIO(data), strict=False)
    reader.root  # noqa: B018 -- force the catalog to load so a broken file fails here
    return reader


def earliest_revision_signed(data: bytes) -> int | None:
    """Where the earliest signature that stops before the end of the file stops (from the raw bytes)."""
    ends = [
        int(m.group(3)) + int(m.group(4))
        for m in _BYTE_RANGE_VALUES.finditer(data)
    ]
    inside = [e for e in ends if 0 < e < len(data) and structure.ends_a_revision(data, e)]
    return min(inside) if inside else None


@dataclass
class ReadFile:
    """A PDF as read for verification: the bytes judged, the reader, and what follows signatures."""

    data: bytes
    reader: PdfFileReader
    rebuilt: structure.Rebuilt | None = None
    _updates: dict[int, structure.Updates] = field(default_factory=dict)
    _listed: set[int] | None = None
    _unreadable_revisions: set[int] | None = None

    def updates_after(self, end: int) -> structure.Updates:
        """The updates after ``end`` (one reading serves every later position)."""
        for start, updates in self._updates.items():
            if start <= end:
                return updates
        updates = structure.read_updates(self.data, end)
        self._updates[end] = updates
        return updates

    def listed_offsets(self) -> set[int]:
        """Where the cross-reference data says objects start (after any whitespace)."""
        if self._listed is None:
            offsets: set[int] = set()
            xrefs = self.reader.xrefs
            for revision in range(xrefs.total_revisions):
                section = xrefs.get_xref_data(revision)
                sections = [section] + ([section.hybrid.xref_data] if section.hybrid is not None else [])
                for data in sections:
                    offsets.update(offset for _generation, offset in data.standard_xrefs.values())
                meta = xrefs.get_xref_container_info(revision)
                offsets.update((meta.start_location, meta.declared_startxref))
            self._listed = {_skip_whitespace(self.data, o) for o in offsets if 0 <= o < len(self.data)}
        return self._listed

    def is_listed(self, offset: int) -> bool:
        """An object header at ``offset`` is one the cross-reference data points to (writers are
        sometimes a few bytes off; pyHanko finds the header then, and so does this)."""
        listed = self.listed_offsets()
        return any(offset + shift in listed for shift in range(-LISTED_SLACK, LISTED_SLACK + 1))

    def unreadable_revisions(self) -> set[int]:
        """Revisions (after the first) with an object pyHanko cannot parse."""
        if self._unreadable_revisions is None:
            bad: set[int] = set()
            reader = self.reader
            for revision in range(1, reader.xrefs.total_revisions):
                resolver = reader.get_historical_resolver(revision)
                try:
                    for ref in reader.xrefs.explicit_refs_in_revision(revision):
                        resolver(ref)
                except (PdfDecodeLimitError, MemoryError):
                    raise
                except Exception as exc:  # any parse failure: this revision cannot be read
                    out_of_memory_is_fatal(exc)
                    bad.add(revision)
            self._unreadable_revisions = bad
        return self._unreadable_revisions


def _skip_whitespace(data: bytes, offset: int) -> int:
    while offset < len(data) and data[offset] in structure.WHITESPACE:
        offset += 1
    return offset


@dataclass(frozen=True)
class Integrity:
    whole: bool
    modified: bool
    changes: tuple[Change, ...] = ()
    changed_fields: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()


UNCLEAR = Integrity(False, True, problems=(Problem.COVERAGE_UNCLEAR,))


def coverage_proven(read: ReadFile, emb: EmbeddedPdfSignature) -> int | None:
    """Steps 1 and 2: where the signed bytes end, or None when the coverage cannot be established."""
    end = structure.signed_end(emb.byte_range)
    if end is None or not structure.gap_is_contents(read.data, emb.byte_range, emb.pkcs7_content):
        return None
    if end == len(read.data):
        return end
    if not structure.ends_a_revision(read.data, end):
        return None
    if read.rebuilt is not None:
        ends = read.rebuilt.revision_ends
        return end if emb.signed_revision < len(ends) and ends[emb.signed_revision] == end else None
    return end if emb.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_REVISION else None


def judge(read: ReadFile, emb: EmbeddedPdfSignature) -> Integrity:
    """What the signature covers and whether what came after it is acceptable."""
    end = coverage_proven(read, emb)
    if end is None:
        return UNCLEAR
    if end == len(read.data):
        return Integrity(True, False)
    updates = read.updates_after(end)
    if updates.unreadable_after(end) or any(r > emb.signed_revision for r in read.unreadable_revisions()):
        return Integrity(False, True, problems=(Problem.UNREADABLE_UPDATE,))
    # In a rebuilt file every object is listed by construction; in a sound one, one that no section
    # lists is what a scanning reader would show and the others would not.
    hidden = [obj for obj in updates.objects if obj.offset >= end and not read.is_listed(obj.offset)]
    if read.rebuilt is None and hidden:
        return Integrity(False, True, problems=(Problem.HIDDEN_CHANGE,))
    try:
        diff = policy.SIGNED_DOCUMENT_POLICY.review_file(
            read.reader, emb.signed_revision, field_mdp_spec=emb.fieldmdp, doc_mdp=emb.docmdp_level
        )
    except (PdfDecodeLimitError, MemoryError):
        raise
    except Exception as exc:  # pyHanko's analysis can fail on files it should accept: say so
        out_of_memory_is_fatal(exc)
        return Integrity(False, False, problems=(Problem.DIFF_ANALYSIS_FAILED,))
    if isinstance(diff, SuspiciousModification) or not isinstance(diff, DiffResult):
        return Integrity(False, True, _what_changed(read, emb, None), (), (Problem.MODIFIED_AFTER_SIGNING,))
    fields = tuple(sorted(diff.changed_form_fields))
    level = diff.modification_level
    docmdp = emb.docmdp_level
    allowed_by_certification = docmdp is None or level.value <= docmdp.value
    if level > ModificationLevel.FORM_FILLING or not allowed_by_certification:
        return Integrity(False, True, _what_changed(read, emb, level), fields, (Problem.MODIFIED_AFTER_SIGNING,))
    return Integrity(False, False, (), fields, ())


def _page_count(reader: PdfFileReader, revision: int) -> int | None:
    try:
        return int(reader.get_historical_root(revision)["/Pages"]["/Count"])
    except Exception as exc:  # a damaged page tree: no count to compare
        out_of_memory_is_fatal(exc)
        return None


def _what_changed(read: ReadFile, emb: EmbeddedPdfSignature, level: ModificationLevel | None) -> tuple[Change, ...]:
    if level == ModificationLevel.ANNOTATIONS:
        return ("annotations",)
    before = _page_count(read.reader, emb.signed_revision)
    after = _page_count(read.reader, read.reader.xrefs.total_revisions - 1)
    return ("pages",) if before != after else ("content",)


def timestamp_covered(read: ReadFile, emb: EmbeddedPdfSignature) -> bool:
    """A document timestamp's byte range passes steps 1 and 2."""
    return coverage_proven(read, emb) is not None
