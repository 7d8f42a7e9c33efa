"""Verification of every signature in one PDF with pyHanko (runs inside the sandboxed worker).

Validation time: a verified timestamp of a trusted TSA proves when the signature existed; without
one, the signer's own clock proves nothing, so the certificate must also be valid now. Revocation
data comes from the file (DSS, the CMS revocation-info attribute) and, unless the worker is offline,
from the CA's OCSP/CRL servers (``revocation``). What each signature covers, and whether later
changes are acceptable, is decided in ``integrity``. A time is reported only when it was read from
the file or a timestamp, never the time of the check.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.misc import PdfDecodeLimitError, PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.fields import MDPPerm, enumerate_sig_fields
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.generic_cms import extract_self_reported_ts, extract_tst_data_iter
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleTrustManager

from hsdt.signatures import _speedups, chain_cache, discovery, integrity, render, revocation, structure
from hsdt.signatures.classify import SchoolIdentity, classify_identifiers, organization_codes, seal_belongs_to, tax_code
from hsdt.signatures.config import RecordPeriod
from hsdt.signatures.integrity import ReadFile, open_reader, out_of_memory_is_fatal
from hsdt.signatures.verdict import (
    PROBLEM_SEVERITY,
    ErrorCategory,
    FileVerdict,
    PadesLevel,
    Problem,
    Revocation,
    SignatureVerdict,
    TimestampVerdict,
    file_status,
)

logger = logging.getLogger(__name__)
_speedups.install()
chain_cache.install()

PDF_MAGIC = b"%PDF-"
# Readers accept a header anywhere in the first KiB (some generators prepend junk); so do we.
HEADER_WINDOW = 1024

# Vietnamese signer certificates carry digitalSignature and/or nonRepudiation; either is a signing key.
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
# RFC 5280: a certificate without the key-usage extension is not restricted.
NO_KEY_USAGE = KeyUsageConstraints(key_usage=set())
SIGNING_USAGES = {"digital_signature", "non_repudiation"}
SUPPORTED_SUBFILTERS = {"/adbe.pkcs7.detached", "/ETSI.CAdES.detached"}
# A certification that lets the document's forms be filled in (DocMDP P=2 or 3).
FORM_FILLING_CERTIFICATION = (MDPPerm.FILL_FORMS, MDPPerm.ANNOTATE)

_loop: asyncio.AbstractEventLoop | None = None
_out_of_memory_is_fatal = out_of_memory_is_fatal


def _event_loop() -> asyncio.AbstractEventLoop:
    # One loop for the worker's lifetime: asyncio.run per file would rebuild it every time.
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
    return _loop


def error_verdict(name: str, sha256: str, category: ErrorCategory) -> FileVerdict:
    verdict = FileVerdict(file=name, sha256=sha256, status="error", error=category)
    return replace(verdict, message_vi=render.render_file(verdict))


@dataclass
class _RevInfo:
    certs: list[x509.Certificate] = field(default_factory=list)
    crls: list[asn1_crl.CertificateList] = field(default_factory=list)
    ocsps: list[asn1_ocsp.OCSPResponse] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.crls or self.ocsps)

    def fingerprint(self) -> bytes:
        return chain_cache.digest(item.dump() for item in (*self.crls, *self.ocsps))


@dataclass
class _FileContext:
    read: ReadFile
    roots: list[x509.Certificate]
    roots_fingerprint: bytes
    dss: _RevInfo
    period: RecordPeriod
    now: datetime
    online: bool
    doc_timestamp_revisions: list[int] = field(default_factory=list)

    @property
    def reader(self) -> PdfFileReader:
        return self.read.reader


def _dss_revinfo(reader: PdfFileReader) -> _RevInfo:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception as exc:  # no DSS, or an unreadable one: both mean "nothing embedded"
        _out_of_memory_is_fatal(exc)
        return _RevInfo()
    info = _RevInfo(certs=list(dss.load_certs()))
    try:
        for ref in dss.crls:
            info.crls.append(asn1_crl.CertificateList.load(ref.get_object().read_data(DecodePurpose.CRL)))
        for ref in dss.ocsps:
            data = ref.get_object().read_data(DecodePurpose.OCSP_RESPONSE)
            info.ocsps.append(asn1_ocsp.OCSPResponse.load(data))
    except Exception as exc:  # a damaged revocation entry is as good as none
        _out_of_memory_is_fatal(exc)
        logger.debug("unreadable DSS revocation entry", exc_info=True)
    return info


def _archival_revinfo(emb: EmbeddedPdfSignature) -> _RevInfo:
    info = _RevInfo()
    try:
        signed_attrs = emb.signer_info["signed_attrs"]
        archival = find_unique_cms_attribute(signed_attrs, "adobe_revocation_info_archival")
    except Exception as exc:  # attribute absent or duplicated: treat as absent
        _out_of_memory_is_fatal(exc)
        return info
    info.crls.extend(archival["crl"] or ())
    info.ocsps.extend(archival["ocsp"] or ())
    return info


# Parsing a subject is costly and every file of a batch brings the same few certificates.
_subjects: dict[bytes, dict[str, object]] = {}
MAX_REMEMBERED_SUBJECTS = 1024


def _subject(cert: x509.Certificate) -> dict[str, object]:
    der = cert.dump()
    known = _subjects.get(der)
    if known is None:
        if len(_subjects) >= MAX_REMEMBERED_SUBJECTS:
            _subjects.clear()
        known = dict(cert.subject.native)
        _subjects[der] = known
    return known


def _name_values(cert: x509.Certificate, key: str) -> list[str]:
    value = _subject(cert).get(key)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values]


def aware(moment: datetime | None, tz: str) -> datetime | None:
    """Every time leaves here with a zone; a /M without one is read as the record period's zone."""
    if moment is None or moment.utcoffset() is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(tz))


