"""A throw-away PKI and PDF factory for tests and the benchmark. Never used at run time.

Everything is generated on the fly (EC P-256 keys, so it is fast); nothing binary is committed. The
certificates name a local OCSP responder and CRL server (``revocation_server``), started with the
PKI, so online revocation checking runs in tests without ever reaching the internet.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from tests.signatures.revocation_server import RevocationServer

if TYPE_CHECKING:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

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
    revocation: RevocationServer | None = None,
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
    if revocation is not None and issuer is not None:
        builder = _with_status_addresses(builder, revocation, issuer, ocsp=not ca)
    cert = builder.sign(signing_key, hashes.SHA256())
    chain = ([issuer.cert, *issuer.chain]) if issuer else []
    if revocation is not None:
        _register(revocation, cert, key, issuer, ca=ca)
    return Identity(cert=cert, key=key, chain=chain)


def _with_status_addresses(
    builder: x509.CertificateBuilder, server: RevocationServer, issuer: Identity, *, ocsp: bool
) -> x509.CertificateBuilder:
    """Where the certificate's status is published: its issuer's CRL, and (end entities) OCSP."""
    crl = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(server.crl_url(issuer.cert))],
        relative_name=None, reasons=None, crl_issuer=None,
    )
    builder = builder.add_extension(x509.CRLDistributionPoints([crl]), critical=False)
    if ocsp:
        address = x509.UniformResourceIdentifier(server.ocsp_url)
        access = x509.AccessDescription(AuthorityInformationAccessOID.OCSP, address)
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
    return builder


def _register(
    server: RevocationServer,
    cert: x509.Certificate,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    issuer: Identity | None,
    *,
    ca: bool,
) -> None:
    if ca:
        server.add_issuer(cert, key)
    if issuer is not None:
        server.add_issuer(issuer.cert, issuer.key)
        server.register(cert, issuer.cert)


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
    revocation: RevocationServer

    __test__ = False  # not a pytest test class


def build_pki(base_dir: Path) -> TestPKI:
    """Root → intermediate → signers; plus an expired signer, a TSA, and a root nobody trusts.

    Every certificate under the trusted root names the local revocation server started here.
    """
    server = RevocationServer()
    root = _issue(_name("Test Root CA Việt Nam", "Bộ Thử nghiệm"), None, ca=True, revocation=server)
    inter = _issue(_name("Test CA Trung gian", "Bộ Thử nghiệm"), root, ca=True, revocation=server)
    person = _issue(
        _name("Nguyễn Thị Hồng Nhung", "Trường Mầm non Hoa Sen", "CCCD:001088012345"), inter, ca=False,
        revocation=server,
    )
    seal = _issue(
        _name("Trường Mầm non Hoa Sen", "Trường Mầm non Hoa Sen", "MST:0101234567"), inter, ca=False,
        revocation=server,
    )
    expired = _issue(
        _name("Trần Văn Bình", "Trường Mầm non Hoa Sen", "CMND:012345678"),
        inter,
        ca=False,
        not_before=datetime(2022, 1, 1, tzinfo=UTC),
        not_after=datetime(2023, 1, 1, tzinfo=UTC),
        revocation=server,
    )
    tsa = _issue(_name("Test TSA"), inter, ca=False, tsa=True, revocation=server)
    rogue_root = _issue(_name("Rogue Root CA"), None, ca=True)
    rogue_person = _issue(_name("Lê Thị Giả Mạo", None, "CCCD:079000000001"), rogue_root, ca=False)

    trust_dir = base_dir / "trust"
    trust_dir.mkdir(parents=True, exist_ok=True)
    (trust_dir / "root.pem").write_bytes(root.cert.public_bytes(serialization.Encoding.PEM))
    return TestPKI(root, inter, person, seal, expired, tsa, rogue_root, rogue_person, trust_dir, server)


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
    tag_widget: bool = False,
    certify: int | None = None,
    ignore_certification: bool = False,
) -> bytes:
    """Append a signature in an incremental update; ``signing_time`` fixes the signer-reported time.

    ``tag_widget`` also adds a structure element to the document's structure tree in the same update,
    as signing software for tagged PDFs does. ``certify`` makes it a certification signature with
    that DocMDP permission level (1 no changes, 2 form filling, 3 also annotations);
    ``ignore_certification`` signs even where an earlier certification forbids it (as a forger would).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import BasePdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.signers.pdf_signer import PdfSigningSession
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class FixedTimeSigner(signers.PdfSigner):
        def init_signing_session(
            self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False
        ) -> PdfSigningSession:
            session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
            if signing_time is not None:
                session.system_time = signing_time
            return session

        def _enforce_certification_constraints(self, reader: PdfFileReader) -> None:
            if not ignore_certification:
                super()._enforce_certification_constraints(reader)

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
    metadata = signers.PdfSignatureMetadata(field_name=field_name, md_algorithm="sha256")
    if certify is not None:
        metadata = signers.PdfSignatureMetadata(
            field_name=field_name, md_algorithm="sha256", certify=True, docmdp_permissions=MDPPerm(certify)
        )
    pdf_signer = FixedTimeSigner(
        metadata,
        signer=signer,
        timestamper=timestamper,
    )
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    if tag_widget:
        _add_struct_element(writer)
    out: BytesIO = pdf_signer.sign_pdf(writer)
    return out.getvalue()


