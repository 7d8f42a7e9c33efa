"""Public entry point: check files in sandboxed workers without blocking the caller's event loop."""

from __future__ import annotations

import asyncio
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Protocol, cast

from hsdt.signatures import render
from hsdt.signatures.classify import SchoolIdentity
from hsdt.signatures.config import RecordPeriod, Revocation, VerifyLimits
from hsdt.signatures.sandbox import Outcome, WorkerPool
from hsdt.signatures.verdict import ERROR_CATEGORIES, ErrorCategory, FileVerdict, verdict_from_json

HASH_CHUNK = 1 << 20


def _sha256_of(path: Path) -> str:
    # Streaming, constant memory: even an oversized file gets an identity for the records.
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def _error(name: str, path: Path, category: ErrorCategory) -> FileVerdict:
    verdict = FileVerdict(file=name, sha256=_sha256_of(path), status="error", error=category)
    return replace(verdict, message_vi=render.render_file(verdict))


def _category(code: str | None) -> ErrorCategory:
    return cast(ErrorCategory, code) if code in ERROR_CATEGORIES else "corrupt"


class Checker(Protocol):
    """What the chat needs of a checker: the sandboxed `SignatureChecker`, or a wrapper around it that
    observes it (the bot's metrics)."""

    async def check(
        self,
        path: Path,
        display_name: str | None = None,
        *,
        school: SchoolIdentity | None = None,
        school_issued: bool = False,
        period: RecordPeriod | None = None,
    ) -> FileVerdict: ...


class SignatureChecker:
    def __init__(
        self,
        trust_dir: Path | None,
        period: RecordPeriod,
        limits: VerifyLimits = VerifyLimits(),  # noqa: B008 -- frozen dataclass, safe as a default
        max_workers: int = 2,
        *,
        prestart: int = 1,
        online: bool | None = None,
        revocation: Revocation | None = None,
    ) -> None:
        """``revocation`` says how certificates' status is checked (online by default, see
        ``Revocation``); ``online`` overrides just its on/off switch."""
        self.trust_dir = trust_dir
        self.period = period
        self.limits = limits
        settings = revocation or Revocation()
        if online is not None:
            settings = replace(settings, online=online)
        self.revocation = settings
        self.online = settings.online
        self.max_workers = max(1, max_workers)
        self._pool = WorkerPool(limits, self.max_workers, revocation=settings)
        # Threads only wait on pipes; the CPU work happens in the workers.
        self._executor = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="hsdt-sig")
        self._pool.prestart(prestart)

    def _check_sync(
        self,
        path: Path,
        display_name: str | None = None,
        school: SchoolIdentity | None = None,
        school_issued: bool = False,
        period: RecordPeriod | None = None,
    ) -> FileVerdict:
        name = display_name if display_name is not None else str(path)
        try:
            size = os.stat(path).st_size
        except OSError:
            return _error(name, path, "unreadable")
        if size > self.limits.max_bytes:
            return _error(name, path, "too_large")
        try:
            outcome = self._pool.run(
                path, name, self.trust_dir, period or self.period, school=school, school_issued=school_issued
            )
        except Exception:  # the caller is promised a verdict, never an exception
            outcome = Outcome(error="unavailable")
        if outcome.verdict is not None:
            try:
                return verdict_from_json(outcome.verdict)
            except ValueError:
                return _error(name, path, "corrupt")
        return _error(name, path, _category(outcome.error))

    async def check(
        self,
        path: Path,
        display_name: str | None = None,
        *,
        school: SchoolIdentity | None = None,
        school_issued: bool = False,
        period: RecordPeriod | None = None,
    ) -> FileVerdict:
        """The verdict for one file; ``school`` (from the roster) says whose seal is expected, and
        ``school_issued`` that the document is one the school issues (so a missing seal is said);
        ``period``: the record period of the file's campaign (default: the checker's own)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, self._check_sync, Path(path), display_name, school, school_issued, period
        )

    def check_many(
        self,
        paths: list[Path],
        school: SchoolIdentity | None = None,
        names: list[str] | None = None,
        *,
        school_issued: bool = False,
    ) -> list[FileVerdict]:
        """Check files concurrently on the pool; results keep the order of ``paths``."""
        if not paths:
            return []
        self._pool.prestart(min(len(paths), self.max_workers))
        shown: list[str | None] = list(names) if names is not None else [None] * len(paths)
        return list(
            self._executor.map(lambda p, n: self._check_sync(Path(p), n, school, school_issued), paths, shown)
        )

    def worker_pids(self) -> list[int]:
        return self._pool.pids()

    def close(self) -> None:
        self._pool.close()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> SignatureChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
