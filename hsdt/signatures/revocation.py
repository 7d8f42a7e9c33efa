"""OCSP responses and CRLs from the CAs' servers, kept until their nextUpdate (worker side).

pyHanko asks its fetchers for a certificate's status while it validates a path that ends at a
trusted root, so the addresses asked come from certificates our trusted CAs issued. What it gets:

- OCSP: one response per certificate (and issuer), kept until the response's nextUpdate;
- CRL: one list per distribution-point address, kept until the list's nextUpdate;
- nothing for issuer certificates (AIA "caIssuers"): a file that leaves out an intermediate is told
  so, rather than having the worker fetch addresses an untrusted certificate names.

Answers live in the worker's memory and, when a directory is configured, on disk: several workers
and every later run (``hsdt verify`` is one process per run) then ask each CA once per certificate
per nextUpdate period. A server that failed is not asked again for ``FAILURE_MEMORY_S`` seconds, so a
batch of files from one unreachable CA costs one timeout, not one per file.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeAlias

import aiohttp
from asn1crypto import cms, crl, ocsp, pem, x509
from pyhanko_certvalidator import errors
from pyhanko_certvalidator.authority import Authority
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession
from pyhanko_certvalidator.fetchers.api import (
    DEFAULT_USER_AGENT,
    CertificateFetcher,
    CRLFetcher,
    FetcherBackend,
    Fetchers,
    FetchLimits,
    OCSPFetcher,
)
from pyhanko_certvalidator.fetchers.common_utils import enumerate_delivery_point_urls
from pyhanko_certvalidator.util import get_relevant_crl_dps, issuer_serial

from hsdt.signatures.config import Revocation

logger = logging.getLogger(__name__)

_Cert: TypeAlias = x509.Certificate | cms.AttributeCertificateV2
FAILURE_MEMORY_S = 300.0
# An answer without nextUpdate says fresher information is always available: keep it briefly.
NO_NEXT_UPDATE = timedelta(minutes=5)
MAX_CRL_BYTES = 10 * 1024 * 1024
MAX_REMEMBERED = 10_000
# Requests one file may cause: a few signatures, each with a chain of two or three certificates.
FILE_LIMITS = FetchLimits(max_requests=24, max_cert_requests=0, max_aia_urls_per_object=2)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AnswerCache:
    """DER answers by key, fresh until a moment; memory always, a directory when one is given."""

    directory: Path | None = None
    clock: Callable[[], datetime] = _now
    _fresh: dict[str, tuple[datetime, bytes]] = field(default_factory=dict)
    _failed: dict[str, float] = field(default_factory=dict)

    def get(self, key: str, fresh_until: Callable[[bytes], datetime | None]) -> bytes | None:
        now = self.clock()
        known = self._fresh.get(key)
        if known is not None and now < known[0]:
            return known[1]
        self._fresh.pop(key, None)
        if self.directory is None:
            return None
        path = self.directory / f"{key}.der"
        try:
            der = path.read_bytes()
            until = fresh_until(der)
        except (OSError, ValueError, TypeError, KeyError):
            return None
        if until is None or now >= until:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        self._remember(key, until, der)
        return der

    def put(self, key: str, der: bytes, until: datetime) -> None:
        self._remember(key, until, der)
        if self.directory is None:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(der)
            os.replace(temporary, self.directory / f"{key}.der")
        except OSError as exc:  # a cache that cannot be written only costs a later request
            logger.warning("revocation cache not written: %s", exc)

    def _remember(self, key: str, until: datetime, der: bytes) -> None:
        if len(self._fresh) >= MAX_REMEMBERED:
            self._fresh.clear()
        self._fresh[key] = (until, der)

    def failed_recently(self, key: str) -> bool:
        until = self._failed.get(key)
        return until is not None and time.monotonic() < until

    def note_failure(self, key: str) -> None:
        if len(self._failed) >= MAX_REMEMBERED:
            self._failed.clear()
        self._failed[key] = time.monotonic() + FAILURE_MEMORY_S


def ocsp_fresh_until(der: bytes) -> datetime | None:
    response = ocsp.OCSPResponse.load(der)
    if response["response_status"].native != "successful":
        return None
    moments = [
        single["next_update"].native
        for single in response["response_bytes"]["response"].parsed["tbs_response_data"]["responses"]
    ]
    if not moments:
        return None
    if any(m is None for m in moments):
        produced: datetime = response["response_bytes"]["response"].parsed["tbs_response_data"]["produced_at"].native
        return produced + NO_NEXT_UPDATE
    earliest: datetime = min(moments)
    return earliest


def crl_fresh_until(der: bytes) -> datetime | None:
    listing = crl.CertificateList.load(der)
    tbs = listing["tbs_cert_list"]
    following: datetime | None = tbs["next_update"].native
    issued: datetime = tbs["this_update"].native
    return following if following is not None else issued + NO_NEXT_UPDATE


def _key(kind: str, *parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return f"{kind}-{digest.hexdigest()}"


class CachedOCSPFetcher(OCSPFetcher):
    def __init__(self, inner: OCSPFetcher, cache: AnswerCache) -> None:
        self.inner = inner
        self.cache = cache
        self._results: list[tuple[bytes, ocsp.OCSPResponse]] = []

    async def fetch(self, cert: _Cert, authority: Authority) -> ocsp.OCSPResponse:
        key = _key("ocsp", cert.dump(), authority.public_key.dump())
        der = self.cache.get(key, ocsp_fresh_until)
        if der is not None:
            response = ocsp.OCSPResponse.load(der)
        elif self.cache.failed_recently(key):
            raise errors.OCSPFetchError("the OCSP responder did not answer a moment ago")
        else:
            try:
                response = await self.inner.fetch(cert, authority)
            except errors.OCSPFetchError:
                self.cache.note_failure(key)
                raise
            except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
                # pyHanko's client lets a timeout through; to the validator it is a failed fetch.
                self.cache.note_failure(key)
                raise errors.OCSPFetchError("the OCSP responder did not answer in time") from exc
            until = ocsp_fresh_until(response.dump())
            if until is not None:
                self.cache.put(key, response.dump(), until)
        self._results.append((issuer_serial(cert), response))
        return response

    def fetched_responses(self) -> Iterable[ocsp.OCSPResponse]:
        return [response for _, response in self._results]

    def fetched_responses_for_cert(self, cert: _Cert) -> Iterable[ocsp.OCSPResponse]:
        wanted = issuer_serial(cert)
        return [response for serial, response in self._results if serial == wanted]


class CachedCRLFetcher(CRLFetcher):
    def __init__(self, session: Callable[[], aiohttp.ClientSession], cache: AnswerCache, timeout_s: float) -> None:
        self.session = session
        self.cache = cache
        self.timeout_s = timeout_s
        self._by_cert: dict[bytes, list[crl.CertificateList]] = {}

    async def fetch(self, cert: _Cert, *, use_deltas: bool | None = None) -> Iterable[crl.CertificateList]:
        serial = issuer_serial(cert)
        if serial in self._by_cert:
            return self._by_cert[serial]
        found: list[crl.CertificateList] = []
        failures = 0
        for point in get_relevant_crl_dps(cert, use_deltas=bool(use_deltas)):
            for url in enumerate_delivery_point_urls(point):
                listing = await self._one(url)
                if listing is None:
                    failures += 1
                else:
                    found.append(listing)
        if not found and failures:
            raise errors.CRLFetchError("no CRL distribution point answered")
        self._by_cert[serial] = found
        return found

    async def _one(self, url: str) -> crl.CertificateList | None:
        key = _key("crl", url.encode("utf-8"))
        der = self.cache.get(key, crl_fresh_until)
        if der is not None:
            return crl.CertificateList.load(der)
        if self.cache.failed_recently(key):
            return None
        try:
            der = await self._download(url)
            until = crl_fresh_until(der)
        except (aiohttp.ClientError, TimeoutError, ValueError, TypeError, KeyError) as exc:
            logger.info("CRL %s not fetched: %s", url, exc)
            self.cache.note_failure(key)
            return None
        if until is not None:
            self.cache.put(key, der, until)
        return crl.CertificateList.load(der)

    async def _download(self, url: str) -> bytes:
        headers = {"Accept": "application/pkix-crl", "User-Agent": DEFAULT_USER_AGENT}
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with self.session().get(url, headers=headers, timeout=timeout, raise_for_status=True) as response:
            data = await response.content.read(MAX_CRL_BYTES + 1)
        if len(data) > MAX_CRL_BYTES:
            raise ValueError("CRL larger than the limit")
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        crl.CertificateList.load(data).native  # noqa: B018 -- parse fully: a broken list is no answer
        return data

    def fetched_crls(self) -> Iterable[crl.CertificateList]:
        return [listing for listings in self._by_cert.values() for listing in listings]

    def fetched_crls_for_cert(self, cert: _Cert) -> Iterable[crl.CertificateList]:
        return self._by_cert[issuer_serial(cert)]


class NoIssuerFetching(CertificateFetcher):
    """Issuer certificates are never downloaded (see the module's docstring)."""

    async def fetch_cert_issuers(self, cert: _Cert) -> AsyncGenerator[x509.Certificate, None]:
        return
        yield  # an async generator that yields nothing

    async def fetch_crl_issuers(self, certificate_list: crl.CertificateList) -> AsyncGenerator[x509.Certificate, None]:
        return
        yield

    def fetched_certs(self) -> Iterable[x509.Certificate]:
        return []


class CachedFetcherBackend(FetcherBackend):
    """Fetchers for one file: OCSP through pyHanko's aiohttp client, both behind the answer cache."""

    def __init__(self, cache: AnswerCache, timeout_s: float) -> None:
        self.cache = cache
        self.timeout_s = timeout_s
        self._inner = AIOHttpFetcherBackend(per_request_timeout=timeout_s, limits=FILE_LIMITS)

    def _session(self) -> aiohttp.ClientSession:
        session = self._inner.session
        if isinstance(session, LazySession):
            live: aiohttp.ClientSession = session.get_session()  # type: ignore[no-untyped-call]
            return live
        return session

    def get_fetchers(self) -> Fetchers:
        inner = self._inner.get_fetchers()
        return Fetchers(
            ocsp_fetcher=CachedOCSPFetcher(inner.ocsp_fetcher, self.cache),
            crl_fetcher=CachedCRLFetcher(self._session, self.cache, self.timeout_s),
            cert_fetcher=NoIssuerFetching(),
        )

    async def close(self) -> None:
        await self._inner.close()  # type: ignore[no-untyped-call]


_settings = Revocation()
_cache = AnswerCache()


def configure(settings: Revocation) -> None:
    """Set the worker's revocation settings (once, at start); the answers kept so far are dropped."""
    global _settings, _cache
    _settings = settings
    _cache = AnswerCache(settings.cache_dir)


def settings() -> Revocation:
    return _settings


def backend() -> CachedFetcherBackend:
    return CachedFetcherBackend(_cache, _settings.timeout_s)
