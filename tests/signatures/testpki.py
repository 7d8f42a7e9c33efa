"""A throw-away PKI and PDF factory for tests and the benchmark. Never used at run time.

Everything is generated on the fly (EC P-256 keys, so it is fast); nothing binary is committed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UID_OID = x509.ObjectIdentifier("0.9.2342.19200300.100.1.1")
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
FAR_AHEAD = datetime(2040, 1, 1, tzinfo=UTC)


@dataclass
class Identity:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    chain: list[x509.Certificate] = field(default_factory=list)  # issuers, nearest first

    @property
    def asn1_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    @property
    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        der = self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return asn1_keys.PrivateKeyInfo.load(der)

    @property
    def asn1_chain(self) -> list[asn1_x509.Certificate]:
        return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in self.chain]


def _name(cn: str, org: str | None = None, uid: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if uid:
        attrs.append(x509.NameAttribute(UID_OID, uid))
    return x509.Name(attrs)


def _issue(
    subject: x509.Name,
    issuer: Identity | None,
    *,
    ca: bool,
    not_before: datetime = LONG_AGO,
    not_after: datetime = FAR_AHEAD,
    tsa: bool = False,
) -> Identity:
    # pyHanko's dummy TSA signs with RSA only; everything else uses fast EC keys.
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(65537, 2048) if tsa else ec.generate_private_key(ec.SECP256R1())
    )
    issuer_name = issuer.cert.subject if issuer else subject
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if ca:
        usage = dict(key_cert_sign=True, crl_sign=True, digital_signature=False, content_commitment=False)
    else:
        usage = dict(key_cert_sign=False, crl_sign=False, digital_signature=True, content_commitment=not tsa)
    builder = builder.add_extension(
        x509.KeyUsage(
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False, **usage,
        ),
        critical=True,
    )
    if tsa:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    cert = builder.sign(signing_key, hashes.SHA256())
    chain = ([issuer.cert, *issuer.chain]) if issuer else []
    return Identity(cert=cert, key=key, chain=chain)


@dataclass
class TestPKI:
    root: Identity
    intermediate: Identity
    person: Identity
    seal: Identity
    expired: Identity
    tsa: Identity
    rogue_root: Identity
    rogue_person: Identity
    trust_dir: Path

    __test__ = False  # not a pytest test class


def build_pki(base_dir: Path) -> TestPKI:
    """Root → intermediate → signers; plus an expired signer, a TSA, and a root nobody trusts."""
    root = _issue(_name("Test Root CA Việt Nam", "Bộ Thử nghiệm"), None, ca=True)
    inter = _issue(_name("Test CA Trung gian", "Bộ Thử nghiệm"), root, ca=True)
    person = _issue(_name("Nguyễn Thị Hồng Nhung", "Trường Mầm non Hoa Sen", "CCCD:001088012345"), inter, ca=False)
    seal = _issue(_name("Trường Mầm non Hoa Sen", "Trường Mầm non Hoa Sen", "MST:0101234567"), inter, ca=False)
    expired = _issue(
        _name("Trần Văn Bình", "Trường Mầm non Hoa Sen", "CMND:012345678"),
        inter,
        ca=False,
        not_before=datetime(2022, 1, 1, tzinfo=UTC),
        not_after=datetime(2023, 1, 1, tzinfo=UTC),
    )
    tsa = _issue(_name("Test TSA"), inter, ca=False, tsa=True)
    rogue_root = _issue(_name("Rogue Root CA"), None, ca=True)
    rogue_person = _issue(_name("Lê Thị Giả Mạo", None, "CCCD:079000000001"), rogue_root, ca=False)

    trust_dir = base_dir / "trust"
    trust_dir.mkdir(parents=True, exist_ok=True)
    (trust_dir / "root.pem").write_bytes(root.cert.public_bytes(serialization.Encoding.PEM))
    return TestPKI(root, inter, person, seal, expired, tsa, rogue_root, rogue_person, trust_dir)


def make_pdf(pages: int = 1, text: str = "Ke hoach giao duc") -> bytes:
    """A plain unsigned PDF written by pyHanko's own writer."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

    writer = PdfFileWriter(stream_xrefs=False)
    font = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Font"),
                generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
                generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
            }
        )
    )
    resources = generic.DictionaryObject(
        {generic.NameObject("/Font"): generic.DictionaryObject({generic.NameObject("/F1"): font})}
    )
    for number in range(1, pages + 1):
        content = f"BT /F1 14 Tf 72 770 Td ({text} - trang {number}) Tj ET".encode("ascii")
        stream = writer.add_object(generic.StreamObject(stream_data=content))
        writer.insert_page(PageObject(contents=stream, media_box=[0, 0, 595, 842], resources=resources))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def make_encrypted_pdf() -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

    writer = PdfFileWriter()
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 14 Tf 72 770 Td (Mat) Tj ET"))
    writer.insert_page(PageObject(contents=stream, media_box=[0, 0, 595, 842]))
    writer.encrypt("chu-so-huu", "nguoi-dung")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def sign_pdf(
    data: bytes,
    who: Identity,
    field_name: str,
    *,
    signing_time: datetime | None = None,
    timestamp_by: Identity | None = None,
    timestamp_time: datetime | None = None,
) -> bytes:
    """Append a signature in an incremental update; ``signing_time`` fixes the signer-reported time."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class FixedTimeSigner(signers.PdfSigner):
        def init_signing_session(self, pdf_out, existing_fields_only=False):  # type: ignore[no-untyped-def]
            session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
            if signing_time is not None:
                session.system_time = signing_time
            return session

    signer = signers.SimpleSigner(
        signing_cert=who.asn1_cert,
        signing_key=who.asn1_key,
        cert_registry=SimpleCertificateStore.from_certs(who.asn1_chain),
    )
    timestamper = None
    if timestamp_by is not None:
        timestamper = DummyTimeStamper(
            tsa_cert=timestamp_by.asn1_cert,
            tsa_key=timestamp_by.asn1_key,
            certs_to_embed=SimpleCertificateStore.from_certs(timestamp_by.asn1_chain),
            fixed_dt=timestamp_time,
        )
    pdf_signer = FixedTimeSigner(
        signers.PdfSignatureMetadata(field_name=field_name, md_algorithm="sha256"),
        signer=signer,
        timestamper=timestamper,
    )
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    out = pdf_signer.sign_pdf(writer)
    return out.getvalue()


def modify_first_page(data: bytes, new_text: str = "Noi dung da bi sua") -> bytes:
    """An incremental update that replaces page 1's content: the kind of change a signature forbids."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    page = page_ref.get_object()
    content = f"BT /F1 14 Tf 72 770 Td ({new_text}) Tj ET".encode("ascii")
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=content))
    writer.mark_update(page_ref)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def flip_signed_byte(data: bytes) -> bytes:
    """Change one byte of page content inside the first signature's signed range."""
    marker = data.find(b"trang 1")
    if marker < 0:
        raise ValueError("no page text to tamper with")
    mutated = bytearray(data)
    mutated[marker] = ord("T")
    return bytes(mutated)


