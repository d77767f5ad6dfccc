"""What the package says about itself: one version everywhere, licence notices for what the wheel
holds, project metadata, an sdist without the benchmarks and CI scripts, and a build backend that
asks for the pinned Eigen package only where CMake finds no Eigen.

The sdist and backend tests need scikit-build-core importable (pip install scikit-build-core: pip
builds in an isolated environment, so installing symhmc does not leave it behind) and a source
checkout; they skip otherwise.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import symhmc

ROOT = Path(__file__).resolve().parents[1]
NOTICES = [
    "LICENSES/THIRD_PARTY_NOTICES.md",
    "LICENSES/pybind11-BSD-3-Clause.txt",
    "LICENSES/Eigen-MPL-2.0.txt",
    "LICENSES/libgomp-GPL-3.0.txt",
    "LICENSES/libgomp-GCC-exception-3.1.txt",
]


def _pyproject_version() -> str | None:
    pyproject = ROOT / "pyproject.toml"
    if not pyproject.is_file():
        return None
    m = re.search(r'^version = "([^"]+)"', pyproject.read_text(), re.M)  # the line CMakeLists.txt reads
    assert m, "pyproject.toml has no version line"
    return m.group(1)


def test_one_version_everywhere():
    metadata = importlib.metadata.version("symhmc")
    assert symhmc.__version__ == metadata
    assert symhmc._core.__version__ == metadata  # compiled in from symhmc/version.hpp
    source = _pyproject_version()
    if source is not None:
        # a mismatch means either a spelling the metadata normalizes (write it as PEP 440 does,
        # e.g. 0.2.0rc1) or an installed build older than this checkout (reinstall)
        assert source == metadata, f"pyproject.toml says {source}, the installed package {metadata}"


def test_the_wheel_carries_the_third_party_notices():
    dist = importlib.metadata.distribution("symhmc")
    assert sorted(dist.metadata.get_all("License-File") or []) == sorted(["LICENSE", *NOTICES])
    expression = dist.metadata["License-Expression"]
    for part in ("MIT", "BSD-3-Clause", "MPL-2.0", "GPL-3.0-or-later WITH GCC-exception-3.1"):
        assert part in expression, expression
    installed = {str(f) for f in dist.files or []}
    for name in ["LICENSE", *NOTICES]:
        assert f"symhmc-{dist.version}.dist-info/licenses/{name}" in installed, sorted(installed)
    notices = Path(dist.locate_file(f"symhmc-{dist.version}.dist-info/licenses/LICENSES/THIRD_PARTY_NOTICES.md"))
    assert all(Path(name).name in notices.read_text() for name in NOTICES[1:])


def test_project_metadata():
    meta = importlib.metadata.metadata("symhmc")
    assert meta.get_all("Project-URL"), "no Project-URL"
    classifiers = meta.get_all("Classifier") or []
    assert "Programming Language :: C++" in classifiers and "Typing :: Typed" in classifiers, classifiers
    # the Python versions listed start at the oldest Requires-Python allows
    oldest = re.fullmatch(r">=3\.(\d+)", meta["Requires-Python"])
    assert oldest, meta["Requires-Python"]
    minors = sorted(
        int(c.rsplit(".", 1)[1]) for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    assert minors and minors[0] == int(oldest.group(1)), minors
    # PEP 639: with License-Expression, licence classifiers are not allowed
    assert not any(c.startswith("License ::") for c in classifiers), classifiers


def _needs_source_and_scikit_build_core() -> None:
    if not (ROOT / "pyproject.toml").is_file() or not (ROOT / "build_backend").is_dir():
        pytest.skip("needs a source checkout")
    if importlib.util.find_spec("scikit_build_core") is None:
        pytest.skip("scikit-build-core is not installed (pip install scikit-build-core)")


def _backend():
    spec = importlib.util.spec_from_file_location(
        "symhmc_build_backend", ROOT / "build_backend" / "symhmc_build_backend.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sdist_leaves_out_benchmarks_and_ci(tmp_path):
    _needs_source_and_scikit_build_core()
    script = (
        "import sys; sys.path.insert(0, 'build_backend'); import symhmc_build_backend as b; "
        f"print(b.build_sdist({str(tmp_path)!r}))"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sdist = tmp_path / proc.stdout.strip().splitlines()[-1]
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
        pkg_info = tar.extractfile(next(m for m in tar.getmembers() if m.name.endswith("/PKG-INFO"))).read().decode()
    assert not [n for n in names if n.startswith(("bench/", ".ci/"))], sorted(names)
    for needed in [
        "pyproject.toml",
        "CMakeLists.txt",
        "LICENSE",
        *NOTICES,
        "build_backend/symhmc_build_backend.py",
        "cpp/include/symhmc/version.hpp.in",
        "cmake/symhmc.pc.in",
        "cmake/symhmcConfig.cmake.in",
        "python/symhmc/__init__.py",
        "examples/embed/main.cpp",
        "tests/test_cpp_library.py",
    ]:
        assert needed in names, needed
    assert "License-File: LICENSES/libgomp-GCC-exception-3.1.txt" in pkg_info


def _eigen_prefix() -> str | None:
    """An Eigen CMake can be pointed at: the cmeel-eigen package's prefix (the test extra installs it)."""
    for entry in sys.path:
        prefix = Path(entry or ".") / "cmeel.prefix"
        if (prefix / "share" / "eigen3" / "cmake" / "Eigen3Config.cmake").is_file():
            return str(prefix)
    return None


def test_the_backend_asks_for_cmeel_eigen_only_without_an_eigen(monkeypatch, tmp_path):
    _needs_source_and_scikit_build_core()
    backend = _backend()
    # No cmake to probe with (a fresh machine before pip installs one): the pinned package.
    monkeypatch.setenv("PATH", str(tmp_path))
    assert backend.EIGEN_FALLBACK in backend.get_requires_for_build_wheel()
    assert backend.EIGEN_FALLBACK in backend.get_requires_for_build_editable()
    assert backend.EIGEN_FALLBACK not in backend.get_requires_for_build_sdist()
    monkeypatch.undo()

    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed")
    prefix = _eigen_prefix()
    if prefix is None:
        pytest.skip("no Eigen to point CMake at (pip install cmeel-eigen==3.4.1)")
    # An Eigen CMake finds, through the environment or a -C cmake.define setting: nothing more.
    monkeypatch.setenv("CMAKE_PREFIX_PATH", prefix)
    assert backend.EIGEN_FALLBACK not in backend.get_requires_for_build_wheel()
    monkeypatch.delenv("CMAKE_PREFIX_PATH")
    eigen_dir = str(Path(prefix) / "share" / "eigen3" / "cmake")
    assert backend.EIGEN_FALLBACK not in backend.get_requires_for_build_wheel({"cmake.define.Eigen3_DIR": eigen_dir})
