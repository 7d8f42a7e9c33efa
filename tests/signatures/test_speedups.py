"""The fast hex-string reader must agree with pyHanko's own, including its errors."""

from __future__ import annotations

from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils.misc import PdfStreamError

from hsdt.signatures import _speedups
from tests.signatures.testpki import TestPKI


def _both(data: bytes) -> tuple[object, object]:
    results: list[tuple[str, bytes | None, int | None]] = []
    for reader in (_speedups._original, _speedups.read_hex_string_from_stream):
        stream = BytesIO(data)
        try:
            value = reader(stream)
            results.append(("ok", bytes(value.original_bytes), stream.tell()))
        except PdfStreamError:
            results.append(("error", None, None))
    return results[0], results[1]


@pytest.mark.parametrize(
    "data",
    [b"<48656c6c6f>rest", b"<4 8\n65\r6c\t6c 6f>", b"<486>", b"<>", b"<4%comment\n8>", b"<48zz>", b"<4865"],
)
def test_agrees_on_examples(data: bytes) -> None:
    original, fast = _both(data)
    assert fast == original


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40), st.sampled_from([b">", b"> trailer", b""]))
def test_agrees_on_random_input(body: bytes, end: bytes) -> None:
    original, fast = _both(b"<" + body + end)
    assert fast == original


def _names() -> list[object]:
    from asn1crypto import x509

    build = x509.Name.build
    return [
        build({"common_name": "Nguyễn Thị Hồng Nhung", "country_name": "VN"}),
        build({"common_name": "nguyễn  thị hồng nhung", "country_name": "vn"}),  # RFC 5280: case and spaces fold
        build({"common_name": "Nguyễn Thị Hồng Nhung"}),
        build({"common_name": "Trường Mầm non Hoa Sen", "organization_name": "Trường Mầm non Hoa Sen"}),
        build({"common_name": "Test CA Trung gian", "organization_name": "Bo Thu nghiem"}, use_printable=True),
        build({"common_name": "Test CA Trung gian", "organization_name": "Bo Thu nghiem"}),
        x509.Name.load(build({"common_name": "Ａ"}).dump()),  # NFKC folds the full-width letter
        build({"common_name": "A"}),
    ]


def test_name_comparison_agrees_with_asn1crypto() -> None:
    names = _names()
    for left in names:
        for right in names:
            assert _speedups.name_eq(left, right) == _speedups._original_name_eq(left, right), (left, right)
        assert _speedups.name_hashable(left) == _speedups._original_name_hashable.fget(left)
        assert _speedups.name_eq(left, "not a name") is False


def test_remembered_extensions_are_those_asn1crypto_parses(pki: TestPKI) -> None:
    from asn1crypto import x509
    from cryptography.hazmat.primitives import serialization

    for who in (pki.person, pki.intermediate, pki.tsa):
        der = who.cert.public_bytes(serialization.Encoding.DER)
        plain, first, second = (x509.Certificate.load(der) for _ in range(3))
        _speedups._original_set_extensions(plain)
        _speedups.set_extensions(first)
        _speedups.set_extensions(second)  # served from memory
        for cert in (first, second):
            assert cert.critical_extensions == plain.critical_extensions
            for name in ("key_usage_value", "basic_constraints_value", "extended_key_usage_value",
                         "crl_distribution_points_value", "authority_information_access_value"):
                mine, theirs = getattr(cert, name), getattr(plain, name)
                assert (mine.native if mine is not None else None) == (theirs.native if theirs is not None else None)
