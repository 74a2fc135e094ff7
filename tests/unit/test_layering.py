"""Components talk to services in `app/`, never to the `Store` itself.

`components/resources.py` owns the store handle; every other component may pass
`resources.store()` on to an `app/` function, but never calls a method on it or reads one
of its attributes: a rule that lives in a page cannot be reached by the CLI or a test.
"""

from __future__ import annotations

import ast

from tests.conftest import REPO_ROOT

COMPONENTS = REPO_ROOT / "components"
STORE_OWNER = COMPONENTS / "resources.py"


def _is_store_handle(node: ast.expr) -> bool:
    """`resources.store()`: the one way a component gets the store."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "store"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "resources"
    )


def _names_store(annotation: ast.expr) -> bool:
    return ast.unparse(annotation) in {"Store", "app.store.Store", "'Store'"}


def _store_names(tree: ast.AST) -> set[str]:
    """Names bound to the store: `store = resources.store()`, or a parameter annotated `Store`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_store_handle(node.value):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.arg) and node.annotation is not None and _names_store(node.annotation):
            names.add(node.arg)
    return names


def store_uses(source: str) -> list[tuple[int, str]]:
    """(line, code) of every attribute read or method call on the store in `source`."""
    tree = ast.parse(source)
    names = _store_names(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        target = node.value
        if _is_store_handle(target) or (isinstance(target, ast.Name) and target.id in names):
            found.append((node.lineno, ast.unparse(node)))
    return found


def test_the_check_sees_calls_attributes_and_bound_names() -> None:
    source = (
        "def page(store: Store) -> None:\n"
        "    store.rules()\n"
        "def other() -> None:\n"
        "    handle = resources.store()\n"
        "    handle.accounts()\n"
        "    print(resources.store().path)\n"
        "    rename_account(resources.store(), 'a', 'b')\n"
    )
    assert [line for line, _ in store_uses(source)] == [2, 5, 6]


def test_components_never_call_the_store_directly() -> None:
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {code}"
        for path in sorted(COMPONENTS.rglob("*.py"))
        if path != STORE_OWNER
        for line, code in store_uses(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "call an app/ service or a components/resources.py wrapper:\n" + "\n".join(
        offenders
    )