def _add_struct_element(writer: IncrementalPdfFileWriter) -> None:
    from pyhanko.pdf_utils import generic

    root = writer.root
    tree_ref = root.raw_get("/StructTreeRoot")
    tree = tree_ref.get_object()
    element = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/StructElem"),
                generic.NameObject("/S"): generic.NameObject("/Form"),
                generic.NameObject("/P"): tree_ref,
            }
        )
    )
    kids = tree["/K"]
    kids.append(element)
    tree[generic.NameObject("/ParentTreeNextKey")] = generic.NumberObject(int(tree.get("/ParentTreeNextKey", 0)) + 1)
    writer.mark_update(tree_ref)


def make_tagged_pdf() -> bytes:
    """A one-page PDF with a structure tree (a tagged PDF, as office software writes)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(make_pdf(1)), strict=False)
    doc = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/StructElem"),
                generic.NameObject("/S"): generic.NameObject("/Document"),
            }
        )
    )
    parent_tree = writer.add_object(generic.DictionaryObject({generic.NameObject("/Nums"): generic.ArrayObject()}))
    tree = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/StructTreeRoot"),
                generic.NameObject("/K"): generic.ArrayObject([doc]),
                generic.NameObject("/ParentTree"): parent_tree,
                generic.NameObject("/ParentTreeNextKey"): generic.NumberObject(0),
            }
        )
    )
    writer.root[generic.NameObject("/StructTreeRoot")] = tree
    mark_info = generic.DictionaryObject({generic.NameObject("/Marked"): generic.BooleanObject(True)})
    writer.root[generic.NameObject("/MarkInfo")] = mark_info
    writer.update_root()
    out = BytesIO()
    writer.write(out)
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


def memory_bomb_pdf(decoded_mb: int = 250) -> bytes:
    """A cross-reference stream that inflates (in zlib, at C speed) to ``decoded_mb`` MiB: inside
    pyHanko's ratio cap, far past a worker's memory limit. Reaches the limit in well under a second."""
    decoded = decoded_mb * 1024 * 1024
    compressed = zlib.compress(bytes(decoded), 9)
    header = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    # /Size matches the decoded length (5-byte rows), so pyHanko's expected-size cap allows it all.
    obj = (
        b"1 0 obj\n<< /Type /XRef /Size %d /W [1 2 2] /Root 2 0 R /Filter /FlateDecode /Length %d >>\nstream\n"
        % (decoded // 5, len(compressed))
    )
    body = header + obj + compressed + b"\nendstream\nendobj\n"
    return body + b"startxref\n%d\n%%%%EOF\n" % len(header)


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


# --- Hostile and long-term cases --------------------------------------------------------------


def issue(
    cn: str,
    issuer: Identity | None,
    *,
    org: str | None = None,
    uids: tuple[str, ...] = (),
    ca: bool = False,
    not_before: datetime = LONG_AGO,
    not_after: datetime = FAR_AHEAD,
    tsa: bool = False,
    ocsp_url: str | None = None,
    crl_url: str | None = None,
    ca_issuers_url: str | None = None,
    key_usage: bool = True,
    revocation: RevocationServer | None = None,
) -> Identity:
    """A certificate with any number of UIDs, optional OCSP, CRL and issuer addresses, optionally no
    key usage; with ``revocation``, its status is published by that server (OCSP and the issuer's CRL)."""
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs += [x509.NameAttribute(UID_OID, uid) for uid in uids]
    subject = x509.Name(attrs)
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(65537, 2048) if tsa else ec.generate_private_key(ec.SECP256R1())
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if key_usage:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=not ca, content_commitment=not ca and not tsa, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    if tsa:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    if revocation is not None and issuer is not None:
        ocsp_url = ocsp_url or (None if ca else revocation.ocsp_url)
        crl_url = crl_url or revocation.crl_url(issuer.cert)
    access = [
        x509.AccessDescription(method, x509.UniformResourceIdentifier(url))
        for method, url in (
            (AuthorityInformationAccessOID.OCSP, ocsp_url),
            (AuthorityInformationAccessOID.CA_ISSUERS, ca_issuers_url),
        )
        if url
    ]
    if access:
        builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    if crl_url:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None, reasons=None, crl_issuer=None
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    cert = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    if revocation is not None:
        _register(revocation, cert, key, issuer, ca=ca)
    return Identity(cert=cert, key=key, chain=[issuer.cert, *issuer.chain] if issuer else [])


def make_form_pdf(field_name: str = "SoVanBan", value: str = "125/KH-MN") -> bytes:
    """A one-page PDF with a text field whose value is shown on the page."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(make_pdf(1)), strict=False)
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    ap = writer.add_object(_text_appearance(value))
    widget = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Widget"),
            generic.NameObject("/FT"): generic.NameObject("/Tx"),
            generic.NameObject("/T"): generic.TextStringObject(field_name),
            generic.NameObject("/V"): generic.TextStringObject(value),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (72, 700, 300, 720)]),
            generic.NameObject("/F"): generic.NumberObject(4),
            generic.NameObject("/P"): page_ref,
            generic.NameObject("/AP"): generic.DictionaryObject({generic.NameObject("/N"): ap}),
        }
    )
    widget_ref = writer.add_object(widget)
    page = page_ref.get_object()
    page[generic.NameObject("/Annots")] = generic.ArrayObject([widget_ref])
    writer.mark_update(page_ref)
    writer.root[generic.NameObject("/AcroForm")] = generic.DictionaryObject(
        {generic.NameObject("/Fields"): generic.ArrayObject([widget_ref])}
    )
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _text_appearance(value: str) -> object:
    from pyhanko.pdf_utils import generic

    stream = generic.StreamObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/XObject"),
            generic.NameObject("/Subtype"): generic.NameObject("/Form"),
            generic.NameObject("/BBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 228, 20)]),
        },
        stream_data=f"BT /Helv 10 Tf 2 5 Td ({value}) Tj ET".encode("latin-1"),
    )
    return stream


def change_field(data: bytes, field_name: str, value: str) -> bytes:
    """The "shadow replace": a later update changes a field's value and appearance."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    fields = writer.root["/AcroForm"]["/Fields"]
    for index in range(len(fields)):
        field_ref = fields.raw_get(index)
        field = field_ref.get_object()
        if field.get("/T") == field_name:
            field[generic.NameObject("/V")] = generic.TextStringObject(value)
            field[generic.NameObject("/AP")] = generic.DictionaryObject(
                {generic.NameObject("/N"): writer.add_object(_text_appearance(value))}
            )
            writer.mark_update(field_ref)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def unlink_signatures(data: bytes, *, drop: bool) -> bytes:
    """An update that detaches every signature from the form: /AcroForm dropped, or its /Fields blanked."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    if drop:
        del writer.root["/AcroForm"]
    else:
        writer.root[generic.NameObject("/AcroForm")] = generic.DictionaryObject(
            {generic.NameObject("/Fields"): generic.ArrayObject()}
        )
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def as_sha1_subfilter(data: bytes) -> bytes:
    """The old adbe.pkcs7.sha1 format, as a legacy signer writes it (same length, so offsets hold)."""
    return data.replace(b"/adbe.pkcs7.detached", b"/adbe.pkcs7.sha1    ", 1)


def break_last_xref(data: bytes) -> bytes:
    """A rewrite after signing whose cross-reference section points into nowhere."""
    return data + b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(data) * 3
    )


def add_dss_and_timestamp(data: bytes, tsa: Identity, crl_issuer: Identity, certs: list[Identity]) -> bytes:
    """An LTV file: a DSS with a CRL for the signer's CA, then a document timestamp (B-LTA)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko.sign.validation import DocumentSecurityStore
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    now = datetime.now(UTC)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(crl_issuer.cert.subject)
        .last_update(now - timedelta(days=1))
        .next_update(now + timedelta(days=30))
        .sign(crl_issuer.key, hashes.SHA256())
    )
    from asn1crypto import crl as asn1_crl

    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    DocumentSecurityStore.supply_dss_in_writer(
        writer,
        sig_contents=None,
        certs=[i.asn1_cert for i in certs],
        crls=[asn1_crl.CertificateList.load(crl.public_bytes(serialization.Encoding.DER))],
    )
    out = BytesIO()
    writer.write(out)
    stamper = DummyTimeStamper(
        tsa_cert=tsa.asn1_cert, tsa_key=tsa.asn1_key,
        certs_to_embed=SimpleCertificateStore.from_certs(tsa.asn1_chain),
    )
    writer = IncrementalPdfFileWriter(BytesIO(out.getvalue()), strict=False)
    stamped: BytesIO = signers.PdfTimeStamper(stamper).timestamp_pdf(writer, "sha256")
    return stamped.getvalue()
