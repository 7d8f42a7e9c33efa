"""A faster reader for PDF hex strings, installed into pyHanko inside the worker only.

pyHanko reads ``<...>`` hex strings one byte per call; a signature's /Contents is tens of
kilobytes of hex, which made that loop two thirds of the time to verify a small file. The fast
path handles the plain case (hex digits and whitespace up to ``>``) and hands anything unusual
(comments, bad characters, end of file) back to pyHanko's own reader, so results and errors are
those of pyHanko.
"""

from __future__ import annotations

import binascii
import os
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

CHUNK = 64 * 1024
_original = generic.read_hex_string_from_stream


def read_hex_string_from_stream(stream: Any) -> Any:
    start = stream.tell()
    stream.read(1)  # the opening '<'
    chunks: list[bytes] = []
    tail = -1
    while True:
        block = stream.read(CHUNK)
        if not block:
            break
        end = block.find(b">")
        if end >= 0:
            chunks.append(block[:end])
            tail = len(block) - end - 1
            break
        chunks.append(block)
    raw = b"".join(chunks)
    digits = raw.translate(None, PDF_WHITESPACE)
    if tail < 0 or digits.translate(None, generic.HEX_DIGITS):
        stream.seek(start)
        return _original(stream)
    stream.seek(-tail, os.SEEK_CUR)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def install() -> None:
    generic.read_hex_string_from_stream = read_hex_string_from_stream
