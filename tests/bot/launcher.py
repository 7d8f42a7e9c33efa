"""Starting `hsdt run` for an end-to-end test without paying its imports each time.

A bot process imports aiogram, whose 650 pydantic models are built at import: about 9 s of CPU on a
2-core CI machine, the largest cost of the suite's end-to-end tests (a test starts one to four bots).
So each test worker keeps one server process (multiprocessing's forkserver) that imported the bot's
modules once, and every bot is a fork of it: a process of its own, with its own environment, working
directory and log, that runs the same `hsdt.cli.main(["run"])` as `python -m hsdt.cli run`, answers
SIGTERM and dies by SIGKILL as that would. Only the imports are done before the fork (no module of
hsdt reads the environment at import; `Settings()` does, in the child). The newcomer journey in
`test_telegram_e2e.py` and the command-line tests still start `python -m hsdt.cli`, so the entry point
itself stays covered; `HSDT_TEST_EXEC_BOTS=1` starts every bot that way."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Protocol

# What `hsdt run` imports for Telegram, Zalo and the web server; never matplotlib (it reads HOME and
# MPLCONFIGDIR at import) nor anything that starts a thread or opens a connection at import.
PRELOAD = [
    "hsdt.cli.main",
    "hsdt.cli.run",
    "hsdt.app.bootstrap",
    "hsdt.app.runner",
    "hsdt.app.channel_services",
    "hsdt.channels.telegram.client",
    "hsdt.channels.telegram.receive",
    "hsdt.channels.telegram.render",
    "hsdt.channels.zalo_bot.client",
    "hsdt.channels.zalo_bot.receive",
    "hsdt.web.server",
    "hsdt.reminders.service",
    "hsdt.storage.db",
]

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


def warm() -> None:
    """Start the server now (conftest does once tests that import this module are collected), so its
    imports overlap the tests that run before the first bot."""
    if not _exec_everywhere():
        from multiprocessing import forkserver

        forkserver.ensure_running()


class Child(Protocol):
    """The part of `subprocess.Popen` the tests use."""

    pid: int

    @property
    def returncode(self) -> int | None: ...
    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def send_signal(self, sig: int) -> None: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...


def _run(argv: list[str], env: dict[str, str], cwd: str, log: str) -> None:
    """In the forked child: become `python -m hsdt.cli <argv>` started in `cwd` with `env`."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.argv = [sys.executable, *argv]
    code: int | str | None = 1
    try:
        from hsdt.cli.main import main

        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    finally:
        # multiprocessing ends its children with os._exit: run what an interpreter runs on exit
        # (the signature sandbox stops its workers there).
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    sys.exit(code)


class Forked:
    """A bot forked from the preloaded server, behind Popen's interface."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self._process = _context.Process(target=_run, args=(argv, env, str(cwd), str(log)), daemon=True)
        self._process.start()
        assert self._process.pid is not None
        self.pid = self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(f"hsdt run (pid {self.pid})", timeout or 0.0)
        return self._process.exitcode

    def send_signal(self, sig: int) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def start_hsdt(argv: list[str], env: dict[str, str], cwd: Path, log: Path, *, fork: bool = True) -> Child:
    """`python -m hsdt.cli <argv>` with stdout and stderr appended to `log`: in a test, forked from the
    preloaded server; a new interpreter with `fork=False`, under HSDT_TEST_EXEC_BOTS=1, and outside pytest
    (the benchmarks in bench/ start their bots as an operator does)."""
    if fork and not _exec_everywhere() and "PYTEST_CURRENT_TEST" in os.environ:
        return Forked(argv, env, cwd, log)
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "hsdt.cli", *argv], cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _exec_everywhere() -> bool:
    return os.environ.get("HSDT_TEST_EXEC_BOTS", "").strip().lower() not in ("", "0", "false", "no")

