"""Which blocks of a page would change another block's names when the page runs as one script.

On the page, the transcripts share one namespace and each markdown-exec session has its own;
a download runs everything in one. A block that rebinds a name which a block of another
namespace reads later (``z`` in a figure block, then ``z`` in a transcript) changes what the
download prints. `clashes` finds such blocks by reading the code (standard library only).
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field


@dataclass
class Unit:
    """A block of code and the namespace that the page runs it in."""

    source: str
    namespace: str
    binds: dict[str, str] = field(default_factory=dict)  # name -> how ("import numpy", "")
    reads: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.binds, reads = _names(self.source)
        self.reads = reads - set(self.binds)  # read before the block binds them: approximately


def _names(source: str) -> tuple[dict[str, str], set[str]]:
    """Names bound at the top level (with the import that binds them) and names read."""
    tree = ast.parse(source)
    binds: dict[str, str] = {}
    reads = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            module = getattr(node, "module", None)
            for alias in node.names:
                name = (alias.asname or alias.name).partition(".")[0]
                binds[name] = (
                    f"from {module} import {alias.name}" if module else f"import {alias.name}"
                )
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            binds[node.name] = ""
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            binds[node.id] = ""
        elif not isinstance(
            node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
        ):
            for child in ast.iter_child_nodes(node):
                visit(child)

    visit(tree)
    return binds, reads


@dataclass
class Clash:
    """Block `reader` reads `name` of its own namespace, replaced before by block `writer`."""

    name: str
    writer: int
    reader: int


def clashes(units: list[Unit], isolated: set[int] | frozenset[int] = frozenset()) -> list[Clash]:
    """Every clash when `units` run in order in one namespace, except those of the `isolated`
    units, which run in a namespace of their own (a function)."""
    truth: dict[str, dict[str, tuple[int, str]]] = {}  # namespace -> name -> (unit, how)
    shared: dict[str, tuple[int, str]] = {}  # the download's one namespace
    found = []
    for i, unit in enumerate(units):
        own = truth.setdefault(unit.namespace, {})
        for name in sorted(unit.reads):
            expected = own.get(name, (-1, f"builtin {name}") if hasattr(builtins, name) else None)
            got = shared.get(name, (-1, f"builtin {name}") if hasattr(builtins, name) else None)
            if expected is None or got is None or i in isolated:
                continue
            same_import = expected[1] != "" and expected[1] == got[1]
            if got[0] != expected[0] and not same_import:
                found.append(Clash(name, got[0], i))
        for name, how in unit.binds.items():
            own[name] = (i, how)
            if i not in isolated:
                shared[name] = (i, how)
    return found
