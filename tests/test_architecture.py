"""The layer contract (docs/architecture.md), read from the source itself.

Every `import` of a `scraper` module anywhere in the package — at module level, inside a
function, under `if TYPE_CHECKING:` — goes to the importer's own layer or one below it; the
import graph has no cycle; and an import placed inside a function says why with a `# lazy:`
comment (start-up time), because a function-level import must never be a way to dodge a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "scraper"

# Lowest first. A module belongs to the first layer whose prefix names it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "foundation",
        ("scraper", "scraper.__main__", "scraper.errors", "scraper.urls", "scraper.timespec"),
    ),
    ("core", ("scraper.core",)),
    ("fetching", ("scraper.fetching",)),
    ("archive", ("scraper.archive",)),
    ("reports", ("scraper.reports",)),
    ("sources", ("scraper.sources",)),
    ("config", ("scraper.config",)),
    ("run", ("scraper.run",)),
    ("cli", ("scraper.cli",)),
)


@dataclass(frozen=True)
class Import:
    """One import of a scraper module by a scraper module."""

    importer: str
    imported: str
    line: int
    in_function: bool
    commented_lazy: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or (prefix != "scraper" and module.startswith(prefix + ".")):
                best = index
    if module == "scraper.__main__":
        return len(LAYERS) - 1  # `python -m scraper` is the command line
    if best is None:
        raise AssertionError(f"{module} is in no layer; add it to LAYERS and docs/architecture.md")
    return best


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The scraper module an import names (a `from x import y` may name submodule x.y)."""
    if name in modules:
        return name
    if name.startswith("scraper"):
        head = name.rsplit(".", 1)[0]
        return head if head in modules else None
    return None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    functions: list[tuple[int, int]] = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            target = _resolve(name, modules)
            if target is None or target == module:
                continue
            inside = any(start < node.lineno <= end for start, end in functions)
            yield Import(
                importer=module,
                imported=target,
                line=node.lineno,
                in_function=inside,
                commented_lazy=_says_lazy(lines, node.lineno, node.end_lineno or node.lineno),
            )


def _says_lazy(lines: list[str], first: int, last: int) -> bool:
    """Whether the import on lines `first`..`last` (1-based) carries a `# lazy:` comment, on
    its own lines or above the run of import lines it belongs to."""
    if any("# lazy:" in line for line in lines[first - 1 : last]):
        return True
    index = first - 2
    while index >= 0:
        text = lines[index].strip()
        if text.startswith("#"):
            return "# lazy:" in text
        if not (text.startswith(("from ", "import ", ")")) or text.endswith(",")):
            return False
        index -= 1
    return False


def _all_imports() -> list[Import]:
    modules = _modules()
    return [imp for module, path in modules.items() for imp in _imports(module, path, modules)]


def test_every_module_is_in_a_layer() -> None:
    for module in _modules():
        _layer(module)


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = sorted(
        {
            f"{imp.importer}:{imp.line} imports {imp.imported} "
            f"({LAYERS[_layer(imp.importer)][0]} -> {LAYERS[_layer(imp.imported)][0]})"
            for imp in _all_imports()
            if _layer(imp.imported) > _layer(imp.importer)
        }
    )
    assert upward == []


def test_the_import_graph_has_no_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for imp in _all_imports():
        graph.setdefault(imp.importer, set()).add(imp.imported)
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert [" -> ".join(c) for c in cycles] == []


def test_function_level_imports_say_why() -> None:
    silent = sorted(
        f"{imp.importer}:{imp.line} imports {imp.imported} inside a function without a "
        "`# lazy:` comment"
        for imp in _all_imports()
        if imp.in_function and not imp.commented_lazy
    )
    assert silent == []


@pytest.mark.parametrize("layer", [name for name, _ in LAYERS])
def test_the_architecture_doc_names_every_layer(layer: str) -> None:
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert f"`{layer}`" in doc or f"{layer}/" in doc or f"`{layer}.py`" in doc
