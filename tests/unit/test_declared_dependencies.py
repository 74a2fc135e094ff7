"""Every third-party module that app/, components/, tests/ or benchmarks/ imports is declared in
pyproject.toml (a dependency, or an optional group for tests and benchmarks), so a fresh install
from the declared list runs what the repo runs. Imports are read with `ast` (also the lazy ones
inside functions and `LazyModule("name")`), and each module is mapped to the distribution that
provides it in this environment."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from tests.conftest import REPO_ROOT

FIRST_PARTY = {"app", "components", "tests", "benchmarks"}
FOLDERS = ("app", "components", "tests", "benchmarks")


def _imported_top_levels(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"LazyModule", "import_module"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value.partition(".")[0])
    return names


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for group in project.get("optional-dependencies", {}).values():
        requirements.extend(group)
    return {_canonical(re.split(r"[\s<>=~!;\[]", requirement, maxsplit=1)[0]) for requirement in requirements}


def test_every_third_party_import_is_declared() -> None:
    providers = importlib.metadata.packages_distributions()
    declared = _declared()
    undeclared: dict[str, list[str]] = {}
    for folder in FOLDERS:
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            for module in _imported_top_levels(path):
                if module in FIRST_PARTY or module in sys.stdlib_module_names or module == "__future__":
                    continue
                distributions = {_canonical(d) for d in providers.get(module, [module])}
                if not distributions & declared:
                    undeclared.setdefault(module, []).append(str(path.relative_to(REPO_ROOT)))
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_the_walk_sees_lazy_and_nested_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os.path\nfrom x_top.sub import y\n"
        "def f():\n    import z_inner\n    return LazyModule('w_lazy')\n",
        encoding="utf-8",
    )
    assert _imported_top_levels(sample) == {"os", "x_top", "z_inner", "w_lazy"}
