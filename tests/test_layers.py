"""Every package of `hsdt` imports only packages below it, so the rooms stay rooms and no package cycle
can form. Every import counts: at module level, inside a function (the lazy ones) and under
TYPE_CHECKING alike."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import hsdt

ROOT = Path(hsdt.__file__).parent

# Lowest first. A package may import its own modules and those of packages on a lower line, never
# those on its own line or above.
LAYERS: list[set[str]] = [
    {"texts", "logcontext", "redaction", "events"},  # the catalogue, log context, secret filter, Incoming/Reply
    {"config", "scoring"},  # settings; the pure rubric, answers and scores
    {"actions", "signatures"},  # typed buttons; sandboxed PDF verification
    {"storage"},  # tables, repositories, the unit of work
    {"links", "reports", "reminders", "services"},  # signed links; reports; reminders; non-chat use cases
    {"handlers"},  # chat features: event in, replies out
    {"channels"},  # Telegram, Zalo, terminal: translation and delivery
    {"web"},  # the aiohttp app: upload and download pages, webhooks, probes, the dashboard
    {"app"},  # the composition root and the runner
    {"cli"},  # the `hsdt` command line
]
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}
# The dashboard reads the report data set and the database; it never reaches the chat or the process.
DASHBOARD_MAY_NOT = ("hsdt.app", "hsdt.handlers", "hsdt.channels", "hsdt.cli")
# What every page of the web server shares (the template options, the security headers): a leaf module.
SHARED_WITH_DASHBOARD = ("hsdt.web.templating",)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" not in path.parts:
            yield module_name(path), path


def imports(name: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every hsdt module `name` imports, `from hsdt import texts` as `hsdt.texts`."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from hsdt import texts`, `from . import sibling`: the names are the modules.
            named = node.module is None or base == "hsdt"
            found = [f"{base}.{alias.name}" if named else base for alias in node.names]
        else:
            continue
        for target in found:
            if target.startswith("hsdt."):
                yield node.lineno, target


def package_of(module: str) -> str:
    return module.split(".")[1]


def test_every_package_has_a_layer() -> None:
    packages = {package_of(name) for name, _ in modules() if name != "hsdt"}
    assert packages - RANK.keys() == set(), "place the new package in LAYERS"


def test_every_import_goes_down() -> None:
    upward = []
    for name, path in modules():
        if name == "hsdt":
            continue
        mine = package_of(name)
        for line, target in imports(name, path):
            theirs = package_of(target)
            if theirs != mine and RANK[theirs] >= RANK[mine]:
                upward.append(f"{path.relative_to(ROOT.parent)}:{line} {mine} imports {target}")
    assert upward == []


def test_the_dashboard_reaches_neither_the_chat_nor_the_process() -> None:
    reaching = [
        f"{path.relative_to(ROOT.parent)}:{line} imports {target}"
        for name, path in modules() if name.startswith("hsdt.web.dashboard")
        for line, target in imports(name, path)
        if target.startswith(DASHBOARD_MAY_NOT)
        or (target.startswith("hsdt.web.") and not target.startswith("hsdt.web.dashboard")
            and target not in SHARED_WITH_DASHBOARD)
    ]
    assert reaching == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The scan itself: a lazy import inside a function and a relative one are both found."""
    source = tmp_path / "module.py"
    source.write_text("from . import sibling\n\ndef later():\n    from hsdt.app.bootstrap import App\n",
                      encoding="utf-8")
    found = list(imports("hsdt.handlers.module", source))
    assert found == [(1, "hsdt.handlers.sibling"), (4, "hsdt.app.bootstrap")]
