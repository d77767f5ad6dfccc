"""The package's layout rules, read from the source with ``ast`` (nothing is imported):

- no import cycle among the modules of ``python/symhmc``, counting every import (at module
  level and inside functions) and the package ``__init__`` that importing a module of another
  subpackage runs first;
- no private name crosses a subpackage: a module, function or constant whose name starts with
  an underscore is imported (or read as ``module._name``) only inside the subpackage that
  holds it (for a top-level private module: only by the other top-level modules). The one
  exception is the compiled extension ``symhmc._core``, whose name the build fixes.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "symhmc"
#: Private modules any module may import: the compiled core (its name is set by CMakeLists.txt).
SHARED_PRIVATE = {"symhmc._core"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _scan():
    """(modules, packages): module name -> its source path; the names that are packages."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    for stub in PACKAGE.rglob("*.pyi"):  # compiled modules: known by their stub
        modules.setdefault(_module_name(stub), None)
    packages = {_module_name(p) for p in PACKAGE.rglob("__init__.py")}
    return modules, packages


MODULES, PACKAGES = _scan()


class Import:
    """One imported name: ``module`` (a module of the package) and ``name`` (an attribute of
    it, or None when the module itself is imported); ``line`` where."""

    def __init__(self, module: str, name: str | None, line: int):
        self.module, self.name, self.line = module, name, line


def _existing_module(dotted: str) -> str:
    while dotted not in MODULES and "." in dotted:
        dotted = dotted.rpartition(".")[0]
    return dotted


def imports_of(module: str) -> list[Import]:
    """Every import of a package module in ``module``'s source, with ``alias._name`` reads of an
    imported module counted as imports of ``_name``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module if module in PACKAGES else module.rpartition(".")[0]
    found: list[Import] = []
    aliases: dict[str, str] = {}  # local name -> package module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "symhmc":
                    target = _existing_module(a.name)
                    found.append(Import(target, None, node.lineno))
                    if a.asname:
                        aliases[a.asname] = target
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            if source.split(".")[0] != "symhmc":
                continue
            for a in node.names:
                submodule = f"{source}.{a.name}"
                if submodule in MODULES:
                    found.append(Import(submodule, None, node.lineno))
                    aliases[a.asname or a.name] = submodule
                else:
                    found.append(Import(_existing_module(source), a.name, node.lineno))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(Import(aliases[node.value.id], node.attr, node.lineno))
    return found


def _subpackage(module: str) -> str:
    """The first-level subpackage a module belongs to ('' for the root and top-level modules)."""
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and module in PACKAGES):
        return parts[1]
    return ""


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        if path is None:
            continue
        for imp in imports_of(module):
            targets = {imp.module}
            # importing a.b.c from outside package a.b runs a.b's __init__ first (the root's is
            # left out: every module is imported through it)
            parts = imp.module.split(".")
            for k in range(2, len(parts)):
                parent = ".".join(parts[:k])
                if not (module == parent or module.startswith(parent + ".")):
                    targets.add(parent)
            graph[module] |= targets - {module}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def private_crossings() -> list[str]:
    """``importer:line imports owner-path`` for every private name used outside its subpackage."""
    bad = []
    for module, path in sorted(MODULES.items()):
        if path is None:
            continue
        for imp in imports_of(module):
            dotted = imp.module + (f".{imp.name}" if imp.name else "")
            parts = dotted.split(".")
            private = next((k for k, p in enumerate(parts) if p.startswith("_") and not p.startswith("__")), None)
            if private is None:
                continue
            holder = _existing_module(".".join(parts[: private + 1]))
            if holder in SHARED_PRIVATE:
                continue
            # the scope that holds the private name: the subpackage of the module it is in
            owner = _subpackage(".".join(parts[:private])) if private > 1 else ""
            if owner != _subpackage(module):
                bad.append(f"{module}:{imp.line} uses {dotted}")
    return bad


def test_the_source_is_found():
    assert "symhmc.sampling.api" in MODULES and "symhmc._core" in MODULES
    assert len(MODULES) > 50


def test_no_import_cycle():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_no_private_name_crosses_a_subpackage():
    bad = private_crossings()
    assert not bad, "private names used outside their subpackage:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    "source, expect_cycle",
    [
        ({"a": "from . import b", "b": "def f():\n    from . import a"}, True),  # function-level counts
        ({"a": "from . import b", "b": "import numpy"}, False),
    ],
)
def test_cycle_finder_sees_function_level_imports(tmp_path, monkeypatch, source, expect_cycle):
    # Guards the checker itself on a tiny package: a cycle through a function-level import.
    pkg = tmp_path / "symhmc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name, text in source.items():
        (pkg / f"{name}.py").write_text(text + "\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    modules, packages = _scan()
    monkeypatch.setattr(sys.modules[__name__], "MODULES", modules)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGES", packages)
    assert bool(find_cycles(import_graph())) == expect_cycle


def test_private_checker_flags_a_crossing(tmp_path, monkeypatch):
    pkg = tmp_path / "symhmc"
    for folder in ("one", "two"):
        (pkg / folder).mkdir(parents=True)
        (pkg / folder / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "one" / "_helper.py").write_text("def run():\n    pass\n")
    (pkg / "one" / "api.py").write_text("from . import _helper\n")  # inside its subpackage: fine
    (pkg / "two" / "user.py").write_text("from ..one import api\n\ndef f():\n    return api._helper\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    modules, packages = _scan()
    monkeypatch.setattr(sys.modules[__name__], "MODULES", modules)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGES", packages)
    assert private_crossings() == ["symhmc.two.user:4 uses symhmc.one.api._helper"]


# ----- old module paths ------------------------------------------------------------------------
def _forget(monkeypatch, symhmc, old: str) -> None:
    """Make the next import of ``symhmc.<old>`` go through the alias finder again."""
    if old in vars(symhmc):  # (hasattr would import it: the package's __getattr__)
        monkeypatch.delattr(symhmc, old)
    monkeypatch.delitem(sys.modules, f"symhmc.{old}", raising=False)


def test_moved_modules_import_under_their_old_names(monkeypatch):
    import importlib
    import warnings

    import symhmc

    assert symhmc._MOVED, "the table of moved modules is empty"
    for old, moved in symhmc._MOVED.items():
        _forget(monkeypatch, symhmc, old)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = importlib.import_module(f"symhmc.{old}")
        assert module is importlib.import_module(moved.new)
        assert module.__spec__.name == moved.new  # the moved module keeps its own spec
        deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
        if moved.deprecated:
            assert len(deprecations) == 1 and f"symhmc.{old} is deprecated" in str(deprecations[0].message)
            assert deprecations[0].filename == __file__  # points at the caller, not the import system
        else:
            assert not deprecations, [str(w.message) for w in deprecations]


def test_old_module_names_as_attributes(monkeypatch):
    import symhmc

    _forget(monkeypatch, symhmc, "summary")
    with pytest.warns(DeprecationWarning, match="symhmc.summary is deprecated") as record:
        summary = symhmc.summary.summary
    assert summary is symhmc.diagnostics.summary.summary
    assert record[0].filename == __file__  # points at the line that used the old name
    # the README's imports: kept for good, no warning
    from symhmc.ppd import ppd_convergence

    assert ppd_convergence is symhmc.evaluate.ppd.ppd_convergence
    assert symhmc.scores is symhmc.evaluate.scores and symhmc.ppd is symhmc.evaluate.ppd
