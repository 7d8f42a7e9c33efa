"""Worker process entry point:
``python -m hsdt.signatures.worker MEMORY_MB CPU_S online|offline REVOCATION_TIMEOUT_S [CACHE_DIR]``.

The worker limits itself before importing pyHanko (address space, open files, CPU time per
file), announces readiness, then answers one request per frame until stdin closes. It
reads the file itself so that a huge or hostile file costs the worker's memory, not the parent's.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import resource
import signal
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from hsdt.signatures.protocol import PeerGone, read_frame, write_frame

MIB = 1024 * 1024
MAX_OPEN_FILES = 64


def _die_with_parent() -> None:
    # A worker stuck in a long parse would otherwise outlive a crashed parent.
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def _set_limit(kind: int, soft: int) -> None:
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(kind, (soft, hard))


def limit_self(memory_mb: int) -> None:
    if memory_mb > 0:
        limit = memory_mb * MIB
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _set_limit(resource.RLIMIT_NOFILE, MAX_OPEN_FILES)
    # RLIMIT_NPROC is not set: it counts every process of the user, and at 0 a worker that runs out
    # of memory hangs instead of failing, so a fork bomb is not what this sandbox stops.


def _cpu_budget(cpu_s: int) -> None:
    """Allow ``cpu_s`` more CPU seconds from now: RLIMIT_CPU counts the worker's whole life."""
    if cpu_s <= 0:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _set_limit(resource.RLIMIT_CPU, used + cpu_s)


def _handle(request: dict[str, Any], engine: ModuleType, trust_cache: dict[str, Any]) -> dict[str, Any]:
    from hsdt.signatures.classify import SchoolIdentity
    from hsdt.signatures.config import RecordPeriod
    from hsdt.signatures.trust import load_trust_roots, trust_dir_fingerprint

    path = Path(request["path"])
    name = request["name"]
    max_bytes = int(request["max_bytes"])
    trust_dir = Path(request["trust_dir"]) if request.get("trust_dir") else None
    period = RecordPeriod.from_wire(request["period"])
    school_wire = request.get("school")
    school = SchoolIdentity(tax_code=school_wire[0], name=school_wire[1]) if school_wire else None

    fingerprint = trust_dir_fingerprint(trust_dir)
    if trust_cache.get("fingerprint") != fingerprint:
        trust_cache["roots"] = load_trust_roots(trust_dir)
        trust_cache["fingerprint"] = fingerprint

    with path.open("rb") as handle:
        # Read one byte past the limit so growth after the parent's size check is still caught.
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        return {"error": "too_large"}
    verdict = engine.verify_bytes(
        data, name, trust_cache["roots"], period, school=school, school_issued=bool(request.get("school_issued"))
    )
    result: dict[str, Any] = verdict.to_json()
    return {"verdict": result}


def main(argv: list[str]) -> int:
    memory_mb = int(argv[0]) if argv else 0
    cpu_s = int(argv[1]) if len(argv) > 1 else 0
    proto_out = os.dup(1)
    # Anything a library prints must not corrupt the protocol stream.
    os.dup2(2, 1)
    _die_with_parent()
    limit_self(memory_mb)
    logging.disable(logging.CRITICAL)

    from hsdt.signatures import engine, revocation
    from hsdt.signatures.config import Revocation

    revocation.configure(Revocation.from_argv(argv[2:]))
    # Move the import-time objects out of the collector's view: a full collection over pyHanko's
    # modules costs tens of milliseconds, more than verifying a small file.
    gc.collect()
    gc.freeze()
    write_frame(proto_out, {"ready": True})
    trust_cache: dict[str, Any] = {}
    while True:
        try:
            request = read_frame(0)
        except PeerGone:
            return 0
        _cpu_budget(cpu_s)
        try:
            reply = _handle(request, engine, trust_cache)
        except MemoryError:
            # Memory limit hit: the file needs more than allowed. Recycle so the next file starts clean.
            reply = {"error": "too_large", "recycle": True}
            gc.collect()
        except OSError:
            reply = {"error": "unreadable"}
        except Exception:  # whatever the parser throws, the parent gets an answer
            reply = {"error": "corrupt", "recycle": True}
        try:
            write_frame(proto_out, reply)
        except (BrokenPipeError, MemoryError):
            return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
