"""Chain-validation results remembered per certificate and trust-root set (worker side).

A batch of files from one school is signed by a handful of certificates; validating the same chain
for every file (path building, signature checks on each certificate, revocation) is most of the
cost of a small file. pyHanko validates a signer's (or a timestamp authority's) chain in one
function, ``generic_cms.validate_cert_usage``; it is wrapped here so that its result is reused when
everything it depends on is the same:

- the certificate, the key-usage rule, and every certificate available for path building (the
  file's own and the trusted roots);
- the revocation data given with the file, and whether the CAs may be asked online;
- the validation time: the same instant for a proven (timestamped) signing time; for "now", a
  successful result is kept for ``NOW_REUSE`` and never past a certificate's expiry in the path.

Validation contexts the engine does not mark (``scope``) are never cached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asn1crypto import x509
from pyhanko.sign.validation import generic_cms
from pyhanko_certvalidator import ValidationContext

NOW_REUSE = timedelta(minutes=5)
MAX_ENTRIES = 2048
_original = generic_cms.validate_cert_usage


@dataclass(frozen=True)
class Scope:
    """What the engine knows about a validation context: its inputs beyond the certificates."""

    inputs: bytes  # digest of the trust roots, the given revocation data and the online flag
    now: bool  # validation time is the moment of the check (not a proven signing time)
    moment: datetime


@dataclass(frozen=True)
class _Entry:
    result: Any
    soft_failures: tuple[Exception, ...]
    until: datetime | None


_entries: dict[bytes, _Entry] = {}
_SCOPE_ATTRIBUTE = "_hsdt_scope"


def mark(context: ValidationContext, scope: Scope) -> ValidationContext:
    setattr(context, _SCOPE_ATTRIBUTE, scope)
    return context


def digest(parts: Iterable[bytes]) -> bytes:
    out = hashlib.sha256()
    for part in parts:
        out.update(hashlib.sha256(part).digest())
    return out.digest()


def _key(cert: x509.Certificate, context: ValidationContext, scope: Scope, key_usage: object) -> bytes:
    available = sorted(hashlib.sha256(c.dump()).digest() for c in context.certificate_registry)
    if scope.now:
        timing = b"now"
    else:
        timing = (scope.moment.isoformat() + " " + context.best_signature_time.isoformat()).encode()
    return digest([scope.inputs, cert.dump(), repr(key_usage).encode(), b"".join(available), timing])


def _expiry_of(result: Any, moment: datetime) -> datetime:
    until = moment + NOW_REUSE
    path = getattr(result, "success_result", None)
    if path is not None:
        for cert in path.iter_certs(include_root=True):
            until = min(until, cert["tbs_certificate"]["validity"]["not_after"].native)
    return until


async def validate_cert_usage(
    cert: x509.Certificate,
    validation_context: ValidationContext,
    key_usage_settings: Any,
    paths: Any,
    pkix_validation_params: Any = None,
) -> Any:
    scope = getattr(validation_context, _SCOPE_ATTRIBUTE, None)
    if not isinstance(scope, Scope) or pkix_validation_params is not None:
        return await _original(cert, validation_context, key_usage_settings, paths, pkix_validation_params)
    key = _key(cert, validation_context, scope, key_usage_settings)
    entry = _entries.get(key)
    if entry is not None and (entry.until is None or scope.moment < entry.until):
        await paths.cancel()
        for failure in entry.soft_failures:
            validation_context._report_soft_fail(failure)
        return entry.result
    before = len(validation_context.soft_fail_exceptions)
    result = await _original(cert, validation_context, key_usage_settings, paths, pkix_validation_params)
    if scope.now and getattr(result, "success_result", None) is None:
        return result  # a failure "now" may be a moment too early: do not carry it forward
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    failures = tuple(validation_context.soft_fail_exceptions[before:])
    _entries[key] = _Entry(result, failures, _expiry_of(result, scope.moment) if scope.now else None)
    return result


def install() -> None:
    generic_cms.validate_cert_usage = validate_cert_usage


def clear() -> None:
    _entries.clear()
