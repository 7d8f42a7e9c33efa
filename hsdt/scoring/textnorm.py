"""Text normalisation for matching what users type against Vietnamese labels."""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["fold_text"]

_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=2048)  # a rubric's labels are folded for every answer typed
def fold_text(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d), collapse whitespace, drop trailing punctuation.

    ``fold_text("  Đầy   đủ. ") == "day du"``.
    """
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    folded = _SPACES.sub(" ", stripped.casefold()).strip()
    return folded.rstrip(" .!?;,").strip()