def predictor_bomb_pdf(decoded_mb: int = 30) -> bytes:
    """A cross-reference stream whose PNG predictor makes the parser loop over millions of rows.

    It stays inside pyHanko's own decompression caps, so only the sandbox's limits stop it.
    """
    row = 6  # /W [1 2 2] plus the PNG filter byte
    rows = decoded_mb * 1024 * 1024 // row
    compressed = zlib.compress(bytes(rows * row), 9)
    # Bytes after the end of the zlib stream are ignored by the decoder but raise pyHanko's
    # ratio-based cap (output allowed ~100x the encoded length).
    padding = b"\x00" * (decoded_mb * 1024 * 1024 // 90)
    stream = compressed + padding
    header = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    obj_offset = len(header)
    obj = (
        b"1 0 obj\n<< /Type /XRef /Size %d /W [1 2 2] /Root 2 0 R /Filter /FlateDecode "
        b"/DecodeParms << /Predictor 12 /Columns 5 >> /Length %d >>\nstream\n" % (rows, len(stream))
    )
    body = header + obj + stream + b"\nendstream\nendobj\n"
    return body + b"startxref\n%d\n%%%%EOF\n" % obj_offset


def deeply_nested_pdf(depth: int = 200_000) -> bytes:
    """An object made of ``depth`` nested arrays, referenced from the catalog."""
    header = b"%PDF-1.7\n"
    objects = [
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Nest 3 0 R >>\nendobj\n",
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n",
        b"3 0 obj\n" + b"[" * depth + b"]" * depth + b"\nendobj\n",
    ]
    offsets = []
    body = header
    for obj in objects:
        offsets.append(len(body))
        body += obj
    xref = b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % len(body)
    return body + xref + trailer


def sign_at(day: datetime, hour: int = 9) -> datetime:
    """A signing time on ``day`` at ``hour`` in Vietnam (UTC+7), as an aware datetime."""
    return day.replace(hour=hour, minute=30, second=0, microsecond=0, tzinfo=UTC) - timedelta(hours=7)
