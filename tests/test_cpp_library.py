"""The C++ library on its own: build it without Python, run its C++ tests (ctest), install it and
build and run examples/embed against the installed package (find_package(symhmc) -> symhmc::core).

Skipped when cmake, a C++ compiler or Eigen is missing. Eigen is looked up like the top-level
CMakeLists.txt does for the Python build: the cmeel.prefix directory that the cmeel-eigen
package installs into site-packages (found through sys.path), else a system installation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JOBS = "2"
TIMEOUT = 1800  # seconds per command

# A cold build and both tests take 30-60 s on 2 cores (under the ~60 s at which tests are marked slow).

CPP_TESTS = ["rng", "leapfrog", "nuts_gaussian", "symmetry", "gradient", "gradient_baseline_kernels",
             "gradient_avx2_kernels"]


def _eigen_prefix() -> str | None:
    """<site-packages>/cmeel.prefix holding Eigen3Config.cmake, as the top-level CMakeLists finds it."""
    for entry in sys.path:
        prefix = Path(entry or ".") / "cmeel.prefix"
        if (prefix / "share" / "eigen3" / "cmake" / "Eigen3Config.cmake").is_file():
            return str(prefix)
    return None


def _system_eigen() -> bool:
    return any(
        (Path(d) / "Eigen3Config.cmake").is_file()
        for d in ("/usr/share/eigen3/cmake", "/usr/lib/cmake/eigen3", "/usr/local/share/eigen3/cmake",
                  "/usr/local/lib/cmake/eigen3", "/opt/homebrew/share/eigen3/cmake")
    )


def _cxx_compiler() -> str | None:
    names = [os.environ["CXX"]] if os.environ.get("CXX") else ["c++", "g++", "clang++"]
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # Compilers and programs run without a preloaded sanitizer runtime (scripts/sanitize.sh sets one
    # for the Python process only).
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=TIMEOUT)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed with status {proc.returncode}:\n{proc.stdout[-6000:]}"
    return proc


@pytest.fixture(scope="module")
def tools() -> dict[str, str]:
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.skip("cmake is not installed (e.g. pip install cmake)")
    ctest = shutil.which("ctest", path=str(Path(cmake).parent)) or shutil.which("ctest")
    if ctest is None:
        pytest.skip("ctest is not installed next to cmake")
    cxx = _cxx_compiler()
    if cxx is None:
        pytest.skip("no C++ compiler found (set CXX or install g++/clang++)")
    eigen = _eigen_prefix()
    if eigen is None and not _system_eigen():
        pytest.skip("Eigen not found: pip install cmeel-eigen==3.4.1 (or install libeigen3-dev)")
    return {"cmake": cmake, "ctest": ctest, "cxx": cxx, "eigen": eigen or ""}


@pytest.fixture(scope="module")
def library_build(tools, tmp_path_factory) -> Path:
    """The core and its C++ tests, configured without Python and built in Release."""
    build = tmp_path_factory.mktemp("cpp-build")
    configure = [tools["cmake"], "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                 "-DSYMHMC_PYTHON=OFF", "-DSYMHMC_TESTS=ON", f"-DCMAKE_CXX_COMPILER={tools['cxx']}"]
    if tools["eigen"]:
        configure.append(f"-DCMAKE_PREFIX_PATH={tools['eigen']}")
    _run(configure)
    _run([tools["cmake"], "--build", str(build), "--parallel", JOBS])
    return build


def test_ctest(tools, library_build):
    out = _run([tools["ctest"], "--output-on-failure", "-j", JOBS], cwd=library_build).stdout
    assert "100% tests passed" in out, out
    for name in CPP_TESTS:
        assert f" {name} " in out, f"C++ test {name} did not run:\n{out}"


def test_install_and_embed_example(tools, library_build, tmp_path):
    prefix = tmp_path / "prefix"
    _run([tools["cmake"], "--install", str(library_build), "--prefix", str(prefix)])
    assert (prefix / "include" / "symhmc" / "chains.hpp").is_file()
    assert not (prefix / "include" / "symhmc" / "detail").exists()  # internal headers stay private
    libdirs = [d for d in ("lib", "lib64") if (prefix / d / "cmake" / "symhmc" / "symhmcConfig.cmake").is_file()]
    assert libdirs, sorted(str(p.relative_to(prefix)) for p in prefix.rglob("*"))
    assert (prefix / libdirs[0] / "libsymhmc.a").is_file()

    # The example sees the installed package only (Eigen is not needed by a consumer).
    example = tmp_path / "embed-build"
    _run([tools["cmake"], "-S", str(ROOT / "examples" / "embed"), "-B", str(example), "-DCMAKE_BUILD_TYPE=Release",
          f"-DCMAKE_PREFIX_PATH={prefix}", f"-DCMAKE_CXX_COMPILER={tools['cxx']}"])
    _run([tools["cmake"], "--build", str(example), "--parallel", JOBS])
    exe = example / "embed_example"
    assert exe.is_file()
    out = _run([str(exe), "64", JOBS]).stdout
    lines = out.splitlines()
    for start in ("x1 ", "x2 ", "mean acceptance statistic:", "mean tree depth:", "divergences:",
                  "gradient evaluations:", "adapted step sizes:", "chains finished: 64/64", "PASS:"):
        assert any(line.startswith(start) for line in lines), f"no line starting with {start!r}:\n{out}"
    assert "banana target: 64 chains x 100 draws after 500 warmup iterations, threads 2" in out, out
    # The same seed gives the same draws whatever the thread count.
    one_thread = _run([str(exe), "64", "1"]).stdout
    assert one_thread.replace("threads 1", "threads 2") == out
