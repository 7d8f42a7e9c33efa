"""The difference-analysis policy for signed administrative documents.

pyHanko's default policy, plus what signing software legitimately writes after a signature: the
structure tree of a tagged PDF (a later signer tags its widget) and /Perms in the catalog. Form
field changes are reported by pyHanko (``changed_form_fields``); whether they are allowed is decided
per file in the engine, since it depends on the later signatures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

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

# Keys through which a structure tree links its own nodes; /Pg, /Obj and /Stm lead to pages and
# content, which stay under the strict rules.
_TREE_KEYS = ("/K", "/ParentTree", "/Nums", "/Kids", "/IDTree", "/Names", "/RoleMap", "/ClassMap")
_TREE_TYPES = {"/StructTreeRoot", "/StructElem", "/OBJR", "/MCR"}
MAX_TREE_NODES = 100_000


def _is_tree_node(obj: generic.PdfObject) -> bool:
    if isinstance(obj, generic.ArrayObject):
        return True
    if not isinstance(obj, generic.DictionaryObject):
        return False
    kind = obj.get("/Type")
    if kind is not None:
        return str(kind) in _TREE_TYPES
    # Number and name tree nodes carry no /Type; struct elements sometimes omit it.
    return any(key in obj for key in ("/Nums", "/Kids", "/Names", "/Limits", "/S"))


class StructTreeRule(QualifiedWhitelistRule):
    """Allows new or changed structure-tree nodes (never the pages or content they point to)."""

    def apply_qualified(
        self, old: HistoricalResolver, new: HistoricalResolver
    ) -> Iterator[tuple[ModificationLevel, ReferenceUpdate]]:
        root = new.root
        if "/StructTreeRoot" not in root:
            return
        changed = new.explicit_refs_in_revision()
        seen: set[generic.Reference] = set()
        stack: list[generic.PdfObject] = [root.raw_get("/StructTreeRoot")]
        while stack and len(seen) < MAX_TREE_NODES:
            item = stack.pop()
            if isinstance(item, generic.IndirectObject):
                ref = item.reference
                if ref in seen:
                    continue
                seen.add(ref)
                obj = item.get_object()
                if not _is_tree_node(obj):
                    continue
                if ref in changed:
                    yield ModificationLevel.LTA_UPDATES, ReferenceUpdate(ref)
                item = obj
            stack.extend(_children(item))


def _children(item: generic.PdfObject) -> Iterable[generic.PdfObject]:
    if isinstance(item, generic.ArrayObject):
        return [item.raw_get(i) for i in range(len(item))]
    if isinstance(item, generic.DictionaryObject):
        return [item.raw_get(key) for key in _TREE_KEYS if key in item]
    return []


SIGNED_DOCUMENT_POLICY = StandardDiffPolicy(
    global_rules=[
        CatalogModificationRule(
            ignored_keys=ROOT_EXEMPT_STRICT_COMPARISON | {"/StructTreeRoot", "/Perms", "/MarkInfo"}
        ),
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