def _claimed_time(emb: EmbeddedPdfSignature, tz: str) -> datetime | None:
    try:
        claimed = extract_self_reported_ts(emb.signer_info)
    except Exception as exc:  # an unreadable signing-time attribute is no time at all
        _out_of_memory_is_fatal(exc)
        claimed = None
    if claimed is None:
        try:
            claimed = emb.self_reported_timestamp
        except Exception as exc:  # /M that does not parse
            _out_of_memory_is_fatal(exc)
            claimed = None
    return aware(claimed, tz)


def _token_time(emb: EmbeddedPdfSignature, tz: str) -> datetime | None:
    try:
        for tst_signed_data in extract_tst_data_iter(emb.signer_info, signed=False):
            tst_info = tst_signed_data["encap_content_info"]["content"].parsed
            value: datetime = tst_info["gen_time"].native
            return aware(value, tz)
    except Exception as exc:  # a broken token is judged by pyHanko's validation, not here
        _out_of_memory_is_fatal(exc)
        return None
    return None


def _validity_problem(cert: x509.Certificate, moment: datetime) -> Problem | None:
    validity = cert["tbs_certificate"]["validity"]
    if moment < validity["not_before"].native:
        return Problem.CERT_NOT_YET_VALID_AT_SIGNING
    if moment > validity["not_after"].native:
        return Problem.CERT_EXPIRED_AT_SIGNING
    return None


def _missing_link_problem(signer: x509.Certificate, pool: list[x509.Certificate]) -> Problem:
    """Why no chain was found: a self-signed top we do not trust, or a missing intermediate."""
    by_subject = {c.subject.dump(): c for c in pool}
    current = signer
    for _ in range(16):
        if current.self_signed in ("yes", "maybe"):
            return Problem.UNTRUSTED_ROOT_MISSING
        issuer = by_subject.get(current.issuer.dump())
        if issuer is None or issuer is current:
            return Problem.CHAIN_INCOMPLETE
        current = issuer
    return Problem.CHAIN_INCOMPLETE


def _key_usage_allows_signing(cert: x509.Certificate) -> bool:
    usage = cert.key_usage_value
    return usage is None or bool(set(usage.native) & SIGNING_USAGES)


def _expiry_problem(signer: x509.Certificate, claimed: datetime | None, proven: bool) -> Problem:
    """The signer's certificate is outside its validity at the validation time."""
    if proven or claimed is None:
        return Problem.CERT_EXPIRED_AT_SIGNING if proven else Problem.CERT_EXPIRED_NO_POE
    # The signer's own clock already puts the signature outside the certificate's life.
    return _validity_problem(signer, claimed) or Problem.CERT_EXPIRED_NO_POE


def _revoked_problem(status: PdfSignatureStatus, proven: bool) -> Problem:
    """Revoked, or only suspended ("certificate hold"), which the law names apart."""
    details = status.revocation_details
    held = details is not None and details.revocation_reason.native == "certificate_hold"
    if held:
        return Problem.CERT_SUSPENDED if proven else Problem.CERT_SUSPENDED_NO_POE
    return Problem.CERT_REVOKED if proven else Problem.CERT_REVOKED_NO_POE


