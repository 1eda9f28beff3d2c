"""The settings are read from the environment once, at the entry points, and passed down:
no module of Eioku but pipeline/settings.py reads an ``EIOKU_*`` variable, and only the
entry points (the CLI's root command, the Celery app) call ``load_settings`` — the API app
and the benches are given theirs. Checked on the source (every module, also those no test
imports), then against a planted read to show the check can fail."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUNTIME_PACKAGES = ("pipeline", "workers", "schemas")
SETTINGS_MODULE = "pipeline/settings.py"
ENTRY_POINTS = {"pipeline/cli/main.py", "workers/app.py"}
PREFIX = "EIOKU_"


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` (or a bare ``environ``)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id == "environ"


def _names_eioku(key: ast.AST) -> bool:
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value.startswith(PREFIX)
    if isinstance(key, ast.JoinedStr) and key.values:
        first = key.values[0]
        return isinstance(first, ast.Constant) and str(first.value).startswith(PREFIX)
    return False


def eioku_reads(source: str) -> list[int]:
    """Lines that read an EIOKU_* variable from the environment."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        key: ast.AST | None = None
        if isinstance(node, ast.Call) and node.args:
            function = node.func
            if isinstance(function, ast.Attribute) and function.attr in ("get", "pop"):
                key = node.args[0] if _is_environ(function.value) else None
            elif isinstance(function, ast.Attribute) and function.attr == "getenv":
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            key = node.slice if _is_environ(node.value) else None
        elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
            key = node.left
        if key is not None and _names_eioku(key):
            lines.append(node.lineno)
    return lines


def settings_loads(source: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "load_settings"
    ]


def runtime_modules() -> list[Path]:
    return sorted(path for package in RUNTIME_PACKAGES for path in (REPO / package).rglob("*.py"))


def test_no_module_but_settings_reads_an_eioku_variable() -> None:
    found = {
        str(path.relative_to(REPO)): lines
        for path in runtime_modules()
        if str(path.relative_to(REPO)) != SETTINGS_MODULE
        and (lines := eioku_reads(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_only_the_entry_points_load_the_settings() -> None:
    callers = {
        str(path.relative_to(REPO))
        for path in runtime_modules()
        if settings_loads(path.read_text(encoding="utf-8"))
    }
    assert callers - {SETTINGS_MODULE} == ENTRY_POINTS


@pytest.mark.parametrize(
    "planted",
    [
        'os.environ.get("EIOKU_DEVICE", "auto")',
        'os.environ["EIOKU_THREADS"]',
        'os.getenv("EIOKU_HOME")',
        'environ.get(f"EIOKU_DEVICE_{name}")',
        '"EIOKU_PIN_CORES" in os.environ',
    ],
)
def test_the_check_finds_a_planted_read(planted: str) -> None:
    assert eioku_reads(f"import os\nvalue = {planted}\n") == [2]


def test_the_check_leaves_other_variables_and_writes_alone() -> None:
    source = (
        "import os\n"
        'visible = os.environ.get("CUDA_VISIBLE_DEVICES")\n'
        'os.environ["OMP_NUM_THREADS"] = "2"\n'
        'os.environ.setdefault("YOLO_OFFLINE", "true")\n'
    )
    assert eioku_reads(source) == []
