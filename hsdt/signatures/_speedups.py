"""Faster equivalents of two hot spots, installed into pyHanko and asn1crypto inside the worker only.

- pyHanko reads ``<...>`` hex strings one byte per call; a signature's /Contents is tens of kilobytes
  of hex, which made that loop two thirds of the time to verify a small file. The fast path handles
  the plain case (hex digits and whitespace up to ``>``) and hands anything unusual (comments, bad
  characters, end of file) back to pyHanko's own reader, so results and errors are those of pyHanko.
- Every file of a batch brings the same few certificates, and asn1crypto parses each one's
  extensions again for every copy; the parsed extensions depend only on the certificate's DER
  encoding, so they are remembered per encoding and handed to later copies (read-only values).
- asn1crypto compares X.509 names (RFC 5280 7.1) by running the LDAP string preparation over every
  attribute on every comparison; certificate matching compares the same few names hundreds of times
  per file, and every file brings the same issuers again. The prepared form depends only on the
  name's DER encoding, so it is remembered per encoding, and equality is decided exactly as
  asn1crypto decides it (same number of RDNs, each with the same attribute count and prepared values).
"""

from __future__ import annotations

import binascii
import os
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

CHUNK = 64 * 1024
# Distinct names a worker remembers; a batch of files from a few CAs needs a few dozen.
MAX_REMEMBERED_NAMES = 4096
_original = generic.read_hex_string_from_stream
_original_name_hashable = x509.Name.hashable
_original_name_eq = x509.Name.__eq__


def read_hex_string_from_stream(stream: Any) -> Any:
    start = stream.tell()
    stream.read(1)  # the opening '<'
    chunks: list[bytes] = []
    tail = -1
    while True:
        block = stream.read(CHUNK)
        if not block:
            break
        end = block.find(b">")
        if end >= 0:
            chunks.append(block[:end])
            tail = len(block) - end - 1
            break
        chunks.append(block)
    raw = b"".join(chunks)
    digits = raw.translate(None, PDF_WHITESPACE)
    if tail < 0 or digits.translate(None, generic.HEX_DIGITS):
        stream.seek(start)
        return _original(stream)
    stream.seek(-tail, os.SEEK_CUR)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


_prepared: dict[bytes, tuple[tuple[int, str], ...]] = {}


def _prepared_rdns(name: x509.Name) -> tuple[tuple[int, str], ...]:
    """Per RDN: its attribute count and asn1crypto's prepared ``hashable`` form."""
    der = name.dump()
    known = _prepared.get(der)
    if known is None:
        if len(_prepared) >= MAX_REMEMBERED_NAMES:
            _prepared.clear()
        known = tuple((len(rdn), rdn.hashable) for rdn in name.chosen)
        _prepared[der] = known
    return known


def name_hashable(self: x509.Name) -> str:
    return "\x1e".join(hashable for _count, hashable in _prepared_rdns(self))


def name_eq(self: x509.Name, other: object) -> bool:
    if not isinstance(other, x509.Name):
        return False
    return self.dump() == other.dump() or _prepared_rdns(self) == _prepared_rdns(other)


_extensions: dict[bytes, tuple[dict[str, Any], set[str]]] = {}
_original_set_extensions = x509.Certificate._set_extensions
MAX_REMEMBERED_CERTIFICATES = 1024


def set_extensions(self: x509.Certificate) -> None:
    der = self.dump()
    known = _extensions.get(der)
    if known is None:
        _original_set_extensions(self)
        values = {name: value for name, value in vars(self).items() if name.endswith("_value")}
        if len(_extensions) >= MAX_REMEMBERED_CERTIFICATES:
            _extensions.clear()
        _extensions[der] = (values, set(self._critical_extensions))
        return
    values, critical = known
    for name, value in values.items():
        setattr(self, name, value)
    self._critical_extensions = set(critical)
    self._processed_extensions = True


def install() -> None:
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    x509.Name.hashable = property(name_hashable)
    x509.Name.__eq__ = name_eq
    x509.Certificate._set_extensions = set_extensions
