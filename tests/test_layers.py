"""Layering: config < model < analysis < report < cli; a module imports its own layer or lower.

Every ``import`` is read from the source (including imports inside functions), so a layer
cannot reach up lazily. ``leftshift/__init__.py`` is the public API and may import anything.
The package root itself (``import leftshift``, ``from leftshift import __version__``) is
metadata every module may read; a public name from it (``from leftshift import run``) is the
top layer.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PACKAGE = "leftshift"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / PACKAGE

LAYER_RANKS = {"config": 0, "model": 1, "analysis": 2, "report": 3}
TOP_RANK = 4  # cli.py and any other top-level module (except __init__)


@dataclass(frozen=True)
class Violation:
    """One import of a higher layer: where it is and what it imports."""

    module: str
    line: int
    imported: str
    reason: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported} ({self.reason})"


def module_name(path: Path) -> str:
    """Dotted name of a source file under the package directory."""
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def rank_of(module: str) -> int | None:
    """Layer rank of a ``leftshift`` module; ``None`` for the package root (the public API).

    Raises ``KeyError`` for a subpackage no layer claims, so a new one is ranked on purpose.
    """
    parts = module.split(".")
    assert parts[0] == PACKAGE, module
    if len(parts) == 1:
        return None
    if parts[1] in LAYER_RANKS:
        return LAYER_RANKS[parts[1]]
    if (PACKAGE_DIR / parts[1]).is_dir():
        raise KeyError(f"{PACKAGE}.{parts[1]} belongs to no layer; add it to LAYER_RANKS")
    return TOP_RANK


def _resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([target] if target else []))


def imported_modules(
    source: str, module: str, is_package: bool = False
) -> list[tuple[int, str, str]]:
    """``(line, imported module, as written)`` for every ``leftshift`` import in ``source``.

    ``from leftshift.x import y`` yields ``leftshift.x.y`` when ``y`` is a submodule on disk,
    else ``leftshift.x``; relative imports are resolved against ``module``.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    found.append((node.lineno, alias.name, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _resolve_relative(module, is_package, node.level, node.module)
            else:
                base = node.module or ""
            if base.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                written = f"from {'.' * node.level}{node.module or ''} import {alias.name}"
                candidate = f"{base}.{alias.name}"
                if _is_submodule(candidate):
                    found.append((node.lineno, candidate, written))
                elif base == PACKAGE and not _is_dunder(alias.name):
                    # a public name of the root (run, ...): the API that sits on top
                    found.append((node.lineno, f"{PACKAGE}.__init__:{alias.name}", written))
                else:
                    found.append((node.lineno, base, written))
        elif isinstance(node, ast.Call) and _is_import_module_call(node):
            target = node.args[0].value
            if target.split(".")[0] == PACKAGE:
                found.append((node.lineno, target, f"import_module({target!r})"))
    return sorted(found)


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _is_submodule(dotted: str) -> bool:
    path = PACKAGE_DIR.parent.joinpath(*dotted.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def _is_import_module_call(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return (
        name in {"import_module", "__import__"}
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def check_source(source: str, module: str, is_package: bool = False) -> list[Violation]:
    """Violations of the layer order in one module's source."""
    own_rank = rank_of(module)
    if own_rank is None:  # leftshift/__init__.py: the public API may import anything
        return []
    violations = []
    for line, imported, written in imported_modules(source, module, is_package):
        if imported.startswith(f"{PACKAGE}.__init__:"):
            imported_rank = TOP_RANK
        else:
            imported_rank = rank_of(imported)
        if imported_rank is None:  # the package root: metadata only (__version__, __file__)
            continue
        if imported_rank > own_rank:
            violations.append(
                Violation(
                    module,
                    line,
                    written,
                    f"rank {imported_rank} imported from rank {own_rank}",
                )
            )
    return violations


def package_modules() -> list[Path]:
    return sorted(PACKAGE_DIR.rglob("*.py"))


def test_every_module_imports_only_its_own_layer_or_lower():
    violations = []
    for path in package_modules():
        source = path.read_text(encoding="utf-8")
        name = module_name(path)
        rel = path.relative_to(PACKAGE_DIR.parent)
        for violation in check_source(source, name, path.name == "__init__.py"):
            violations.append(f"{rel}:{violation.line} {violation.imported} ({violation.reason})")
    assert not violations, "layering violations (config < model < analysis < report < cli):\n" + (
        "\n".join(violations)
    )


def test_every_subpackage_has_a_layer():
    for path in package_modules():
        rank_of(module_name(path))  # raises KeyError naming an unranked subpackage


def test_the_checker_sees_every_module():
    names = {module_name(path) for path in package_modules()}
    assert {"leftshift", "leftshift.cli", "leftshift.config.schema", "leftshift.model.place"} <= (
        names
    )


# --- the checker itself, on fake sources -------------------------------------------------


def test_checker_catches_a_higher_layer_import_and_names_line_and_import():
    source = (
        "import numpy as np\n"
        "\n"
        "from leftshift.config import Config\n"
        "from leftshift.report.figures import plot\n"
    )
    violations = check_source(source, "leftshift.model.fake")
    assert [(v.module, v.line, v.imported) for v in violations] == [
        ("leftshift.model.fake", 4, "from leftshift.report.figures import plot")
    ]
    assert "leftshift.model.fake:4" in str(violations[0])


def test_checker_catches_imports_inside_functions_and_import_module():
    source = (
        "def f():\n"
        "    import leftshift.analysis.experiment\n"
        "    from leftshift import cli\n"
        "    import importlib\n"
        "    importlib.import_module('leftshift.model.place')\n"
    )
    violations = check_source(source, "leftshift.config.fake")
    assert [(v.line, v.imported) for v in violations] == [
        (2, "import leftshift.analysis.experiment"),
        (3, "from leftshift import cli"),
        (5, "import_module('leftshift.model.place')"),
    ]


def test_checker_resolves_relative_imports():
    assert [
        v.line for v in check_source("from ..report import figures\n", "leftshift.model.x")
    ] == [1]
    assert check_source("from . import clock\n", "leftshift.model.x") == []
    assert check_source("from .schema import Config\n", "leftshift.config", is_package=True) == []


def test_checker_allows_own_and_lower_layers_and_root_metadata():
    source = (
        "import leftshift\n"
        "from leftshift import __version__\n"
        "from leftshift.config import Config\n"
        "from leftshift.model import simulate\n"
        "from leftshift.analysis.intervals import t_interval\n"
        "from leftshift.report.figures import plot\n"
    )
    assert check_source(source, "leftshift.report.fake") == []
    assert check_source(source, "leftshift.cli") == []
    assert check_source("from leftshift.cli import main\n", "leftshift", is_package=True) == []


def test_checker_treats_a_public_name_of_the_root_as_the_top_layer():
    violations = check_source("from leftshift import run\n", "leftshift.analysis.fake")
    assert [v.imported for v in violations] == ["from leftshift import run"]


# --- what each layer may not do, beyond the order --------------------------------------------
#: names whose import means "runs the model" (report/ must only write and draw)
RUNS_THE_MODEL = {
    "leftshift.model.place",
    "leftshift.model.simulate",
    "leftshift.analysis.experiment.run_experiment",
    "leftshift.analysis.decommissioning",
    "leftshift.analysis.bundle.analyse",
    "leftshift.analysis.calibrate",
}
#: third-party modules a layer must not touch: the model knows nothing of files, Hydra or
#: drawing; the analysis never draws
FORBIDDEN_LIBRARIES = {
    "model": {"hydra", "omegaconf", "matplotlib", "yaml", "json", "shutil", "pathlib"},
    "analysis": {"hydra", "matplotlib"},
}


def _imported_names(source: str) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
            out.append((node.lineno, node.module))
    return out


def test_report_never_runs_the_model():
    found = []
    for path in sorted((PACKAGE_DIR / "report").rglob("*.py")):
        for line, name in _imported_names(path.read_text(encoding="utf-8")):
            if any(name == r or name.startswith(r + ".") for r in RUNS_THE_MODEL):
                found.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{line} imports {name}")
    assert not found, "report/ must not run the model:\n" + "\n".join(found)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_LIBRARIES))
def test_layer_keeps_off_files_hydra_and_drawing(layer):
    found = []
    for path in sorted((PACKAGE_DIR / layer).rglob("*.py")):
        for line, name in _imported_names(path.read_text(encoding="utf-8")):
            if name.split(".")[0] in FORBIDDEN_LIBRARIES[layer]:
                found.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{line} imports {name}")
    assert not found, f"{layer}/ must not import these:\n" + "\n".join(found)
