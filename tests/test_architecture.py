"""How the code is built, measured: the package's imports form no cycle, and the built-in templates
print more and compute less. `python tests/test_architecture.py` prints the template counts.

The counts are a ratchet: each may fall (lower its bound here when it does), never rise. The targets
are where presentation as data ends: templates that only print records a view in Python made.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lstm_latex"
TEMPLATES = PACKAGE / "templates"

# What a template should not do, as a pattern, with the most it may do now (lowered as it falls:
# the issue found 11, 5, 19, 104 and 156) and the target.
PATTERNS: dict[str, tuple[str, int, int]] = {
    "a gate picked by position (cell.gates[0])": (r"gates\[\d\]", 0, 0),
    'LaTeX compared as a string (fn == "\\\\...")': (r"[!=]=\s*[\"']\\", 0, 0),
    "a map filter": (r"\|\s*map\b", 0, 0),
    "a set statement": (r"\(\(\*-?\s*set\b", 30, 30),
    "an if or elif tag": (r"\(\(\*-?\s*(?:if|elif)\b", 49, 70),
}
REPEATED = (0, 0)  # pairs of templates sharing a block of six non-blank lines: today, and the target
BLOCK = 6


def _templates() -> dict[str, str]:
    return {path.relative_to(TEMPLATES).as_posix(): path.read_text("utf-8") for path in sorted(TEMPLATES.rglob("*.j2"))}


def counts() -> dict[str, int]:
    """Each pattern's occurrences over every built-in template."""
    texts = _templates().values()
    return {what: sum(len(re.findall(pattern, text)) for text in texts) for what, (pattern, _, _) in PATTERNS.items()}


def repeated_pairs() -> list[tuple[str, str]]:
    """The pairs of templates that share a block of BLOCK consecutive non-blank lines (spaces aside)."""

    def blocks(text: str) -> set[tuple[str, ...]]:
        lines = [line.strip() for line in text.splitlines()]
        windows = (tuple(lines[k : k + BLOCK]) for k in range(len(lines) - BLOCK + 1))
        return {window for window in windows if all(window)}

    shown = {name: blocks(text) for name, text in _templates().items()}
    return [(a, b) for a, b in itertools.combinations(shown, 2) if shown[a] & shown[b]]


@pytest.mark.parametrize("what", sorted(PATTERNS))
def test_the_templates_compute_no_more_than_they_did(what: str) -> None:
    assert counts()[what] <= PATTERNS[what][1]


def test_no_more_templates_repeat_each_other() -> None:
    assert len(repeated_pairs()) <= REPEATED[0]


def _imports(path: Path, module: str) -> set[str]:
    """The package's modules ``module`` imports anywhere: at its top level, inside a function (when
    it runs) and under TYPE_CHECKING (for the types alone)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ImportFrom) and child.level:
                base = package.rsplit(".", child.level - 1)[0] if child.level > 1 else package
                target = f"{base}.{child.module}" if child.module else base
                found.update(f"{target}.{alias.name}" for alias in child.names)
                found.add(target)
            visit(child)

    visit(ast.parse(path.read_text("utf-8")))
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    # not even inside a function or for types: the layers read downwards only
    modules = {
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): path
        for path in PACKAGE.rglob("*.py")
    }
    graph = {name: _imports(path, name) & modules.keys() - {name} for name, path in modules.items()}
    done: set[str] = set()

    def cycle_from(name: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
        if name in path:
            return (*path[path.index(name) :], name)
        if name in done:
            return None
        for imported in sorted(graph[name]):
            if name.startswith(imported + "."):  # a submodule reads its package's __init__ only once loaded
                continue
            found = cycle_from(imported, (*path, name))
            if found:
                return found
        done.add(name)
        return None

    for name in sorted(graph):
        assert cycle_from(name, ()) is None


if __name__ == "__main__":
    for what, count in counts().items():
        print(f"{what}: {count} (at most {PATTERNS[what][1]}, target {PATTERNS[what][2]})")
    pairs = repeated_pairs()
    print(f"pairs of templates sharing {BLOCK} lines: {len(pairs)} (target {REPEATED[1]}): {pairs}")
