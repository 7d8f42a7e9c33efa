"""Pure parts of re-verifying stored evidence when the trust roots change."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hsdt.signatures.trust import CERT_SUFFIXES


def trust_fingerprint(trust_dir: Path | None) -> str:
    """A digest of the trusted certificates (names and contents): equal exactly when the roots are."""
    digest = hashlib.sha256()
    if trust_dir is not None and trust_dir.is_dir():
        for path in sorted(trust_dir.iterdir()):
            if path.suffix.lower() not in CERT_SUFFIXES or not path.is_file():
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            digest.update(path.name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()

