"""The type stub python/symhmc/_core.pyi matches the compiled module symhmc._core.

Fails when a binding is added, removed or renamed, or an argument name/default changes, without
updating the stub. Signatures are read from the first docstring line pybind11 writes for every
function, method and constructor.
"""

from __future__ import annotations

import ast
import inspect
import types
from pathlib import Path

import pytest

import symhmc
from symhmc import _core

STUB = Path(symhmc.__file__).with_name("_core.pyi")


def _public(name: str) -> bool:
    return not name.startswith("_")


@pytest.fixture(scope="module")
def stub() -> ast.Module:
    assert STUB.is_file(), f"missing {STUB}"
    return ast.parse(STUB.read_text(), filename=str(STUB))


def _top_level(tree: ast.Module) -> dict[str, list[ast.AST]]:
    """Public top-level names of the stub -> their definitions (several for @overload)."""
    out: dict[str, list[ast.AST]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        else:
            continue
        for name in names:
            if _public(name):
                out.setdefault(name, []).append(node)
    return out


def _members(cls: ast.ClassDef) -> dict[str, list[ast.FunctionDef]]:
    out: dict[str, list[ast.FunctionDef]] = {}
    for node in cls.body:
        if isinstance(node, ast.FunctionDef):
            out.setdefault(node.name, []).append(node)
    return out


def _is_property(fn: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "property" for d in fn.decorator_list)


def _split_top(s: str) -> list[str]:
    """Split at commas outside brackets and quotes."""
    parts, depth, quote, cur = [], 0, None, ""
    for ch in s:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def _bound_params(obj, name: str) -> list[tuple[str, object]]:
    """[(name, default or inspect.Parameter.empty)] from pybind11's signature line; '*' marks
    keyword-only; self is dropped."""
    line = (obj.__doc__ or "").lstrip().splitlines()[0]
    assert line.startswith(name + "("), f"no pybind11 signature in {name}.__doc__: {line!r}"
    depth, end = 0, None
    for i, ch in enumerate(line):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch == ")":
            end = i
            break
    out = []
    for part in _split_top(line[len(name) + 1 : end]):
        head, eq, default_repr = part.partition(" = ")  # "name: type = default"
        pname = head.partition(":")[0].strip()
        default = ast.literal_eval(default_repr.strip()) if eq else inspect.Parameter.empty
        if pname != "self":
            out.append((pname, default))
    return out


def _stub_params(fn: ast.FunctionDef) -> list[tuple[str, object]]:
    a = fn.args
    assert not a.posonlyargs and a.vararg is None and a.kwarg is None, fn.name
    positional = a.args
    pos_defaults = [inspect.Parameter.empty] * (len(positional) - len(a.defaults)) + list(a.defaults)
    out = [(p.arg, d) for p, d in zip(positional, pos_defaults)]
    if a.kwonlyargs:
        out.append(("*", inspect.Parameter.empty))
        out += [(p.arg, d if d is not None else inspect.Parameter.empty) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    out = [(n, d if d is inspect.Parameter.empty else ast.literal_eval(d)) for n, d in out]
    return [(n, d) for n, d in out if n != "self"]


def _check_signature(live, name: str, fns: list[ast.FunctionDef]) -> None:
    # With @overload the last variant is the general one and carries the bound defaults.
    expected = _bound_params(live, name)
    got = _stub_params(fns[-1])
    assert got == expected, f"{name}: stub {got} != bound {expected}"
    for fn in fns:  # every variant uses the bound names in the bound order
        assert [n for n, _ in _stub_params(fn) if n != "*"] == [n for n, _ in expected if n != "*"], fn.name


def _docstring(node) -> str | None:
    return ast.get_docstring(node)


def test_top_level_names_match(stub):
    live = {n for n in dir(_core) if _public(n)}
    declared = set(_top_level(stub))
    assert declared == live, (
        f"in module, not in stub: {sorted(live - declared)}; in stub, not in module: {sorted(declared - live)}"
    )


def test_kinds_match(stub):
    for name, nodes in _top_level(stub).items():
        obj = getattr(_core, name)
        node = nodes[0]
        if isinstance(node, ast.ClassDef):
            assert isinstance(obj, type), name
        elif isinstance(node, ast.FunctionDef):
            assert callable(obj) and not isinstance(obj, type), name
        elif isinstance(obj, types.ModuleType):  # a submodule: typed by a stub class of ModuleType
            stub_class = _top_level_classes(stub).get(ast.unparse(node.annotation))
            assert stub_class is not None and "ModuleType" in [ast.unparse(b) for b in stub_class.bases], name
        else:
            assert not callable(obj), name
            ann = ast.unparse(node.annotation)
            if ann.startswith("Final[") and ann.endswith("]"):
                ann = ann[len("Final[") : -1]
            # dict[str, str] is a dict: parameters of a generic are not checked
            assert type(obj).__name__ == ann.split("[", 1)[0], f"{name}: stub says {ann}, value is {obj!r}"


def test_base_classes_match(stub):
    for name, nodes in _top_level(stub).items():
        if isinstance(nodes[0], ast.ClassDef):
            bases = [ast.unparse(b) for b in nodes[0].bases]
            live = [b.__name__ for b in getattr(_core, name).__bases__ if b.__module__ == _core.__name__]
            assert bases == live, f"{name}: stub bases {bases}, live {live}"


def test_class_members_match(stub):
    for name, nodes in _top_level(stub).items():
        if not isinstance(nodes[0], ast.ClassDef):
            continue
        cls = getattr(_core, name)
        members = _members(nodes[0])
        # own public members of the stub class exist on the live class, as the same kind
        for mname, fns in members.items():
            if not _public(mname):
                continue
            assert hasattr(cls, mname), f"stub declares {name}.{mname}, the module does not"
            attr = inspect.getattr_static(cls, mname)
            if _is_property(fns[0]):
                assert isinstance(attr, property), f"{name}.{mname} is a property in the stub only"
            else:
                assert not isinstance(attr, property), f"{name}.{mname} is a property in the module"
        # and every public live member is declared on the class or one of its stub bases
        declared = set()
        for klass in cls.__mro__:
            if klass.__name__ in _top_level(stub) and klass.__module__ == _core.__name__:
                declared |= {m for m in _members(_top_level(stub)[klass.__name__][0]) if _public(m)}
        live = {m for m in dir(cls) if _public(m)}
        assert live == declared, (
            f"{name}: in module, not in stub: {sorted(live - declared)}; "
            f"in stub, not in module: {sorted(declared - live)}"
        )


def test_constructors_match(stub):
    for name, nodes in _top_level(stub).items():
        if not isinstance(nodes[0], ast.ClassDef):
            continue
        cls = getattr(_core, name)
        init = _members(nodes[0]).get("__init__")
        has_live_init = "__init__" in vars(cls) and (cls.__init__.__doc__ or "").startswith("__init__(")
        assert (init is not None) == has_live_init, (
            f"{name}: constructor in stub {init is not None}, in module {has_live_init}"
        )
        if init:
            _check_signature(cls.__init__, "__init__", init)


def test_signatures_match(stub):
    for name, nodes in _top_level(stub).items():
        if isinstance(nodes[0], ast.FunctionDef):
            _check_signature(getattr(_core, name), name, nodes)
        elif isinstance(nodes[0], ast.ClassDef):
            cls = getattr(_core, name)
            for mname, fns in _members(nodes[0]).items():
                if _public(mname) and not _is_property(fns[0]):
                    _check_signature(getattr(cls, mname), mname, fns)


def test_everything_documented(stub):
    assert _docstring(stub)
    for name, nodes in _top_level(stub).items():
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert _docstring(node), f"{name} has no docstring in the stub"
            if isinstance(node, ast.ClassDef):
                for fns in _members(node).values():
                    for fn in fns:
                        assert _docstring(fn), f"{name}.{fn.name} has no docstring in the stub"


def _top_level_classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    """Every top-level class of the stub, private ones included."""
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def test_the_testing_submodule_matches_its_stub_class(stub):
    declared = {
        node.name: node for node in _top_level_classes(stub)["_TestingModule"].body if isinstance(node, ast.ClassDef)
    }
    assert set(declared) == {n for n in dir(_core.testing) if _public(n)}
    base_members = {m for m in _members(_top_level(stub)["Target"][0]) if _public(m)}
    for name, node in declared.items():
        cls = getattr(_core.testing, name)
        assert [b.__name__ for b in cls.__bases__] == [ast.unparse(b) for b in node.bases]
        members = _members(node)
        assert {m for m in dir(cls) if _public(m)} == {m for m in members if _public(m)} | base_members
        for mname, fns in members.items():
            attr = inspect.getattr_static(cls, mname)
            assert isinstance(attr, property) == _is_property(fns[0]), f"{name}.{mname}"
            assert _docstring(fns[0]), f"{name}.{mname} has no docstring in the stub"
        _check_signature(cls.__init__, "__init__", members["__init__"])


def test_marker_and_stub_ship_with_package():
    pkg = Path(symhmc.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert (pkg / "_core.pyi").is_file()