def _trust_problems(
    status: PdfSignatureStatus,
    signer: x509.Certificate,
    pool: list[x509.Certificate],
    claimed: datetime | None,
    proven: bool,
    pool_roots: list[x509.Certificate],
    moment: datetime,
) -> tuple[bool, list[Problem]]:
    """(trusted, problems) from pyHanko's AdES sub-indication, read with how the time is known."""
    indic = status.trust_problem_indic
    if indic is None:
        trusted = status.validation_path is not None
        return trusted, ([] if trusted else [Problem.TRUST_CHECK_FAILED])
    if indic == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        return False, [_missing_link_problem(signer, pool)]
    if indic == AdESIndeterminate.OUT_OF_BOUNDS_NO_POE:
        return False, [_expiry_problem(signer, claimed, proven)]
    if indic in (AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.REVOKED_CA_NO_POE):
        return False, [_revoked_problem(status, proven)]
    if signer.self_signed in ("yes", "maybe") and signer not in pool_roots:
        return False, [Problem.UNTRUSTED_ROOT_MISSING]
    if indic == AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE:
        if not _key_usage_allows_signing(signer):
            return False, [Problem.KEY_USAGE_NOT_ALLOWED]
        return False, [Problem.CHAIN_INVALID]
    if indic in (
        AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE,
        AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
    ):
        return False, [Problem.WEAK_ALGORITHM]
    if indic == AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE:
        # Most often a certificate outside its validity at the validation time.
        path = status.validation_path
        chain = list(path.iter_certs(include_root=True)) if path is not None else [signer]
        if any(_validity_problem(c, moment) for c in chain):
            return False, [_expiry_problem(signer, claimed, proven)]
        return False, [Problem.CHAIN_INVALID]
    if indic in (
        AdESIndeterminate.TRY_LATER,
        AdESIndeterminate.NO_POE,
        AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE,
    ):
        return False, [Problem.REVOCATION_UNVERIFIABLE]
    return False, [Problem.TRUST_CHECK_FAILED]


# Building a trust manager per file showed up in profiles; the roots change only with TRUST_DIR.
_trust_managers: dict[bytes, SimpleTrustManager] = {}


def _trust_manager(ctx: _FileContext) -> SimpleTrustManager:
    manager = _trust_managers.get(ctx.roots_fingerprint)
    if manager is None:
        _trust_managers.clear()
        manager = SimpleTrustManager.build(trust_roots=ctx.roots)
        _trust_managers[ctx.roots_fingerprint] = manager
    return manager


def _validation_context(
    ctx: _FileContext,
    revinfo: _RevInfo,
    embedded: list[x509.Certificate],
    moment: datetime,
    fetchers: revocation.CachedFetcherBackend | None,
) -> ValidationContext:
    context = ValidationContext(
        trust_manager=_trust_manager(ctx),
        other_certs=[*revinfo.certs, *embedded],
        crls=revinfo.crls,
        ocsps=revinfo.ocsps,
        moment=moment,
        allow_fetching=fetchers is not None,
        fetcher_backend=fetchers,
        revocation_mode="soft-fail",
        # Judged at a proven signing time in the past, the only status data is often today's: a
        # certificate good today, or revoked only after that time, was not revoked when it signed.
        retroactive_revinfo=moment != ctx.now,
    )
    inputs = chain_cache.digest([ctx.roots_fingerprint, revinfo.fingerprint(), b"online" if ctx.online else b""])
    return chain_cache.mark(context, chain_cache.Scope(inputs=inputs, now=moment == ctx.now, moment=moment))


def _covers(revinfo: _RevInfo, cert: x509.Certificate) -> bool:
    """Some embedded OCSP response or CRL speaks about this certificate."""
    for response in revinfo.ocsps:
        try:
            for single in response["response_bytes"]["response"].parsed["tbs_response_data"]["responses"]:
                if single["cert_id"]["serial_number"].native == cert.serial_number:
                    return True
        except Exception as exc:  # a malformed response covers nothing
            _out_of_memory_is_fatal(exc)
            continue
    return any(c["tbs_cert_list"]["issuer"] == cert.issuer for c in revinfo.crls)


