"""The difference-analysis policy for signed administrative documents.

pyHanko's default policy, plus what signing software for tagged PDFs legitimately writes after a
signature: structure elements for the new signature's widget, the structure-tree root and the
parent-tree nodes that index them, and /Perms in the catalog.

Structure-tree changes are approved only where they belong. A changed object is approved when it is
reached from the tree root through the tree's own links and has the shape its place in the tree
requires (the root, a structure element, a marked-content or object reference, a number- or
name-tree node, an array of those); never a stream, never an object that the pages use (their
content, resources or annotations, in the signed revision or the new one), and only in a file that
was already tagged when it was signed: the catalog rule keeps /StructTreeRoot under strict
comparison, so adding a tree, or pointing the catalog at another one, is a change nobody approved.

Form field changes are reported by pyHanko (``changed_form_fields``); whether they are allowed is
decided per file in the engine, since it depends on the later signatures and on certification.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import Enum, auto

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver
from pyhanko.sign.diff_analysis import (
    CatalogModificationRule,
    DocInfoRule,
    DSSCompareRule,
    FormUpdatingRule,
    GenericFieldModificationRule,
    MetadataUpdateRule,
    ModificationLevel,
    ObjectStreamRule,
    QualifiedWhitelistRule,
    ReferenceUpdate,
    SigFieldCreationRule,
    SigFieldModificationRule,
    StandardDiffPolicy,
    XrefStreamRule,
)
from pyhanko.sign.diff_analysis.constants import ROOT_EXEMPT_STRICT_COMPARISON

MAX_TREE_NODES = 100_000
# Links that never lead from page content into the structure tree, or back up the page tree.
_NOT_CONTENT_LINKS = frozenset({"/Parent", "/P", "/StructParent", "/StructParents"})


class _Role(Enum):
    ROOT = auto()
    KIDS = auto()  # the /K of the root or of an element: elements, references, or arrays of them
    ELEMENT = auto()
    NUMBER_TREE = auto()  # the /ParentTree and its /Kids
    PARENT_ENTRY = auto()  # a /Nums value: an element, or an array of elements
    NAME_TREE = auto()  # the /IDTree and its /Kids


def _type(obj: generic.DictionaryObject) -> str | None:
    kind = obj.get("/Type")
    return str(kind) if isinstance(kind, generic.NameObject) else None


def _fits(obj: generic.PdfObject, role: _Role) -> bool:
    """The object has the shape its place in the structure tree requires."""
    if isinstance(obj, generic.StreamObject):
        return False
    if isinstance(obj, generic.ArrayObject):
        return role in (_Role.KIDS, _Role.PARENT_ENTRY)
    if not isinstance(obj, generic.DictionaryObject):
        return False
    kind = _type(obj)
    if role is _Role.ROOT:
        return kind in (None, "/StructTreeRoot")
    if role in (_Role.KIDS, _Role.PARENT_ENTRY, _Role.ELEMENT):
        if kind in ("/MCR", "/OBJR"):
            return role is _Role.KIDS
        return kind in (None, "/StructElem") and isinstance(obj.get("/S"), generic.NameObject)
    if role is _Role.NUMBER_TREE:
        return kind is None and ("/Nums" in obj or "/Kids" in obj)
    return kind is None and ("/Names" in obj or "/Kids" in obj)


def _children(obj: generic.PdfObject, role: _Role) -> Iterable[tuple[generic.PdfObject, _Role]]:
    if isinstance(obj, generic.ArrayObject):
        inner = _Role.KIDS if role is _Role.KIDS else _Role.ELEMENT
        return [(obj.raw_get(i), inner) for i in range(len(obj))]
    if not isinstance(obj, generic.DictionaryObject) or isinstance(obj, generic.StreamObject):
        return []
    kind = _type(obj)
    if role is _Role.ROOT:
        links = [("/K", _Role.KIDS), ("/ParentTree", _Role.NUMBER_TREE), ("/IDTree", _Role.NAME_TREE)]
    elif role in (_Role.KIDS, _Role.ELEMENT, _Role.PARENT_ENTRY) and kind not in ("/MCR", "/OBJR"):
        links = [("/K", _Role.KIDS)]
    elif role is _Role.NUMBER_TREE:
        return [*_tree_kids(obj, role), *_tree_values(obj, "/Nums", _Role.PARENT_ENTRY)]
    elif role is _Role.NAME_TREE:
        return [*_tree_kids(obj, role), *_tree_values(obj, "/Names", _Role.ELEMENT)]
    else:
        return []
    return [(obj.raw_get(key), child) for key, child in links if key in obj]


def _tree_kids(node: generic.DictionaryObject, role: _Role) -> list[tuple[generic.PdfObject, _Role]]:
    kids = node.get("/Kids")
    if not isinstance(kids, generic.ArrayObject):
        return []
    return [(kids.raw_get(i), role) for i in range(len(kids))]


def _tree_values(node: generic.DictionaryObject, key: str, role: _Role) -> list[tuple[generic.PdfObject, _Role]]:
    entries = node.get(key)
    if not isinstance(entries, generic.ArrayObject):
        return []
    # Keys and values alternate; the values sit at the odd positions.
    return [(entries.raw_get(i), role) for i in range(1, len(entries), 2)]


def used_by_pages(resolver: HistoricalResolver, limit: int = MAX_TREE_NODES) -> set[generic.Reference]:
    """Every object the page tree reaches: pages, content, resources, annotations (in one revision)."""
    seen: set[generic.Reference] = set()
    try:
        stack: list[generic.PdfObject] = [resolver.root.raw_get("/Pages")]
    except KeyError:
        return seen
    while stack and len(seen) < limit:
        item = stack.pop()
        if isinstance(item, generic.IndirectObject):
            if item.reference in seen:
                continue
            seen.add(item.reference)
            item = resolver(item.reference)
        if isinstance(item, generic.ArrayObject):
            stack.extend(item.raw_get(i) for i in range(len(item)))
        elif isinstance(item, generic.DictionaryObject):
            stack.extend(item.raw_get(key) for key in item if key not in _NOT_CONTENT_LINKS)
    return seen


def _tree_ref(resolver: HistoricalResolver) -> generic.Reference | None:
    root = resolver.root
    if "/StructTreeRoot" not in root:
        return None
    tree = root.raw_get("/StructTreeRoot")
    return tree.reference if isinstance(tree, generic.IndirectObject) else None


class StructTreeRule(QualifiedWhitelistRule):
    """Approves changed structure-tree objects of a file that was tagged when signed (see module doc)."""

    def apply_qualified(
        self, old: HistoricalResolver, new: HistoricalResolver
    ) -> Iterator[tuple[ModificationLevel, ReferenceUpdate]]:
        tree = _tree_ref(new)
        if tree is None or tree != _tree_ref(old):
            return
        changed = new.explicit_refs_in_revision()
        if not changed:
            return
        candidates = list(self._fitting_changes(new, tree, changed))
        if not candidates:
            return
        content = used_by_pages(old) | used_by_pages(new)
        for ref in candidates:
            if ref not in content:
                yield ModificationLevel.LTA_UPDATES, ReferenceUpdate(ref)

    @staticmethod
    def _fitting_changes(
        new: HistoricalResolver, tree: generic.Reference, changed: set[generic.Reference]
    ) -> Iterator[generic.Reference]:
        seen: set[generic.Reference] = set()
        start = generic.IndirectObject(tree.idnum, tree.generation, new)
        stack: list[tuple[generic.PdfObject, _Role]] = [(start, _Role.ROOT)]
        while stack and len(seen) < MAX_TREE_NODES:
            item, role = stack.pop()
            if isinstance(item, generic.IndirectObject):
                ref = item.reference
                if ref in seen:
                    continue
                seen.add(ref)
                obj = new(ref)
                if not _fits(obj, role):
                    continue  # not a tree node: neither approved nor followed
                if ref in changed:
                    yield ref
                item = obj
            elif not _fits(item, role) and not isinstance(item, generic.ArrayObject):
                continue
            stack.extend(_children(item, role))


SIGNED_DOCUMENT_POLICY = StandardDiffPolicy(
    global_rules=[
        CatalogModificationRule(ignored_keys=ROOT_EXEMPT_STRICT_COMPARISON | {"/Perms"}),
        StructTreeRule(),
        DocInfoRule().as_qualified(ModificationLevel.LTA_UPDATES),
        XrefStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        ObjectStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        DSSCompareRule().as_qualified(ModificationLevel.LTA_UPDATES),
        MetadataUpdateRule().as_qualified(ModificationLevel.LTA_UPDATES),
    ],
    form_rule=FormUpdatingRule(
        field_rules=[SigFieldCreationRule(), SigFieldModificationRule(), GenericFieldModificationRule()],
    ),
)
