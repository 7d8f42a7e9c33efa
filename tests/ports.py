"""Ports for servers that a test names before they listen (a bot process, nginx, a web app).

Asking the kernel for a free port (bind to 0, close) and handing it to a child leaves a window, seconds
long while the child imports, in which any outgoing connection on the machine (a PostgreSQL client, an
HTTP request of another test worker) may be given that port as its source port, and the child's bind then
fails. So the ports come from below the kernel's ephemeral range, which neither connect() nor bind(0) ever
hands out; each pytest-xdist worker draws from a slice of its own, starting at a random place (other test
runs on the machine share the range), and a port is probed before it is handed out."""

from __future__ import annotations

import itertools
import os
import random
import socket
from collections.abc import Iterator
from pathlib import Path

SLICE = 400
LOWEST = 10_000


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # "gw3"; unset outside xdist
    digits = worker.removeprefix("gw")
    return int(digits) if digits.isdigit() else 0


def _candidates() -> Iterator[int]:
    slices = max(1, (_ephemeral_low() - LOWEST) // SLICE)
    low = LOWEST + (_worker_index() % slices) * SLICE
    start = random.randrange(SLICE)
    return (low + (start + step) % SLICE for step in itertools.count())


_ports = _candidates()


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nothing listens on now and no connection will be given meanwhile."""
    for port in itertools.islice(_ports, SLICE):
        if _bindable(port):
            return port
    raise RuntimeError(f"no free port in this worker's slice of {SLICE} (below {_ephemeral_low()})")