async def _validate(
    emb: EmbeddedPdfSignature, ctx: _FileContext, revinfo: _RevInfo, moment: datetime, has_token: bool
) -> tuple[PdfSignatureStatus, ValidationContext]:
    embedded = emb.other_embedded_certs
    fetchers = revocation.backend() if ctx.online else None
    vc = _validation_context(ctx, revinfo, embedded, moment, fetchers)
    ts_vc = _validation_context(ctx, revinfo, embedded, moment, fetchers) if has_token else vc
    ku = KEY_USAGE if emb.signer_cert.key_usage_value is not None else NO_KEY_USAGE
    try:
        # What the signature covers and what changed after it is judged in ``integrity``.
        status = await async_validate_pdf_signature(
            emb, signer_validation_context=vc, ts_validation_context=ts_vc, key_usage_settings=ku, skip_diff=True
        )
    finally:
        if fetchers is not None:
            await fetchers.close()
    return status, vc


def _validate_sync(
    emb: EmbeddedPdfSignature, ctx: _FileContext, revinfo: _RevInfo, moment: datetime, has_token: bool
) -> tuple[PdfSignatureStatus, ValidationContext]:
    return _event_loop().run_until_complete(_validate(emb, ctx, revinfo, moment, has_token))


def _pades_level(
    emb: EmbeddedPdfSignature, ctx: _FileContext, has_token: bool, revinfo: _RevInfo
) -> PadesLevel | None:
    # Reported for adbe.pkcs7.detached too: the levels mean the same (timestamp, revocation, archive).
    if not has_token:
        return "B-B"
    if not revinfo:
        return "B-T"
    if any(rev > emb.signed_revision for rev in ctx.doc_timestamp_revisions):
        return "B-LTA"
    return "B-LT"


# A SignatureVerdict is validated on every construction and replace(): the fields are gathered in a
# dict and the verdict built once.
_UNPROVEN: dict[str, object] = {
    "signing_time": None, "time_source": None, "in_period": None, "intact": False, "trusted": False,
    "cert_valid_at_signing": False, "covers_whole_file": False, "modified_after_signing": False,
}


def _base_fields(emb: EmbeddedPdfSignature, field_name: str) -> dict[str, object]:
    signer = emb.signer_cert
    identifiers = tuple(_name_values(signer, "user_id") + _name_values(signer, "serial_number"))
    organization = next(iter(_name_values(signer, "organization_name")), None)
    uids = _name_values(signer, "user_id")
    kind = classify_identifiers(identifiers, organization or "")
    return {
        **_UNPROVEN,
        "field": field_name,
        "signer": next(iter(_name_values(signer, "common_name")), ""),
        "organization": organization,
        "uid": uids[0] if uids else None,
        "kind": kind,
        "identifiers": identifiers,
        "tax_code": tax_code(identifiers) if kind == "organization" else None,
    }


@dataclass(frozen=True)
class _Checked:
    verdict: SignatureVerdict
    certification: MDPPerm | None = None


