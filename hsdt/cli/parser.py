"""argparse in Vietnamese: its own words (usage, section titles, -h, error messages) for operators who
read the rest of `hsdt` in Vietnamese. The flags stay the standard ones (-h, --help)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

from hsdt.texts import cli as tc


def translate(message: str) -> str:
    """One of argparse's English error messages in Vietnamese (unchanged when it is not a known one)."""
    for pattern, template in tc.ARGS_ERRORS:
        found = re.fullmatch(pattern, message)
        if found is not None:
            return template.format(**found.groupdict())
    return message


class VietnameseFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, tc.USAGE_PREFIX if prefix is None else prefix)


class VietnameseParser(argparse.ArgumentParser):
    """Subcommands' parsers are of the same class (argparse makes them with type(parent))."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", VietnameseFormatter)
        kwargs["add_help"] = False  # ours, worded in Vietnamese, below
        super().__init__(*args, **kwargs)
        self._positionals.title = tc.ARGS_POSITIONAL
        self._optionals.title = tc.ARGS_OPTIONS
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=tc.HELP_HELP)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        # A missing subcommand is named by its internal dest ("roster_command"): say "lệnh".
        message = re.sub(r"\b\w+_command\b", tc.ARGS_SUBCOMMAND, translate(message))
        self.exit(2, tc.ARGS_ERROR.format(prog=self.prog, message=message) + "\n")
