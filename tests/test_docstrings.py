"""The public API's docstrings follow numpydoc, and their Examples run.

Checked: every public function, class, method and property of the modules in ``MODULES``
(public = listed in the module's ``__all__``, or, for a module without one, defined there with
a name that does not start with an underscore; methods and properties: defined in the class body
with such a name). Constants and type aliases are left out (they cannot carry a docstring).

``numpydoc.validate`` errors that fail the test (``ENFORCED``):

- GL08 no docstring; SS01 no summary; SS03 summary without final period; SS06 summary longer
  than one line;
- GL06 unknown section; GL07 sections in the wrong order;
- PR01 parameter not documented; PR02 documented parameter that does not exist; PR04 parameter
  without a type; PR07 parameter without a description; PR10 no space before the colon;
- RT01 no Returns section (for functions that return something); RT03 return value without a
  description;
- EX01 no Examples section (functions, methods and classes; properties are attributes and
  need only a one-line docstring).

Not enforced: style-only codes (capitalisation, final periods of descriptions, extended
summary, See Also, imperative mood of the summary). A class may document a constructor argument
under Attributes instead of Parameters (result types -- dataclasses, named tuples,
``SampleResults`` -- whose arguments become attributes of the same name): for classes the test
replaces PR01/PR02 by "every constructor argument is under Parameters or Attributes, and every
name under Parameters is a constructor argument".

The Examples are run as doctests with ``ELLIPSIS | NORMALIZE_WHITESPACE`` in a namespace that
has ``np`` (NumPy) and ``symhmc`` imported; every function, method and class needs at least one
example that is not skipped. A default written in a parameter's type line (``int, default 20``;
``64 MiB`` for byte counts) must equal the signature's default.
"""

from __future__ import annotations

import ast
import dataclasses
import doctest
import importlib
import importlib.util
import inspect
import re
import types

import numpy as np
import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")
from numpydoc.docscrape import NumpyDocString  # noqa: E402  (after the importorskip)

import symhmc  # noqa: E402

#: Modules whose public API is checked; add a module here once its docstrings follow numpydoc.
#: A value names the objects to check in a private module (which has no public ``__all__``).
MODULES: dict[str, list[str] | None] = {
    "symhmc.evaluate": None,
    "symhmc.evaluate.pointwise": None,
    "symhmc.evaluate.predictions": None,
    "symhmc.evaluate.scores": None,
    "symhmc.evaluate.ppd": None,
    "symhmc.diagnostics": None,
    "symhmc.diagnostics.convergence": None,
    "symhmc.bounds": None,
    "symhmc.baselines": None,
    "symhmc.baselines.ensemble": None,
    "symhmc.baselines.laplace": None,
    "symhmc.sampling.checkpoint": None,
    "symhmc.model": None,
    "symhmc.sampling": None,
    "symhmc.results": None,
    "symhmc.evaluate.compare": None,
    "symhmc.sampling.chain_rules": None,
    "symhmc.diagnostics.summary": None,
    "symhmc.utils.scaling": ["DataScaleWarning"],
    "symhmc": None,
    "symhmc.results.io": None,
    "symhmc.datasets": None,
    "symhmc.results.arviz_export": None,
    "symhmc.plots": None,
    "symhmc.reproduce": None,
    "symhmc.cli": None,
    "symhmc.sklearn": None,
    "symhmc.symmetry": None,
}

#: Optional packages a module's examples need: without them its objects are still checked by
#: numpydoc (when the module imports) but their examples are skipped, with the reason.
OPTIONAL = {
    "symhmc.plots": ["matplotlib"],
    "symhmc.results.arviz_export": ["xarray"],  # the examples build a DataTree: no ArviZ needed
    "symhmc.sklearn": ["sklearn"],
    "symhmc.symmetry.modes": ["sklearn"],  # find_modes clusters with scikit-learn
}

#: Objects another module's rewrite owns for now (checked once that rewrite lands).
EXCLUDED = {"symhmc.results.sample_results.SampleResults.to_arviz"}

ENFORCED = {
    "GL06",
    "GL07",
    "GL08",
    "SS01",
    "SS03",
    "SS06",
    "PR01",
    "PR02",
    "PR04",
    "PR07",
    "PR10",
    "RT01",
    "RT03",
    "EX01",
}
# Properties are documented as attributes: a one-line docstring, no Examples or Returns needed.
ENFORCED_PROPERTY = {"GL08", "SS01", "SS03", "SS06"}
FIELD_CODES = {"PR01", "PR02"}


