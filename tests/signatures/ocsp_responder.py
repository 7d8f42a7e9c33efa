"""A local OCSP responder on 127.0.0.1 for the online revocation tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from tests.signatures.testpki import Identity


@contextmanager
def ocsp_responder(
    issuer: Identity, revoked_serials: set[int], certs: dict[int, x509.Certificate]
) -> Iterator[tuple[str, list[int]]]:
    """Yields (url, hits); answers for the certificates in ``certs`` (by serial): good, or revoked."""
    hits: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            request = ocsp.load_der_ocsp_request(body)
            hits.append(request.serial_number)
            now = datetime.now(UTC)
            revoked = request.serial_number in revoked_serials
            builder = ocsp.OCSPResponseBuilder().add_response(
                cert=certs[request.serial_number], issuer=issuer.cert, algorithm=hashes.SHA1(),
                cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
                this_update=now - timedelta(minutes=5), next_update=now + timedelta(days=1),
                revocation_time=datetime(2024, 1, 1, tzinfo=UTC) if revoked else None,
                revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
            ).responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.cert)
            response = builder.sign(issuer.key, hashes.SHA256())
            data = response.public_bytes(serialization.Encoding.DER)
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", hits
    finally:
        server.shutdown()
        server.server_close()
