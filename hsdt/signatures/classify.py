"""Who signed: a person or an organisation (the school's seal), from the Vietnamese UID convention."""

from __future__ import annotations

from typing import Literal

SignerKind = Literal["personal", "organization", "unknown"]

# Vietnamese CAs put the holder's identifier in the subject UID (OID 0.9.2342.19200300.100.1.1).
PERSONAL_PREFIXES = ("CMND:", "CCCD:", "HC:")
ORGANIZATION_PREFIXES = ("MST:", "MNS:")


def classify_uid(uid: str | None) -> SignerKind:
    if not uid:
        return "unknown"
    # CAs are not consistent about case or spaces around the colon.
    normalized = uid.strip().upper().replace(" ", "")
    if normalized.startswith(PERSONAL_PREFIXES):
        return "personal"
    if normalized.startswith(ORGANIZATION_PREFIXES):
        return "organization"
    return "unknown"