def _check_signature(emb: EmbeddedPdfSignature, field_name: str, ctx: _FileContext) -> _Checked:
    tz = ctx.period.tz
    base = _base_fields(emb, field_name)
    claimed = _claimed_time(emb, tz)
    token_time = _token_time(emb, tz)
    problems: list[Problem] = []
    if str(emb.sig_object.get("/SubFilter", "")) not in SUPPORTED_SUBFILTERS:
        problems.append(Problem.UNSUPPORTED_FORMAT)
        return _Checked(_finish(base, ctx, claimed, "signer", problems, intact=False))

    revinfo = _RevInfo(ctx.dss.certs, [*ctx.dss.crls], [*ctx.dss.ocsps])
    archival = _archival_revinfo(emb)
    revinfo.crls += archival.crls
    revinfo.ocsps += archival.ocsps

    status, vc = _validate_sync(emb, ctx, revinfo, token_time or ctx.now, token_time is not None)
    tst = status.timestamp_validity
    proven = bool(tst is not None and tst.intact and tst.valid and tst.trusted)
    if tst is not None and not proven:
        problems.append(Problem.TIMESTAMP_INVALID if not (tst.intact and tst.valid) else Problem.TIMESTAMP_UNTRUSTED)
    if token_time is not None and not proven:
        # The token's time proves nothing: judge the certificate as of now, like an unstamped signature.
        trust_status, vc = _validate_sync(emb, ctx, revinfo, ctx.now, False)
    else:
        trust_status = status
    when = aware(tst.timestamp, tz) if proven and tst is not None else claimed
    if when is None:
        problems.append(Problem.SIGNING_TIME_MISSING)
    validated_at = when if proven and when is not None else ctx.now

    intact = bool(status.intact)
    trusted = False
    cert_ok = _validity_problem(emb.signer_cert, when or ctx.now) is None
    if not intact:
        problems.append(Problem.NOT_INTACT)
    elif not status.valid:
        problems.append(Problem.SIGNATURE_INVALID)
    else:
        pool = [*emb.other_embedded_certs, *ctx.roots, *ctx.dss.certs]
        trusted, trust_problems = _trust_problems(
            trust_status, emb.signer_cert, pool, claimed, proven, ctx.roots, validated_at
        )
        problems.extend(trust_problems)
        if trusted and not proven and claimed is not None:
            # Valid now, but the signer's own clock may still say it signed outside the certificate's life.
            own = _validity_problem(emb.signer_cert, claimed)
            if own is not None:
                problems.append(own)
                trusted = False
        cert_ok = cert_ok and not any(
            p in trust_problems
            for p in (
                Problem.CERT_EXPIRED_AT_SIGNING, Problem.CERT_NOT_YET_VALID_AT_SIGNING,
                Problem.CERT_REVOKED, Problem.CERT_SUSPENDED,
            )
        )

    judged = integrity.judge(ctx.read, emb)
    problems.extend(judged.problems)

    revocation_used = _revocation_used(ctx, emb, vc, revinfo, trusted)
    already_failed = any(PROBLEM_SEVERITY[p] == "fail" for p in problems)
    if trusted and revocation_used == "not_checked" and not already_failed:
        unreachable = ctx.online and _declares_revocation(emb.signer_cert) and vc.soft_fail_exceptions
        problems.append(Problem.REVOCATION_UNVERIFIABLE if unreachable else Problem.REVOCATION_NOT_CHECKED)

    base.update(
        cert_valid_at_signing=cert_ok,
        covers_whole_file=judged.whole,
        modified_after_signing=judged.modified,
        changes=judged.changes,
        changed_fields=judged.changed_fields,
        revocation=revocation_used,
        pades_level=_pades_level(emb, ctx, token_time is not None, revinfo),
    )
    source = "timestamp" if proven else "signer"
    finished = _finish(base, ctx, when, source, problems, intact=intact, trusted=trusted)
    return _Checked(finished, _certification(emb))


def _certification(emb: EmbeddedPdfSignature) -> MDPPerm | None:
    try:
        return emb.docmdp_level
    except Exception as exc:  # an unreadable /Reference: no certification to rely on
        _out_of_memory_is_fatal(exc)
        return None


def _revocation_used(
    ctx: _FileContext, emb: EmbeddedPdfSignature, vc: ValidationContext, revinfo: _RevInfo, trusted: bool
) -> Revocation:
    if not trusted or vc.soft_fail_exceptions:
        return "not_checked"
    if _covers(revinfo, emb.signer_cert):
        return "embedded"
    if ctx.online and _declares_revocation(emb.signer_cert):
        return "online"
    return "not_checked"


def _declares_revocation(cert: x509.Certificate) -> bool:
    return bool(cert.ocsp_urls or cert.crl_distribution_points)


def _finish(
    fields: dict[str, object],
    ctx: _FileContext,
    when: datetime | None,
    source: str,
    problems: list[Problem],
    *,
    intact: bool,
    trusted: bool = False,
) -> SignatureVerdict:
    fields = {**fields, "intact": intact, "trusted": trusted}
    if when is not None:
        # No time in the file: no period judgement either, and nothing invented in their place.
        in_period = ctx.period.contains(when)
        if not in_period:
            problems.append(Problem.OUTSIDE_PERIOD)
        fields.update(
            signing_time=when.astimezone(ZoneInfo(ctx.period.tz)).isoformat(timespec="seconds"),
            time_source="timestamp" if source == "timestamp" else "signer",
            in_period=in_period,
        )
    return SignatureVerdict(**fields, problems=tuple(dict.fromkeys(problems)))  # type: ignore[arg-type]


def _malformed_signature(field_name: str) -> SignatureVerdict:
    """A signature whose data cannot be read: no signer, no time, nothing proven."""
    return SignatureVerdict(
        field=field_name, signer="", organization=None, uid=None, kind="unknown",
        signing_time=None, time_source=None, intact=False, trusted=False,
        cert_valid_at_signing=False, covers_whole_file=False, modified_after_signing=False,
        in_period=None, problems=(Problem.SIGNATURE_MALFORMED,),
    )


