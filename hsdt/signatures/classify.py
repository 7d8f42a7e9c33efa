"""Who signed: a person or an organisation (a seal), from every identifier in the certificate's subject.

Vietnamese CAs put the holder's identifier in the subject UID (OID 0.9.2342.19200300.100.1.1), some
also in serialNumber: "CCCD:…", "CMND:…", "HC:…" for people, "MST:…" (tax code) or "MNS:…"
(budget-unit code) for organisations. A personal certificate may carry the employer's MST beside the
holder's CCCD; it is still a person's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

SignerKind = Literal["personal", "organization", "unknown"]

PERSONAL_PREFIXES = ("CMND", "CCCD", "HC")
ORGANIZATION_PREFIXES = ("MST", "MNS")
_IDENTIFIER = re.compile(r"^\s*([A-Za-z]+)\s*[:\-]\s*([0-9A-Za-z\-]+)\s*$")


def _parts(identifier: str) -> tuple[str, str] | None:
    # CAs are not consistent about case or spaces around the colon.
    match = _IDENTIFIER.match(identifier)
    if match is None:
        return None
    return match.group(1).upper(), match.group(2)


def classify_identifiers(identifiers: Iterable[str | None], organization: str | None = None) -> SignerKind:
    """A personal identifier wins; an MST/MNS with no personal one makes an organisation.

    ``organization`` is the subject's organisation name; an empty string says the certificate has
    none, and then an MST alone does not make a seal. None means "not known" (judge by the ids).
    """
    prefixes = {p[0] for i in identifiers if i and (p := _parts(i)) is not None}
    if prefixes & set(PERSONAL_PREFIXES):
        return "personal"
    if prefixes & set(ORGANIZATION_PREFIXES) and organization != "":
        return "organization"
    return "unknown"


def classify_uid(uid: str | None) -> SignerKind:
    return classify_identifiers([uid])


def tax_code(identifiers: Iterable[str | None]) -> str | None:
    """The digits of the first MST/MNS identifier."""
    for identifier in identifiers:
        parts = _parts(identifier) if identifier else None
        if parts is not None and parts[0] in ORGANIZATION_PREFIXES:
            return parts[1]
    return None


@dataclass(frozen=True)
class SchoolIdentity:
    """The school the file is evidence for, as the roster knows it."""

    tax_code: str | None = None
    name: str | None = None

    @property
    def known(self) -> bool:
        return bool(self.tax_code or self.name)


def _normal_name(name: str) -> str:
    folded = unicodedata.normalize("NFC", name).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def _normal_tax_code(code: str) -> str:
    # A branch's tax code is the parent's with a "-NNN" suffix; compare the digits as written.
    return code.replace(" ", "").upper()


def seal_belongs_to(
    school: SchoolIdentity, *, seal_tax_code: str | None, seal_names: Iterable[str | None]
) -> bool | None:
    """Whether an organisation's seal is the school's: by tax code when both are known, else by name.

    None when the school's identity gives nothing to compare with.
    """
    if school.tax_code and seal_tax_code:
        return _normal_tax_code(school.tax_code) == _normal_tax_code(seal_tax_code)
    if school.name:
        wanted = _normal_name(school.name)
        return any(n and _normal_name(n) == wanted for n in seal_names)
    return None