def _is_documentable(obj) -> bool:
    return inspect.isfunction(obj) or inspect.isclass(obj)


def _module_names(module, names):
    if names is not None:
        return names
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        n
        for n, o in vars(module).items()
        if not n.startswith("_") and _is_documentable(o) and getattr(o, "__module__", None) == module.__name__
    ]


def _class_members(cls):
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if inspect.isfunction(member) or isinstance(member, property):
            yield name, member


def _defined_in(obj, module) -> bool:
    """Whether ``obj`` is defined in ``module`` or, for a subpackage, in one of its submodules.

    The package root ``symhmc`` only re-exports: its names count where they are defined (in a
    module of ``MODULES``), so that nothing is checked twice or by the wrong rule.
    """
    defined = getattr(obj, "__module__", None) or ""
    if defined == module.__name__:
        return True
    is_subpackage = hasattr(module, "__path__") and "." in module.__name__
    return is_subpackage and defined.startswith(module.__name__ + ".")


def _import_checked(module_name: str):
    """The module, or None when it needs an optional package that is not installed."""
    try:
        return importlib.import_module(module_name)
    except ImportError:
        if module_name in OPTIONAL:
            return None  # e.g. symhmc.sklearn without scikit-learn: nothing of it to check
        raise


def collect_public_api() -> dict[str, object]:
    """Dotted path (module where defined + qualified name) -> object, deduplicated."""
    found: dict[str, object] = {}
    checked = set(MODULES)
    for module_name, names in MODULES.items():
        module = _import_checked(module_name)
        if module is None:
            continue
        for name in _module_names(module, names):
            obj = getattr(module, name)
            if not _is_documentable(obj):
                continue  # constants, type aliases, submodules
            if getattr(obj, "__module__", None) not in checked and not _defined_in(obj, module):
                continue  # objects of modules not (yet) checked
            path = f"{obj.__module__}.{obj.__qualname__}"
            found[path] = obj
            if inspect.isclass(obj):
                for member_name, member in _class_members(obj):
                    found[f"{path}.{member_name}"] = member
    return {path: obj for path, obj in sorted(found.items()) if path not in EXCLUDED}


PUBLIC_API = collect_public_api()


