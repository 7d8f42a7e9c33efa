"""A local OCSP responder and CRL server on 127.0.0.1 for the test PKI (never the internet).

Certificates the test PKI issues point here: end-entity certificates at ``/ocsp`` (answered by their
issuer) and at their issuer's CRL, CA certificates at their issuer's CRL. A test revokes or
suspends ("certificate hold") a certificate, or makes the server stop answering.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp

REVOKED_AT = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class _Issuer:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    issued: dict[int, x509.Certificate] = field(default_factory=dict)


class RevocationServer:
    """Answers OCSP requests and serves CRLs for the certificates registered with it."""

    def __init__(self) -> None:
        self._issuers: dict[str, _Issuer] = {}  # by issuer key id (hex)
        self._by_serial: dict[int, str] = {}
        self.reasons: dict[int, x509.ReasonFlags] = {}  # revoked or held serials
        self.hits: list[tuple[str, int | str]] = []  # ("ocsp", serial) or ("crl", issuer id)
        self.requests: list[str] = []  # every path asked for, answered or not
        self.answering = True
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def ocsp_url(self) -> str:
        return f"{self.base_url}/ocsp"

    def crl_url(self, issuer: x509.Certificate) -> str:
        return f"{self.base_url}/crl/{_key_id(issuer)}.crl"

    def add_issuer(self, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> None:
        with self._lock:
            self._issuers.setdefault(_key_id(cert), _Issuer(cert, key))

    def register(self, cert: x509.Certificate, issuer: x509.Certificate) -> None:
        with self._lock:
            self._issuers[_key_id(issuer)].issued[cert.serial_number] = cert
            self._by_serial[cert.serial_number] = _key_id(issuer)

    def revoke(self, cert: x509.Certificate, reason: x509.ReasonFlags = x509.ReasonFlags.key_compromise) -> None:
        self.reasons[cert.serial_number] = reason

    def suspend(self, cert: x509.Certificate) -> None:
        self.revoke(cert, x509.ReasonFlags.certificate_hold)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _ocsp_answer(self, body: bytes) -> bytes:
        request = ocsp.load_der_ocsp_request(body)
        serial = request.serial_number
        self.hits.append(("ocsp", serial))
        with self._lock:
            issuer_id = self._by_serial.get(serial)
            issuer = self._issuers.get(issuer_id) if issuer_id else None
        if issuer is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(
                serialization.Encoding.DER
            )
        now = datetime.now(UTC)
        reason = self.reasons.get(serial)
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=issuer.issued[serial], issuer=issuer.cert, algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.REVOKED if reason else ocsp.OCSPCertStatus.GOOD,
            this_update=now - timedelta(minutes=5), next_update=now + timedelta(days=1),
            revocation_time=REVOKED_AT if reason else None, revocation_reason=reason,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.cert)
        return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def _crl(self, issuer_id: str) -> bytes | None:
        self.hits.append(("crl", issuer_id))
        with self._lock:
            issuer = self._issuers.get(issuer_id)
        if issuer is None:
            return None
        now = datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(now - timedelta(minutes=5))
            .next_update(now + timedelta(days=1))
        )
        for serial in issuer.issued:
            reason = self.reasons.get(serial)
            if reason is None:
                continue
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(REVOKED_AT)
                .add_extension(x509.CRLReason(reason), critical=False)
                .build()
            )
            builder = builder.add_revoked_certificate(entry)
        return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server.requests.append(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if not server.answering or self.path != "/ocsp":
                    self._silence()
                    return
                self._reply(server._ocsp_answer(body), "application/ocsp-response")

            def do_GET(self) -> None:
                server.requests.append(self.path)
                if not server.answering or not self.path.startswith("/crl/"):
                    self._silence()
                    return
                data = server._crl(self.path.removeprefix("/crl/").removesuffix(".crl"))
                if data is None:
                    self.send_error(404)
                    return
                self._reply(data, "application/pkix-crl")

            def _reply(self, data: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _silence(self) -> None:
                self.send_error(503)

            def log_message(self, *args: object) -> None:
                return

        return Handler


def _key_id(cert: x509.Certificate) -> str:
    return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest.hex()


@contextmanager
def silent_server() -> Iterator[str]:
    """A URL whose server accepts connections and never answers (a CA's server that hangs)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def closed_port_url() -> str:
    """A URL nobody listens on (connection refused at once)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}"
