"""Loading trust roots from the operator's TRUST_DIR (worker side)."""

from __future__ import annotations

import logging
from pathlib import Path

from asn1crypto import pem, x509

logger = logging.getLogger(__name__)

CERT_SUFFIXES = frozenset({".pem", ".crt", ".cer", ".der"})


def _parse_certs(blob: bytes) -> list[x509.Certificate]:
    if pem.detect(blob):
        return [
            x509.Certificate.load(der)
            for kind, _headers, der in pem.unarmor(blob, multiple=True)
            if kind == "CERTIFICATE"
        ]
    return [x509.Certificate.load(blob)]


def load_trust_roots(trust_dir: Path | None) -> list[x509.Certificate]:
    """All certificates in ``trust_dir``.

    Unreadable files are skipped so that one bad file cannot lock everyone out.
    """
    if trust_dir is None or not trust_dir.is_dir():
        return []
    roots: list[x509.Certificate] = []
    for path in sorted(trust_dir.iterdir()):
        if path.suffix.lower() not in CERT_SUFFIXES or not path.is_file():
            continue
        try:
            certs = _parse_certs(path.read_bytes())
            for cert in certs:
                cert.native  # noqa: B018 -- force a full parse so a broken file fails here, not mid-validation
            roots.extend(certs)
        except (OSError, ValueError, TypeError) as exc:
            logger.warning("skipping unreadable trust root %s: %s", path, exc)
    return roots


def trust_dir_fingerprint(trust_dir: Path | None) -> tuple[object, ...]:
    """Cheap change detector so the worker reloads roots only when the folder changes."""
    if trust_dir is None or not trust_dir.is_dir():
        return (None,)
    entries: list[object] = [str(trust_dir)]
    for path in sorted(trust_dir.iterdir()):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(entries)
