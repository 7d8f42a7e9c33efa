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


def organization_codes(identifiers: Iterable[str | None]) -> list[str]:
    """The digits of every MST (tax code) and MNS (budget-unit code) identifier, in order."""
    codes = []
    for identifier in identifiers:
        parts = _parts(identifier) if identifier else None
        if parts is not None and parts[0] in ORGANIZATION_PREFIXES:
            codes.append(parts[1])
    return codes


def tax_code(identifiers: Iterable[str | None]) -> str | None:
    """The digits of the first MST/MNS identifier."""
    codes = organization_codes(identifiers)
    return codes[0] if codes else None


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
    # A branch's tax code is the parent's with a "-NNN" suffix; compare the digits as written. The
    # roster may write the code with its kind ("MST: 0101234567"): the kind does not matter.
    parts = _parts(code)
    digits = parts[1] if parts is not None and parts[0] in ORGANIZATION_PREFIXES else code
    return digits.replace(" ", "").upper()


def seal_belongs_to(
    school: SchoolIdentity,
    *,
    seal_tax_code: str | None = None,
    seal_names: Iterable[str | None],
    seal_codes: Iterable[str] = (),
) -> bool | None:
    """Whether an organisation's seal is the school's: by code when both are known, else by name.

    The roster holds one code for the school, a tax code (MST) or a budget-unit code (MNS); a seal
    may carry either or both: it matches when any of them is the roster's. None when the school's
    identity gives nothing to compare with.
    """
    codes = [c for c in (seal_tax_code, *seal_codes) if c]
    if school.tax_code and codes:
        wanted = _normal_tax_code(school.tax_code)
        return any(_normal_tax_code(code) == wanted for code in codes)
    if school.name:
        wanted = _normal_name(school.name)
        return any(n and _normal_name(n) == wanted for n in seal_names)
    return None