def _check_timestamp(emb: EmbeddedPdfSignature, ctx: _FileContext) -> TimestampVerdict:
    fetchers = revocation.backend() if ctx.online else None
    vc = _validation_context(ctx, ctx.dss, emb.other_embedded_certs, ctx.now, fetchers)
    problems: list[Problem] = []
    moment: datetime | None = None
    try:
        status = _event_loop().run_until_complete(
            async_validate_pdf_timestamp(emb, validation_context=vc, skip_diff=True)
        )
        moment = aware(status.timestamp, ctx.period.tz)
        covered = integrity.timestamp_covered(ctx.read, emb)
        intact, valid, trusted = bool(status.intact) and covered, bool(status.valid), bool(status.trusted)
    except (PdfDecodeLimitError, MemoryError):
        raise
    except Exception as exc:  # an unreadable token is reported, it does not stop the file
        _out_of_memory_is_fatal(exc)
        logger.debug("document timestamp could not be validated", exc_info=True)
        intact, valid, trusted = False, False, False
    finally:
        if fetchers is not None:
            _event_loop().run_until_complete(fetchers.close())
    if not (intact and valid):
        problems.append(Problem.TIMESTAMP_INVALID)
    elif not trusted:
        problems.append(Problem.TIMESTAMP_UNTRUSTED)
    try:
        tsa = next(iter(_name_values(emb.signer_cert, "common_name")), "")
    except Exception as exc:  # no signer certificate in the token
        _out_of_memory_is_fatal(exc)
        tsa = ""
    return TimestampVerdict(
        time=moment.astimezone(ZoneInfo(ctx.period.tz)).isoformat(timespec="seconds") if moment else None,
        tsa=tsa,
        intact=intact,
        trusted=trusted,
        problems=tuple(problems),
    )


@dataclass
class _Found:
    """One signature dictionary: reachable from a field, or orphaned."""

    name: str
    emb: EmbeddedPdfSignature | None
    revision: int
    detached: bool = False


def _field_signatures(reader: PdfFileReader) -> tuple[list[_Found], set[generic.Reference]]:
    found: list[_Found] = []
    refs: set[generic.Reference] = set()
    try:
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except (PdfDecodeLimitError, MemoryError):
        raise
    except Exception as exc:  # a broken AcroForm: the dictionary scan still finds the signatures
        _out_of_memory_is_fatal(exc)
        return found, refs
    for index, (fq_name, _value, sig_field) in enumerate(fields):
        try:
            value = sig_field.get_object().raw_get("/V")
            if isinstance(value, generic.IndirectObject):
                refs.add(value.reference)
            emb = EmbeddedPdfSignature(reader, sig_field, fq_name)
            found.append(_Found(str(fq_name), emb, emb.signed_revision))
        except (PdfDecodeLimitError, MemoryError):
            raise
        except Exception as exc:  # one broken signature must not hide the others
            _out_of_memory_is_fatal(exc)
            found.append(_Found(str(fq_name), None, 10**9 + index))
    return found, refs


def _orphan(reader: PdfFileReader, ref: generic.Reference) -> _Found | None:
    """A signature dictionary no field points to, read in the last revision that still has it."""
    for revision in range(reader.xrefs.total_revisions - 1, -1, -1):
        try:
            resolver = reader.get_historical_resolver(revision)
            obj = resolver(ref)
            if not discovery.is_signature_dict(obj):
                continue
            holder = generic.DictionaryObject(
                {generic.NameObject("/V"): generic.IndirectObject(ref.idnum, ref.generation, resolver)}
            )
            emb = EmbeddedPdfSignature(reader, holder, f"#{ref.idnum}")
            return _Found(f"#{ref.idnum}", emb, emb.signed_revision, detached=True)
        except (PdfDecodeLimitError, MemoryError):
            raise
        except Exception as exc:  # not readable in this revision; try an earlier one
            _out_of_memory_is_fatal(exc)
            continue
    return None


def _orphaned_signatures(reader: PdfFileReader, data: bytes, linked: set[generic.Reference]) -> list[_Found]:
    if b"/ObjStm" in data:
        candidates = list(discovery.all_refs(reader))
    else:
        candidates = [generic.Reference(n, g) for n, g in discovery.raw_signature_refs(data)]
    found = []
    for ref in candidates:
        if ref in linked:
            continue
        if b"/ObjStm" in data:
            try:
                if not discovery.is_signature_dict(reader.get_object(ref)):
                    continue
            except Exception as exc:  # unreadable candidates are tried revision by revision below
                _out_of_memory_is_fatal(exc)
        orphan = _orphan(reader, ref)
        if orphan is not None:
            found.append(orphan)
    return found


