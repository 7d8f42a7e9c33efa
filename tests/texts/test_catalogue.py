"""The message catalogue against the code that fills it, and against the style guide in hsdt/texts.

Placeholders: every `X.format(...)` on a catalogue constant anywhere in `hsdt/` is found by reading the
source (AST), and its keywords must be exactly the template's placeholders: a missing one would raise
KeyError in front of a user, an extra one means the text lost something the code meant to say.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest

import hsdt.texts
from hsdt.config import Settings
from hsdt.scoring import ANSWER_ERROR_CODES

ROOT = Path(hsdt.texts.__file__).parent.parent
CATALOGUE = "hsdt.texts"


def placeholders(template: str) -> set[str]:
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            names.add(re.split(r"[.\[]", field, maxsplit=1)[0])
    return names


@dataclass(frozen=True)
class Call:
    where: str
    constant: str  # "hsdt.texts.inspection.SAVED"
    keywords: frozenset[str]
    star_kwargs: bool
    positional: int


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _aliases(tree: ast.Module, module: str) -> tuple[dict[str, str], dict[str, str]]:
    """Names bound to catalogue modules (`from hsdt import texts as m`) and to catalogue constants
    (`from hsdt.texts.reminders import SPAN_DAYS`, or the module's own constants inside hsdt/texts)."""
    modules: dict[str, str] = {}
    constants: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(CATALOGUE) and alias.asname:
                    modules[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                bound = alias.asname or alias.name
                full = f"{node.module}.{alias.name}"
                if node.module == "hsdt" and alias.name == "texts":
                    modules[bound] = CATALOGUE
                elif node.module.startswith(CATALOGUE):
                    if _is_module(full):
                        modules[bound] = full
                    else:
                        constants[bound] = full
    if module.startswith(CATALOGUE):
        for node in tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        constants[target.id] = f"{module}.{target.id}"
    return modules, constants


def _is_module(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def format_calls(source: str, module: str, where: str) -> Iterator[Call]:
    tree = ast.parse(source)
    modules, constants = _aliases(tree, module)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"):
            continue
        target = node.func.value
        constant = None
        if isinstance(target, ast.Name) and target.id in constants:
            constant = constants[target.id]
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in modules:
            constant = f"{modules[target.value.id]}.{target.attr}"
        if constant is None:
            continue
        yield Call(
            where=f"{where}:{node.lineno}", constant=constant,
            keywords=frozenset(k.arg for k in node.keywords if k.arg is not None),
            star_kwargs=any(k.arg is None for k in node.keywords), positional=len(node.args))


def resolve(constant: str) -> Any:
    module, _, name = constant.rpartition(".")
    return getattr(importlib.import_module(module), name)


def mismatches(calls: list[Call]) -> list[str]:
    problems = []
    for call in calls:
        try:
            template = resolve(call.constant)
        except AttributeError:
            problems.append(f"{call.where}: {call.constant} is not in the catalogue")
            continue
        if not isinstance(template, str):
            problems.append(f"{call.where}: {call.constant} is not a text")
            continue
        wanted = placeholders(template)
        if call.positional:
            problems.append(f"{call.where}: {call.constant} is filled by position; name the placeholders")
        missing = wanted - call.keywords
        extra = call.keywords - wanted
        if missing and not call.star_kwargs:
            problems.append(f"{call.where}: {call.constant} needs {sorted(missing)}")
        if extra:
            problems.append(f"{call.where}: {call.constant} has no {sorted(extra)}")
    return problems


def all_calls() -> list[Call]:
    calls: list[Call] = []
    for path in sorted(ROOT.rglob("*.py")):
        calls += format_calls(path.read_text(encoding="utf-8"), _module_of(path), str(path.relative_to(ROOT.parent)))
    return calls


def test_every_format_call_on_the_catalogue_fills_exactly_its_placeholders() -> None:
    calls = all_calls()
    assert len(calls) > 150, "the scan found too few calls: the alias detection is broken"
    assert mismatches(calls) == []


def test_the_scan_catches_a_missing_and_an_extra_placeholder() -> None:
    source = (
        "from hsdt import texts as messages\n"
        "from hsdt.texts import inspection as m\n"
        "from hsdt.texts.reminders import SPAN_DAYS\n"
        "messages.SA_SAVED.format(criterion='I.1', answer='x')\n"  # points missing
        "m.SAVED.format(criterion='I.1', points='1', max='2', school_points='1', comment='', who='x')\n"  # who extra
        "SPAN_DAYS.format(days=1)\n"  # right
        "messages.NO_SUCH_TEXT.format()\n"
    )
    found = mismatches(list(format_calls(source, "hsdt.example", "example.py")))
    assert len(found) == 3
    assert "needs ['points']" in found[0]
    assert "has no ['who']" in found[1]
    assert "not in the catalogue" in found[2]


def test_invalid_answer_templates_use_only_what_the_error_and_the_handler_give() -> None:
    from_handler = {"text", "limit", "example"}
    assert set(ANSWER_ERROR_CODES) <= set(hsdt.texts.INVALID_ANSWER)
    for code, template in hsdt.texts.INVALID_ANSWER.items():
        given = from_handler | set(ANSWER_ERROR_CODES.get(code, ())) | {"field"}
        assert placeholders(template) <= given, code


def test_the_handlers_hide_no_placeholder_error() -> None:
    for folder in ("handlers", "handlers/questionnaire"):
        for path in (ROOT / folder).glob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ExceptHandler) and node.type is not None:
                    names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                    assert "KeyError" not in names, f"{path}:{node.lineno} catches KeyError"


# --- the style guide ---------------------------------------------------------------------------------

# Words a reader of the catalogue must not meet: the familiar "bạn", the system as a person, English
# words and the product's own jargon. What one types is not a word: commands (/menu, a command menu's
# bare "menu"), flags (--seed), the operator's command line (hsdt campaign new), a file's keys quoted as
# “evidence”, and placeholders.
FORBIDDEN = re.compile(
    r"(?<!\w)(bạn|tôi|bot|demo|seed|terminal|chat|file|link|upload|download|submit|click|ok|menu|"
    r"dashboard|campaign|rubric|evidence|score)(?!\w)",
    re.IGNORECASE,
)
TYPED = re.compile(r"(?<![\w/-])(/|--)[a-z_-]+|\{[^}]*\}|\bhsdt( [a-z-]+)+|“[A-Za-z0-9_.]+”|^[a-z_]+$")
SETTING_NAMES = sorted(name.upper() for name in Settings.model_fields)
# argparse help lines are the command line's own reference, revised with the commands themselves.
EXEMPT_PREFIXES = ("HELP_",)


def catalogue_texts() -> Iterator[tuple[str, str]]:
    for info in pkgutil.iter_modules(hsdt.texts.__path__, f"{CATALOGUE}."):
        yield from _texts_of(importlib.import_module(info.name))
    yield from _texts_of(hsdt.texts)


def _texts_of(module: Any) -> Iterator[tuple[str, str]]:
    for name, value in vars(module).items():
        if name.startswith("_") or name.startswith(EXEMPT_PREFIXES):
            continue
        for text in _strings(value):
            yield f"{module.__name__}.{name}", text


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _strings(item)
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from _strings(getattr(value, f.name))


def test_the_catalogue_is_read_whole() -> None:
    names = {name for name, _ in catalogue_texts()}
    assert "hsdt.texts.SA_SAVED" in names and "hsdt.texts.inspection.HOW" in names
    assert "hsdt.texts.signatures.PROBLEM_TEXT" in names and "hsdt.texts.levels.STRUCTURES" in names
    assert len(names) > 500


@pytest.mark.parametrize("mark", ["«", "»"])
def test_no_french_quotation_marks(mark: str) -> None:
    assert [name for name, text in catalogue_texts() if mark in text] == []


def test_no_forbidden_words() -> None:
    found = []
    for name, text in catalogue_texts():
        for match in FORBIDDEN.finditer(TYPED.sub(" ", text)):
            found.append(f"{name}: {match.group(0)!r} in {text!r}")
    assert found == []


# The operators' command line names the settings they are asked to set; no chat user reads it.
OPERATOR_TEXTS = "hsdt.texts.cli."


def test_no_setting_names() -> None:
    found = [f"{name}: {setting}" for name, text in catalogue_texts() for setting in SETTING_NAMES
             if not name.startswith(OPERATOR_TEXTS) and re.search(rf"(?<![A-Z_]){setting}(?![A-Z_])", text)]
    assert found == []


def test_the_forbidden_word_check_sees_what_it_should() -> None:
    assert FORBIDDEN.search("Bạn đã trả lời")
    assert FORBIDDEN.search("gửi tệp cho bot")
    assert not FORBIDDEN.search(TYPED.sub(" ", "gõ /menu hoặc --seed 3; hsdt campaign new; loại “evidence”"))
    assert not FORBIDDEN.search(TYPED.sub(" ", "menu"))
    assert FORBIDDEN.search(TYPED.sub(" ", "mở menu"))
    assert not FORBIDDEN.search("Thầy/Cô vui lòng gửi tệp PDF")
    assert "TRUST_DIR" in SETTING_NAMES
