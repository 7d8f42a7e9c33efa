"""The process's log format: one JSON object per line, with the event the line belongs to.

Every line carries its time (UTC, ISO 8601), level, logger, message and, while an event is being
handled, `event` ("channel:event id", from `hsdt.logcontext`), so one answer can be followed across
the workers behind the proxy with a single filter. A traceback travels in `exc` inside the same line.
The redaction filter (`hsdt.redaction`) runs before this formatter on every handler and rewrites
the message and the traceback text, so what is formatted here is already scrubbed.
`LOG_FORMAT=text` gives the same fields as a plain line for a developer's terminal.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from hsdt.logcontext import current_event


class EventFilter(logging.Filter):
    """Puts the current event on the record (formatters of any kind can then print it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.event = current_event()
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        event = getattr(record, "event", None) or current_event()
        if event:
            entry["event"] = event
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextLines(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(event_part)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        event = getattr(record, "event", None) or current_event()
        record.event_part = f" [{event}]" if event else ""
        return super().format(record)


def configure(level: str, fmt: str = "json", file: Path | None = None) -> logging.Handler:
    """One handler on the root logger (stderr, or `file`), replacing any earlier one of ours."""
    root = logging.getLogger()
    foreign = [h for h in root.handlers if not getattr(h, "_hsdt", False)]
    if foreign and file is None:
        # Someone configured logging first (a test runner, an embedding program): keep theirs.
        root.setLevel(level.upper())
        return foreign[0]
    for old in [h for h in root.handlers if getattr(h, "_hsdt", False)]:
        root.removeHandler(old)
        old.close()
    handler: logging.Handler = logging.FileHandler(file, encoding="utf-8") if file else logging.StreamHandler()
    handler._hsdt = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonLines() if fmt == "json" else TextLines())
    handler.addFilter(EventFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
