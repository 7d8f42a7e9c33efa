"""Verification of every signature in one PDF with pyHanko (runs inside the sandboxed worker).

Nothing here touches the network: revocation data comes only from the file (DSS and the Adobe
revocation-info attribute), and a missing one is a warning, not a failure.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.misc import PdfDecodeLimitError, PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    async_validate_pdf_signature,
)
from pyhanko.sign.validation.generic_cms import extract_self_reported_ts, extract_tst_data_iter
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleTrustManager

from hsdt.signatures import _speedups, messages_vi
from hsdt.signatures.classify import classify_uid
from hsdt.signatures.config import RecordPeriod
from hsdt.signatures.verdict import ErrorCategory, FileVerdict, SignatureVerdict, file_status

logger = logging.getLogger(__name__)
_speedups.install()

PDF_MAGIC = b"%PDF-"
# Readers accept a header anywhere in the first KiB (some generators prepend junk); so do we.
HEADER_WINDOW = 1024

# Vietnamese signer certificates carry digitalSignature and/or nonRepudiation; either is a signing key.
KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)

_loop: asyncio.AbstractEventLoop | None = None


def _event_loop() -> asyncio.AbstractEventLoop:
    # One loop for the worker's lifetime: asyncio.run per file would rebuild it every time.
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
    return _loop


def error_verdict(
    name: str, sha256: str, category: ErrorCategory, detail_vi: str | None = None
) -> FileVerdict:
    verdict = FileVerdict(file=name, sha256=sha256, status="error", error=category, signatures=())
    message = messages_vi.render_file(verdict)
    if detail_vi:
        message = "\n".join([*message.split("\n")[:2], detail_vi])
    return FileVerdict(file=name, sha256=sha256, status="error", error=category, message_vi=message)


@dataclass
class _RevInfo:
    certs: list[x509.Certificate]
    crls: list[asn1_crl.CertificateList]
    ocsps: list[asn1_ocsp.OCSPResponse]


def _dss_revinfo(reader: PdfFileReader) -> _RevInfo:
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # no DSS, or an unreadable one: both mean "nothing embedded"
        return _RevInfo([], [], [])
    info = _RevInfo(list(dss.load_certs()), [], [])
    for ref in dss.crls:
        info.crls.append(asn1_crl.CertificateList.load(ref.get_object().read_data(DecodePurpose.CRL)))
    for ref in dss.ocsps:
        info.ocsps.append(asn1_ocsp.OCSPResponse.load(ref.get_object().read_data(DecodePurpose.OCSP_RESPONSE)))
    return info


def _archival_revinfo(emb: EmbeddedPdfSignature) -> _RevInfo:
    info = _RevInfo([], [], [])
    try:
        signed_attrs = emb.signer_info["signed_attrs"]
        archival = find_unique_cms_attribute(signed_attrs, "adobe_revocation_info_archival")
    except Exception:  # attribute absent or duplicated: treat as absent
        return info
    for item in archival["crl"] or ():
        info.crls.append(item)
    for item in archival["ocsp"] or ():
        info.ocsps.append(item)
    return info


def _name_attr(cert: x509.Certificate, key: str) -> str | None:
    value = cert.subject.native.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value is not None else None


def _timestamp_time(emb: EmbeddedPdfSignature) -> datetime | None:
    for tst_signed_data in extract_tst_data_iter(emb.signer_info, signed=False):
        tst_info = tst_signed_data["encap_content_info"]["content"].parsed
        return tst_info["gen_time"].native
    return None


def _validity_problem(cert: x509.Certificate, moment: datetime) -> str | None:
    validity = cert["tbs_certificate"]["validity"]
    if moment < validity["not_before"].native:
        return "cert_not_yet_valid_at_signing"
    if moment > validity["not_after"].native:
        return "cert_expired_at_signing"
    return None


def _missing_link_problem(signer: x509.Certificate, pool: list[x509.Certificate]) -> str:
    """Why no chain was found: a self-signed top we do not trust, or a missing intermediate."""
    by_subject = {c.subject.dump(): c for c in pool}
    current = signer
    for _ in range(16):
        if current.self_signed in ("yes", "maybe"):
            return "untrusted_root_missing"
        issuer = by_subject.get(current.issuer.dump())
        if issuer is None or issuer is current:
            return "chain_incomplete"
        current = issuer
    return "chain_incomplete"


def _trust_problems(
    status: PdfSignatureStatus, signer: x509.Certificate, pool: list[x509.Certificate], moment: datetime
) -> tuple[bool, bool, list[str]]:
    """(trusted, cert_valid_at_signing, problems) from pyHanko's AdES sub-indication."""
    own_validity = _validity_problem(signer, moment)
    indic = status.trust_problem_indic
    if indic is None:
        trusted = status.validation_path is not None
        return trusted, own_validity is None, ([] if trusted else ["trust_check_failed"])
    if indic == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        return False, own_validity is None, [_missing_link_problem(signer, pool)]
    if indic == AdESIndeterminate.OUT_OF_BOUNDS_NO_POE:
        # The chain reached a trust root; only the signer's validity window failed.
        return status.validation_path is not None, False, [own_validity or "cert_expired_at_signing"]
    if indic in (AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.REVOKED_CA_NO_POE):
        return False, own_validity is None, ["cert_revoked"]
    if indic == AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE:
        return False, own_validity is None, ["key_usage_not_allowed"]
    if indic in (
        AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE,
        AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
    ):
        return False, own_validity is None, ["weak_algorithm"]
    if indic == AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE:
        # Most often a CA certificate outside its validity at the signing time; otherwise a broken chain.
        chain = list(status.validation_path.iter_certs(include_root=True)) if status.validation_path else []
        ca_expired = any(_validity_problem(c, moment) for c in chain if c is not signer)
        if ca_expired or own_validity:
            return False, False, [own_validity or "cert_expired_at_signing"]
        return False, True, ["chain_invalid"]
    if indic in (
        AdESIndeterminate.TRY_LATER,
        AdESIndeterminate.NO_POE,
        AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE,
    ):
        return False, own_validity is None, ["revocation_unverifiable"]
    return False, own_validity is None, ["trust_check_failed"]


