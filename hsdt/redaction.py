"""One log filter for every secret the process holds: channel tokens, the upload and webhook secrets, and
the signed tokens of the links it hands out (upload, download and dashboard sign-in links).

Tokens travel inside URLs (Telegram and Zalo put theirs in the path, the links carry theirs in the
path too), and client libraries and the web server's guards quote URLs in their messages and
tracebacks, so the filter scrubs the rendered message and the formatted traceback of every record
that reaches a handler. Secrets are scrubbed by value once registered; link tokens by their shape
(`LINK_TOKEN`), since the process mints new ones all the time.
"""

from __future__ import annotations

import logging
import re
import traceback

MASK = "<redacted>"

# A link token as `hsdt.links.tokens` writes it: base64url JSON (so it starts with `eyJ`, the encoding
# of `{"`) and, after a dot, its signature. The payload alone is scrubbed too: it names the user.
LINK_TOKEN = re.compile(r"eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?")


class RedactSecrets(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 6:
            self._secrets.add(secret)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return LINK_TOKEN.sub(MASK, text) if "eyJ" in text else text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Formatted here, once, so the handler prints the scrubbed text instead of formatting again.
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


_FILTER = RedactSecrets()


def redact_secrets(*secrets: str | None) -> RedactSecrets:
    """Register secrets and make sure every handler of the root logger scrubs them (and link tokens)."""
    for secret in secrets:
        _FILTER.add(secret)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    return _FILTER