def _constructor_arguments(cls) -> list[str]:
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls) if f.init]
    if hasattr(cls, "_fields"):  # named tuple
        return list(cls._fields)
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):  # no introspectable signature
        return []
    return [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _documented(cls, section: str) -> set[str]:
    names = set()
    for item in NumpyDocString(inspect.getdoc(cls) or "")[section]:
        names.update(n.strip().lstrip("*") for n in item.name.split(","))
    return names


def _class_argument_errors(cls) -> list[str]:
    arguments = _constructor_arguments(cls)
    params = _documented(cls, "Parameters")
    errors = []
    missing = [a for a in arguments if a not in params | _documented(cls, "Attributes")]
    if missing:
        errors.append(f"constructor arguments {missing} are under neither Parameters nor Attributes")
    unknown = sorted(params - set(arguments) - {"args", "kwargs"})
    if unknown:
        errors.append(f"Parameters lists {unknown}, which are not constructor arguments")
    return errors


def test_collects_the_public_api():
    # Guards the collector itself: an empty or partial collection would pass everything.
    assert "symhmc.sampling.api.sample" in PUBLIC_API
    assert "symhmc.results.sample_results.SampleResults.predict" in PUBLIC_API
    assert "symhmc.utils.scaling.DataScaleWarning" in PUBLIC_API
    assert "symhmc.results.sample_results.SampleResults.to_arviz" not in PUBLIC_API
    # Subpackages: their objects are checked where they are defined, once.
    assert "symhmc.datasets._paper.load" in PUBLIC_API
    assert "symhmc.results.io.load" in PUBLIC_API and "symhmc.load" not in PUBLIC_API
    assert "symhmc.symmetry.transforms.Transform.compose" in PUBLIC_API
    assert "symhmc.symmetry.modes.find_modes" in PUBLIC_API and "symhmc.symmetry.find_modes" not in PUBLIC_API
    assert not any(path.split(".")[-1].startswith("_") for path in PUBLIC_API)
    assert len(PUBLIC_API) > 60


@pytest.mark.parametrize("path", list(PUBLIC_API))
def test_numpydoc(path):
    obj = PUBLIC_API[path]
    enforced = ENFORCED_PROPERTY if isinstance(obj, property) else ENFORCED
    if inspect.isclass(obj):
        enforced = enforced - FIELD_CODES
    result = numpydoc_validate.validate(path)
    errors = [f"{code}: {message}" for code, message in result["errors"] if code in enforced]
    if inspect.isclass(obj):
        errors += _class_argument_errors(obj)
    assert not errors, f"{path} ({result['file']}:{result['file_line']}):\n" + "\n".join(errors)


def _documented_default(text: str):
    """The value of a ``default X`` in a parameter's type line (``64 MiB`` is ``64 * 2**20``)."""
    mib = re.fullmatch(r"(\d+) MiB", text)
    if mib:
        return int(mib.group(1)) * 2**20
    return ast.literal_eval(text)


def _has_signature(obj) -> bool:
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        return False
    try:
        inspect.signature(obj)
    except (TypeError, ValueError):  # built-in constructors (exceptions, dict)
        return False
    return True


SIGNED = [path for path, obj in PUBLIC_API.items() if _has_signature(obj)]


@pytest.mark.parametrize("path", SIGNED)
def test_documented_defaults_match_the_signature(path):
    obj = PUBLIC_API[path]
    params = inspect.signature(obj).parameters
    wrong = []
    for item in NumpyDocString(inspect.getdoc(obj) or "")["Parameters"]:
        found = re.search(r"default (.+)$", item.type)
        if not found:
            continue
        for name in (n.strip() for n in item.name.split(",")):
            if name in params and _documented_default(found.group(1)) != params[name].default:
                wrong.append(f"{name}: documented {found.group(1)}, signature {params[name].default!r}")
    assert not wrong, f"{path}: " + "; ".join(wrong)


def _doctests(path):
    obj = PUBLIC_API[path]
    finder = doctest.DocTestFinder(recurse=False)
    globs = {"np": np, "symhmc": symhmc}
    return [test for test in finder.find(obj, path, module=False, globs=globs) if test.examples]


DOCTESTED = [path for path in PUBLIC_API if _doctests(path)]


def test_examples_are_code():
    # EX01 asks for an Examples section; here it must hold at least one ``>>>`` example that is
    # not skipped (properties are exempt: they are documented as attributes).
    prose_only = []
    for path, obj in PUBLIC_API.items():
        if isinstance(obj, property):
            continue
        examples = [ex for test in _doctests(path) for ex in test.examples]
        if not any(not ex.options.get(doctest.SKIP, False) for ex in examples):
            prose_only.append(path)
    assert not prose_only, f"no runnable example in {prose_only}"


def _missing_optional(path: str) -> list[str]:
    """The optional packages that the examples of ``path``'s module need and that are absent."""
    needed = [pkg for module, pkgs in OPTIONAL.items() if path.startswith(module + ".") for pkg in pkgs]
    return [pkg for pkg in needed if importlib.util.find_spec(pkg) is None]


@pytest.mark.parametrize("path", DOCTESTED)
def test_examples_run(path):
    missing = _missing_optional(path)
    if missing:
        pytest.skip(f"the examples of {path} need {', '.join(missing)}, which is not installed")
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    failures = []
    for test in _doctests(path):
        out: list[str] = []
        result = runner.run(test, out=out.append, clear_globs=True)
        if result.failed:
            failures.append("".join(out))
    assert not failures, "\n".join(failures)


def test_optional_packages_are_looked_up_by_module():
    # The skip above must match the module of a path, and only packages that are really absent.
    OPTIONAL["symhmc.not_a_module"] = ["numpy", "symhmc_no_such_package"]
    try:
        assert _missing_optional("symhmc.not_a_module.f") == ["symhmc_no_such_package"]
        assert _missing_optional("symhmc.not_a_module_either.f") == []
    finally:
        del OPTIONAL["symhmc.not_a_module"]


def test_doctest_runner_reports_failures():
    # The runner above must see a wrong output as a failure (otherwise every example passes).
    bad = types.FunctionType((lambda: None).__code__, {})
    bad.__doc__ = ">>> 1 + 1\n3\n"
    test = doctest.DocTestFinder().find(bad, "bad", module=False, globs={})[0]
    result = doctest.DocTestRunner().run(test, out=lambda s: None)
    assert result.failed == 1
