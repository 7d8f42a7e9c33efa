"""Parent side of the sandbox: long-lived worker processes, one file at a time each.

A worker is reused across files so pyHanko is imported once per worker, not per file. Each file
still gets its own wall-clock deadline; a worker that misses it is killed and replaced, and a
worker that dies (e.g. an allocation failure under RLIMIT_AS aborting native code) is replaced too.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hsdt
from hsdt.signatures.config import RecordPeriod, VerifyLimits
from hsdt.signatures.protocol import FrameTimeout, PeerGone, read_frame, write_frame

# Importing pyHanko and cryptography takes well under a second; this only guards a wedged start.
STARTUP_TIMEOUT_S = 60.0
WORKER_MODULE = "hsdt.signatures.worker"


@dataclass(frozen=True)
class Outcome:
    """What came back for one file: a verdict JSON, or an error category."""

    verdict: dict[str, Any] | None = None
    error: str | None = None  # not_pdf|corrupt|encrypted|too_large|timeout|unreadable|worker_failed


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # The worker must import the same hsdt as the parent, installed or not.
    project_root = str(Path(hsdt.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (project_root, env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


class Worker:
    def __init__(self, memory_mb: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE, str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_child_env(),
            close_fds=True,
        )
        self.ready = False

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
        except (BrokenPipeError, OSError) as exc:
            raise PeerGone from exc
        return read_frame(self.proc.stdout.fileno(), time.monotonic() + timeout_s)

    def kill(self) -> None:
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

    def __init__(self, limits: VerifyLimits, size: int) -> None:
        self.limits = limits
        self.size = max(1, size)
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
            worker = Worker(self.limits.memory_mb)
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

    def _discard(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            self._live.discard(worker)
        # Replace it right away so the next file does not pay the start-up.
        replacement = self._spawn()
        if replacement is not None:
            self._idle.put(replacement)

    def _release(self, worker: Worker) -> None:
        if self._closed:
            worker.stop()
            return
        self._idle.put(worker)

    def run(self, path: Path, name: str, trust_dir: Path | None, period: RecordPeriod) -> Outcome:
        if self._closed:
            raise RuntimeError("the signature checker is closed")
        message = {
            "path": str(path),
            "name": name,
            "max_bytes": self.limits.max_bytes,
            "trust_dir": str(trust_dir) if trust_dir else None,
            "period": period.to_wire(),
        }
        for attempt in range(2):
            worker = self._acquire()
            try:
                reply = worker.request(message, self.limits.timeout_s)
            except FrameTimeout:
                if not worker.ready:
                    self._discard(worker)
                    continue
                self._discard(worker)
                return Outcome(error="timeout")
            except PeerGone:
                started = worker.ready
                self._discard(worker)
                if not started and attempt == 0:
                    continue  # the worker died before it was ready: not the file's fault, try once more
                # Dying mid-file under RLIMIT_AS is how native code reports an allocation failure.
                return Outcome(error="too_large" if started else "worker_failed")
            if reply.get("recycle"):
                self._discard(worker)
            else:
                self._release(worker)
            if "verdict" in reply:
                return Outcome(verdict=reply["verdict"])
            return Outcome(error=str(reply.get("error", "corrupt")))
        return Outcome(error="worker_failed")

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
