"""Parent side of the sandbox: long-lived worker processes, one file at a time each.

A worker is reused across files so pyHanko is imported once per worker, not per file. Each file
still gets its own wall-clock deadline; a worker that misses it is killed and replaced, and a
worker that dies is replaced too, with the cause of its death read from how it ended.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hsdt
from hsdt.signatures.classify import SchoolIdentity
from hsdt.signatures.config import RecordPeriod, Revocation, VerifyLimits
from hsdt.signatures.protocol import FrameTimeout, PeerGone, read_frame, write_frame

# Importing pyHanko and cryptography takes well under a second; this only guards a wedged start.
STARTUP_TIMEOUT_S = 60.0
WORKER_MODULE = "hsdt.signatures.worker"
# A worker that dies with a resident size this close to its address-space limit ran out of memory.
MEMORY_DEATH_SHARE = 0.5
TIME_SIGNALS = {signal.SIGXCPU, signal.SIGKILL}


@dataclass(frozen=True)
class Outcome:
    """What came back for one file: a verdict JSON, or an error category."""

    verdict: dict[str, Any] | None = None
    error: str | None = None  # an ErrorCategory


def child_env() -> dict[str, str]:
    """What a worker inherits: enough to run Python, nothing of the bot's (tokens, database, secrets)."""
    # The worker must import the same hsdt as the parent, installed or not.
    project_root = str(Path(hsdt.__file__).resolve().parent.parent)
    return {
        "PATH": os.defpath,
        "PYTHONPATH": project_root,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "LANG": "C.UTF-8",
    }


@dataclass(frozen=True)
class Death:
    returncode: int
    max_rss_bytes: int


class Worker:
    def __init__(self, limits: VerifyLimits, revocation: Revocation) -> None:
        self.limits = limits
        self.proc = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE, str(limits.memory_mb), str(limits.cpu_s), *revocation.to_argv()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=child_env(),
            close_fds=True,
        )
        self.ready = False
        self.killed_by_us = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _await_ready(self) -> None:
        assert self.proc.stdout is not None
        reply = read_frame(self.proc.stdout.fileno(), time.monotonic() + STARTUP_TIMEOUT_S)
        if not reply.get("ready"):
            raise PeerGone
        self.ready = True

    def request(self, message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send one request; raises FrameTimeout or PeerGone (the caller then kills the worker)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if not self.ready:
            self._await_ready()
        try:
            write_frame(self.proc.stdin.fileno(), message)
        except OSError as exc:
            raise PeerGone from exc
        return read_frame(self.proc.stdout.fileno(), time.monotonic() + timeout_s)

    def reap(self) -> Death:
        """Wait for the dead worker and read how it ended (signal, exit code, peak memory)."""
        if self.proc.returncode is not None:
            return Death(self.proc.returncode, 0)
        try:
            _, status, usage = os.wait4(self.proc.pid, 0)
        except ChildProcessError:
            return Death(self.proc.returncode or 0, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        self.proc.returncode = code
        self._close_pipes()
        # ru_maxrss is in KiB on Linux.
        return Death(code, usage.ru_maxrss * 1024)

    def cause_of_death(self) -> str:
        death = self.reap()
        if death.returncode < 0 and signal.Signals(-death.returncode) in TIME_SIGNALS:
            return "timeout"
        if death.max_rss_bytes >= MEMORY_DEATH_SHARE * self.limits.memory_mb * 1024 * 1024:
            return "too_large"
        return "crashed"

    def kill(self) -> None:
        self.killed_by_us = True
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self._close_pipes()

    def stop(self) -> None:
        """Polite shutdown: closing stdin ends the worker's loop; kill if it lingers."""
        with contextlib.suppress(OSError):
            if self.proc.stdin:
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                if pipe:
                    pipe.close()


class WorkerPool:
    """At most ``size`` workers; threads borrow one per file."""

    def __init__(self, limits: VerifyLimits, size: int, *, revocation: Revocation | None = None) -> None:
        self.limits = limits
        self.size = max(1, size)
        self.revocation = revocation or Revocation()
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._live: set[Worker] = set()
        self._closed = False
        _POOLS.add(self)

    def prestart(self, count: int) -> None:
        """Spawn workers now so their import time overlaps with whatever the caller does next."""
        for _ in range(min(count, self.size)):
            worker = self._spawn()
            if worker is None:
                return
            self._idle.put(worker)

    def _spawn(self) -> Worker | None:
        with self._lock:
            if self._closed or len(self._live) >= self.size:
                return None
            worker = Worker(self.limits, self.revocation)
            self._live.add(worker)
            return worker

    def _acquire(self) -> Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        worker = self._spawn()
        if worker is not None:
            return worker
        return self._idle.get()

    def _forget(self, worker: Worker) -> None:
        with self._lock:
            self._live.discard(worker)
        # Replace it right away so the next file does not pay the start-up.
        replacement = self._spawn()
        if replacement is not None:
            self._idle.put(replacement)

    def _discard(self, worker: Worker) -> None:
        worker.kill()
        self._forget(worker)

    def _release(self, worker: Worker) -> None:
        if self._closed:
            worker.stop()
            return
        self._idle.put(worker)

    def run(
        self,
        path: Path,
        name: str,
        trust_dir: Path | None,
        period: RecordPeriod,
        *,
        school: SchoolIdentity | None = None,
        school_issued: bool = False,
    ) -> Outcome:
        if self._closed:
            raise RuntimeError("the signature checker is closed")
        message = {
            "path": str(path),
            "name": name,
            "max_bytes": self.limits.max_bytes,
            "trust_dir": str(trust_dir) if trust_dir else None,
            "period": period.to_wire(),
            "school": [school.tax_code, school.name] if school else None,
            "school_issued": school_issued,
        }
        for attempt in range(2):
            worker = self._acquire()
            started = worker.ready
            try:
                reply = worker.request(message, self.limits.timeout_s)
            except FrameTimeout:
                self._discard(worker)
                if not started and not worker.ready:
                    continue  # wedged at start-up, not the file's fault
                return Outcome(error="timeout")
            except PeerGone:
                ready = worker.ready
                cause = worker.cause_of_death()
                self._forget(worker)
                if not ready:
                    if attempt == 0:
                        continue  # died before it was ready: try once more
                    return Outcome(error="unavailable")
                return Outcome(error=cause)
            if reply.get("recycle"):
                self._discard(worker)
            else:
                self._release(worker)
            if "verdict" in reply:
                return Outcome(verdict=reply["verdict"])
            return Outcome(error=str(reply.get("error", "corrupt")))
        return Outcome(error="unavailable")

    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._live]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._live)
            self._live.clear()
        for worker in workers:
            worker.stop()


_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


@atexit.register
def _close_all_pools() -> None:
    for pool in list(_POOLS):
        pool.close()