def _all_signatures(reader: PdfFileReader, data: bytes) -> list[_Found]:
    found, linked = _field_signatures(reader)
    return found + _orphaned_signatures(reader, data, linked)


def _is_doc_timestamp(emb: EmbeddedPdfSignature) -> bool:
    return str(emb.sig_object.get("/Type", "/Sig")) == "/DocTimeStamp"


def _safe_is_ts(emb: EmbeddedPdfSignature) -> bool:
    try:
        return _is_doc_timestamp(emb)
    except Exception as exc:  # unreadable /Type: not a timestamp we can use
        _out_of_memory_is_fatal(exc)
        return False


def _apply_form_policy(
    verdicts: list[SignatureVerdict], revisions: list[int], certification: MDPPerm | None
) -> list[SignatureVerdict]:
    """Field changes after the last signature are covered by nobody: they make the file invalid,
    unless the document was certified with form filling allowed; then they are named as filled."""
    if not verdicts:
        return verdicts
    last = max(range(len(verdicts)), key=lambda i: revisions[i])
    uncovered = set(verdicts[last].changed_fields)
    if not uncovered:
        return [replace(v, changed_fields=()) if v.changed_fields else v for v in verdicts]
    permitted = certification in FORM_FILLING_CERTIFICATION
    result = []
    for verdict in verdicts:
        fields = tuple(sorted(uncovered & set(verdict.changed_fields)))
        if fields:
            problem = Problem.FORM_FILLED_AS_PERMITTED if permitted else Problem.FORM_FIELD_CHANGED
            verdict = replace(
                verdict,
                changed_fields=fields,
                modified_after_signing=verdict.modified_after_signing or not permitted,
                problems=tuple(dict.fromkeys([*verdict.problems, problem])),
            )
        elif verdict.changed_fields:
            verdict = replace(verdict, changed_fields=())
        result.append(verdict)
    return result


def _with_seal_owner(verdict: SignatureVerdict, school: SchoolIdentity | None) -> SignatureVerdict:
    if school is None or not school.known or verdict.kind != "organization":
        return verdict
    own = seal_belongs_to(
        school,
        seal_names=[verdict.organization, verdict.signer],
        seal_codes=organization_codes(verdict.identifiers),
    )
    if own is not False:
        return replace(verdict, own_seal=own)
    return replace(
        verdict,
        own_seal=False,
        roster_tax_code=school.tax_code or None,
        roster_name=school.name or None,
        problems=(*verdict.problems, Problem.SEAL_OF_OTHER_UNIT),
    )


@dataclass(frozen=True)
class _Opened:
    read: ReadFile
    found: list[_Found]


def _read(body: bytes) -> _Opened:
    """Open the file; rebuild its cross-reference data by scanning when it is broken, or when the
    reader sees no signature although the bytes carry one."""
    start = integrity.earliest_revision_signed(body)
    try:
        reader = open_reader(body)
    except (PdfDecodeLimitError, MemoryError):
        raise
    except Exception as exc:  # broken cross-reference data: rebuild it by scanning, as readers do
        _out_of_memory_is_fatal(exc)
        return _rebuilt(body, start, exc)
    read = ReadFile(body, reader)
    if reader.encrypted:
        return _Opened(read, [])
    found = _all_signatures(reader, body)
    if not found and discovery.SIGNATURE_MARKERS.search(body):
        try:
            return _rebuilt(body, start, None)
        except (PdfDecodeLimitError, MemoryError):
            raise
        except Exception as exc:  # the scan cannot read it either: keep what the reader saw
            _out_of_memory_is_fatal(exc)
    return _Opened(read, found)


def _rebuilt(body: bytes, start: int | None, cause: Exception | None) -> _Opened:
    updates = structure.read_updates(body, start) if start is not None else None
    rebuilt = structure.rebuild(body, updates)
    if rebuilt is None:
        if cause is not None:
            raise cause
        raise PdfError("no catalog found while rebuilding")
    reader = open_reader(rebuilt.data)
    read = ReadFile(body, reader, rebuilt)
    if updates is not None:
        read._updates[updates.start] = updates
    return _Opened(read, _all_signatures(reader, body))