def _modification(status: PdfSignatureStatus) -> tuple[bool, bool, list[str]]:
    """(covers_whole_file, modified_after_signing, problems)."""
    coverage = status.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True, False, []
    if coverage is None or coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return False, True, ["coverage_unclear"]
    level = status.modification_level
    # Later signatures and form filling are what a multi-signer workflow produces; anything beyond
    # (annotations, page or content changes) alters what the earlier signer saw.
    permitted = (
        level is not None and level <= ModificationLevel.FORM_FILLING and status.docmdp_ok is not False
    )
    return False, not permitted, ([] if permitted else ["modified_after_signing"])


def _validation_context(
    roots: list[x509.Certificate], revinfo: _RevInfo, embedded: list[x509.Certificate], moment: datetime
) -> ValidationContext:
    return ValidationContext(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        other_certs=[*revinfo.certs, *embedded],
        crls=revinfo.crls,
        ocsps=revinfo.ocsps,
        moment=moment,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def _check_signature(
    emb: EmbeddedPdfSignature,
    roots: list[x509.Certificate],
    dss: _RevInfo,
    period: RecordPeriod,
) -> SignatureVerdict:
    signer = emb.signer_cert
    name = _name_attr(signer, "common_name") or ""
    organization = _name_attr(signer, "organization_name")
    uid = _name_attr(signer, "user_id")
    archival = _archival_revinfo(emb)
    revinfo = _RevInfo(dss.certs, [*dss.crls, *archival.crls], [*dss.ocsps, *archival.ocsps])
    embedded = emb.other_embedded_certs

    problems: list[str] = []
    claimed = extract_self_reported_ts(emb.signer_info) or emb.self_reported_timestamp
    tst_time = _timestamp_time(emb)
    moment = tst_time or claimed
    if moment is None:
        # Without any time we can only judge against "now"; the missing time itself makes it undecidable.
        problems.append("signing_time_missing")
        moment = datetime.now(UTC)

    signer_vc = _validation_context(roots, revinfo, embedded, moment)
    ts_vc = _validation_context(roots, revinfo, embedded, tst_time or moment)
    status: PdfSignatureStatus = _event_loop().run_until_complete(
        async_validate_pdf_signature(
            emb,
            signer_validation_context=signer_vc,
            ts_validation_context=ts_vc,
            key_usage_settings=KEY_USAGE,
        )
    )

    time_source = "signer"
    tst = status.timestamp_validity
    if tst is not None:
        if not (tst.intact and tst.valid):
            problems.append("timestamp_invalid")
        elif not tst.trusted:
            problems.append("timestamp_untrusted")
        else:
            time_source = "timestamp"
            moment = tst.timestamp
    if time_source == "signer" and tst_time is not None and claimed is not None:
        moment = claimed

    intact = bool(status.intact)
    if not intact:
        problems.append("not_intact")
    elif not status.valid:
        problems.append("signature_invalid")

    if intact and status.valid:
        pool = [*embedded, *roots, *dss.certs]
        trusted, cert_ok, trust_problems = _trust_problems(status, signer, pool, moment)
        problems.extend(trust_problems)
    else:
        trusted, cert_ok = False, _validity_problem(signer, moment) is None
        if not cert_ok:
            problems.append(_validity_problem(signer, moment) or "cert_expired_at_signing")

    whole, modified, mod_problems = _modification(status)
    problems.extend(mod_problems)

    no_revinfo = not revinfo.crls and not revinfo.ocsps
    if intact and (no_revinfo or signer_vc.soft_fail_exceptions):
        problems.append("revocation_not_checked")

    in_period = period.contains(moment)
    if not in_period:
        problems.append("outside_period")

    local = moment.astimezone(ZoneInfo(period.tz))
    verdict = SignatureVerdict(
        field=str(emb.field_name),
        signer=name,
        organization=organization,
        uid=uid,
        kind=classify_uid(uid),
        signing_time=local.isoformat(timespec="seconds"),
        time_source=time_source,  # type: ignore[arg-type]
        intact=intact,
        trusted=trusted,
        cert_valid_at_signing=cert_ok,
        covers_whole_file=whole,
        modified_after_signing=modified,
        in_period=in_period,
        problems=tuple(dict.fromkeys(problems)),
    )
    return _with_message(verdict, period)


def _with_message(verdict: SignatureVerdict, period: RecordPeriod) -> SignatureVerdict:
    line = messages_vi.signature_line(verdict, period.tz)
    return SignatureVerdict(**{**verdict.__dict__, "message_vi": line})


def _malformed_signature(field: str, period: RecordPeriod) -> SignatureVerdict:
    now = datetime.now(ZoneInfo(period.tz))
    verdict = SignatureVerdict(
        field=field, signer="", organization=None, uid=None, kind="unknown",
        signing_time=now.isoformat(timespec="seconds"), time_source="signer", intact=False, trusted=False,
        cert_valid_at_signing=False, covers_whole_file=False, modified_after_signing=False,
        in_period=period.contains(now), problems=("signature_malformed",),
    )
    return _with_message(verdict, period)


def _embedded_signatures(reader: PdfFileReader) -> list[EmbeddedPdfSignature | str]:
    """Regular signatures in the order they were applied; unreadable ones kept by field name."""
    found: list[tuple[int, EmbeddedPdfSignature | str]] = []
    for index, (fq_name, sig_obj, sig_field) in enumerate(enumerate_sig_fields(reader, filled_status=True)):
        try:
            if sig_obj.get_object().get("/Type", "/Sig") == "/DocTimeStamp":
                continue  # document timestamps are not anybody's signature
            emb = EmbeddedPdfSignature(reader, sig_field, fq_name)
            found.append((emb.signed_revision, emb))
        except Exception:  # one broken signature must not hide the others
            found.append((10**9 + index, str(fq_name)))
    found.sort(key=lambda item: item[0])
    return [item for _, item in found]


def verify_bytes(data: bytes, name: str, roots: list[x509.Certificate], period: RecordPeriod) -> FileVerdict:
    sha256 = hashlib.sha256(data).hexdigest()
    if PDF_MAGIC not in data[:HEADER_WINDOW]:
        return error_verdict(name, sha256, "not_pdf")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            return error_verdict(name, sha256, "encrypted")
        entries = _embedded_signatures(reader)
    except PdfDecodeLimitError:
        # pyHanko's own decompression-bomb guard tripped.
        return error_verdict(name, sha256, "too_large")
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        return error_verdict(name, sha256, "corrupt")

    dss = _dss_revinfo(reader)
    signatures: list[SignatureVerdict] = []
    for entry in entries:
        if isinstance(entry, str):
            signatures.append(_malformed_signature(entry, period))
            continue
        try:
            signatures.append(_check_signature(entry, roots, dss, period))
        except PdfDecodeLimitError:
            return error_verdict(name, sha256, "too_large")
        except MemoryError:
            raise
        except Exception:  # any parser failure inside one signature makes it unverifiable
            logger.debug("signature %s could not be processed", entry.field_name, exc_info=True)
            signatures.append(_malformed_signature(str(entry.field_name), period))

    sigs = tuple(signatures)
    verdict = FileVerdict(file=name, sha256=sha256, status=file_status(sigs), error=None, signatures=sigs)
    return FileVerdict(**{**verdict.__dict__, "message_vi": messages_vi.render_file(verdict, period)})
