"""The fast hex-string reader must agree with pyHanko's own, including its errors."""

from __future__ import annotations

from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils.misc import PdfStreamError

from hsdt.signatures import _speedups


def _both(data: bytes) -> tuple[object, object]:
    results = []
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