def verify_bytes(
    data: bytes,
    name: str,
    roots: list[x509.Certificate],
    period: RecordPeriod,
    *,
    online: bool | None = None,
    school: SchoolIdentity | None = None,
    school_issued: bool = False,
    now: datetime | None = None,
) -> FileVerdict:
    """The verdict for one file. ``online`` defaults to the worker's revocation settings;
    ``school_issued`` says the document is one the school issues (so its seal is expected)."""
    sha256 = hashlib.sha256(data).hexdigest()
    if PDF_MAGIC not in data[:HEADER_WINDOW]:
        return error_verdict(name, sha256, "not_pdf")
    trimmed = discovery.trim_trailing_junk(data)
    body = trimmed.data
    try:
        opened = _read(body)
        if opened.read.reader.encrypted:
            return error_verdict(name, sha256, "encrypted")
    except PdfDecodeLimitError:
        # pyHanko's own decompression-bomb guard tripped.
        return error_verdict(name, sha256, "too_large")
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        return error_verdict(name, sha256, "corrupt")

    ctx = _FileContext(
        read=opened.read,
        roots=roots,
        roots_fingerprint=chain_cache.digest(root.dump() for root in roots),
        dss=_dss_revinfo(opened.read.reader),
        period=period,
        now=now or datetime.now(UTC),
        online=revocation.settings().online if online is None else online,
    )
    found = sorted(opened.found, key=lambda f: f.revision)
    ctx.doc_timestamp_revisions = [f.revision for f in found if f.emb is not None and _safe_is_ts(f.emb)]
    try:
        checked = _check_all(found, ctx)
    except PdfDecodeLimitError:
        return error_verdict(name, sha256, "too_large")
    signatures = [c.verdict for c, _ in checked.signatures]
    revisions = [revision for _, revision in checked.signatures]

    if not signatures and not checked.timestamps and not body.rstrip(b" \t\r\n\f\x00").endswith(b"%%EOF"):
        # Cut short before any signature: say the file is damaged, not that nobody signed it.
        return error_verdict(name, sha256, "corrupt")
    timestamps = checked.timestamps
    if not signatures and discovery.SIGNATURE_MARKERS.search(body) and not timestamps:
        signatures.append(_malformed_signature(""))
        revisions.append(0)
    certification = next((c.certification for c, _ in checked.signatures if c.certification is not None), None)
    signatures = _apply_form_policy(signatures, revisions, certification)
    signatures = [_with_seal_owner(s, school) for s in signatures]
    if not signatures and timestamps:
        # A file carrying only a document timestamp has no signer; nobody signed it.
        timestamps = []
    signatures = [replace(s, message_vi=render.signature_line(s, period.tz)) for s in signatures]
    timestamps = [replace(t, message_vi=render.timestamp_line(t, period.tz)) for t in timestamps]
    sigs = tuple(signatures)
    file_problems: list[Problem] = []
    if trimmed.dropped_junk:
        file_problems.append(Problem.TRAILING_DATA_IGNORED)
    if opened.read.rebuilt is not None and sigs:
        file_problems.append(Problem.STRUCTURE_REBUILT)
    verdict = FileVerdict(
        file=name,
        sha256=sha256,
        status=file_status(sigs),
        signatures=sigs,
        timestamps=tuple(timestamps),
        problems=tuple(file_problems),
    )
    return replace(verdict, message_vi=render.render_file(verdict, period, school_issued=school_issued))


@dataclass
class _AllChecked:
    signatures: list[tuple[_Checked, int]]
    timestamps: list[TimestampVerdict]


def _check_all(found: Iterable[_Found], ctx: _FileContext) -> _AllChecked:
    result = _AllChecked([], [])
    for entry in found:
        try:
            if entry.emb is None:
                one = _Checked(_malformed_signature(entry.name))
            elif _is_doc_timestamp(entry.emb):
                result.timestamps.append(_check_timestamp(entry.emb, ctx))
                continue
            else:
                one = _check_signature(entry.emb, entry.name, ctx)
        except PdfDecodeLimitError:
            raise
        except MemoryError:
            raise
        except Exception as exc:  # any parser failure inside one signature makes it unverifiable
            _out_of_memory_is_fatal(exc)
            logger.debug("signature %s could not be processed", entry.name, exc_info=True)
            one = _Checked(_malformed_signature(entry.name))
        verdict = one.verdict
        if entry.detached:
            verdict = replace(verdict, problems=(*verdict.problems, Problem.SIGNATURE_DETACHED))
        result.signatures.append((replace(one, verdict=verdict), entry.revision))
    return result
