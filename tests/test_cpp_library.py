"""The C++ library on its own: build it without Python, run its C++ tests (ctest), install it and
build and run examples/embed against the installed package (find_package(symhmc) -> symhmc::core),
and through pkg-config (symhmc.pc). The installed version header must give the Python package's
version, and a consumer must not get the library's -fopenmp in its compile flags.

The static library (the default) is checked in the default run; the shared one
(BUILD_SHARED_LIBS=ON, a second build of the core) is marked slow.

Skipped when cmake, a C++ compiler or Eigen is missing (the pkg-config tests when pkg-config is).
Eigen is looked up like the top-level CMakeLists.txt does for the Python build: a system
installation, else the cmeel.prefix directory that the cmeel-eigen package installs into
site-packages (found through sys.path).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JOBS = "2"
TIMEOUT = 1800  # seconds per command

# A cold build and the static tests take 40-80 s on 2 cores; the shared build as much again (slow).
KINDS = ["static", pytest.param("shared", marks=pytest.mark.slow)]

CPP_TESTS = [
    "rng",
    "leapfrog",
    "nuts_gaussian",
    "symmetry",
    "gradient",
    "gradient_baseline_kernels",
    "gradient_avx2_kernels",
]


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
        for d in (
            "/usr/share/eigen3/cmake",
            "/usr/lib/cmake/eigen3",
            "/usr/local/share/eigen3/cmake",
            "/usr/local/lib/cmake/eigen3",
            "/opt/homebrew/share/eigen3/cmake",
        )
    )


def _cxx_compiler() -> str | None:
    names = [os.environ["CXX"]] if os.environ.get("CXX") else ["c++", "g++", "clang++"]
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(
    cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # Compilers and programs run without a preloaded sanitizer runtime (scripts/sanitize.sh sets one
    # for the Python process only).
    env = {k: v for k, v in {**os.environ, **(env or {})}.items() if k != "LD_PRELOAD"}
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT
    )
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
    # CMAKE_PREFIX_PATH comes before the system paths: the cmeel prefix only without a system Eigen
    eigen = None if _system_eigen() else _eigen_prefix()
    if eigen is None and not _system_eigen():
        pytest.skip("Eigen not found: pip install cmeel-eigen==3.4.1 (or install libeigen3-dev)")
    return {"cmake": cmake, "ctest": ctest, "cxx": cxx, "eigen": eigen or ""}


def _build(tools, build: Path, *options: str) -> Path:
    """The core configured without Python and built in Release."""
    configure = [
        tools["cmake"],
        "-S",
        str(ROOT),
        "-B",
        str(build),
        "-DCMAKE_BUILD_TYPE=Release",
        "-DSYMHMC_PYTHON=OFF",
        f"-DCMAKE_CXX_COMPILER={tools['cxx']}",
        *options,
    ]
    if tools["eigen"]:
        configure.append(f"-DCMAKE_PREFIX_PATH={tools['eigen']}")
    _run(configure)
    _run([tools["cmake"], "--build", str(build), "--parallel", JOBS])
    return build


@pytest.fixture(scope="module")
def library_build(tools, tmp_path_factory) -> Path:
    """The static core and its C++ tests."""
    return _build(tools, tmp_path_factory.mktemp("cpp-build"), "-DSYMHMC_TESTS=ON")


@pytest.fixture(scope="module")
def installs(tools, tmp_path_factory) -> dict[str, Path]:
    """kind -> install prefix, filled on first use (the shared core is built only when needed)."""
    return {}


@pytest.fixture(params=KINDS)
def installed(request, tools, installs, tmp_path_factory) -> tuple[str, Path]:
    """(kind, prefix): the static core (the C++ test build) or a shared one, installed."""
    kind = request.param
    if kind not in installs:
        if kind == "static":
            build = request.getfixturevalue("library_build")
        else:
            build = _build(tools, tmp_path_factory.mktemp("cpp-build-shared"), "-DBUILD_SHARED_LIBS=ON")
        prefix = tmp_path_factory.mktemp(f"prefix-{kind}")
        _run([tools["cmake"], "--install", str(build), "--prefix", str(prefix)])
        installs[kind] = prefix
    return kind, installs[kind]


def _libdir(prefix: Path) -> Path:
    libdirs = [
        prefix / d for d in ("lib", "lib64") if (prefix / d / "cmake" / "symhmc" / "symhmcConfig.cmake").is_file()
    ]
    assert libdirs, sorted(str(p.relative_to(prefix)) for p in prefix.rglob("*"))
    return libdirs[0]


def _python_version() -> str:
    try:
        return importlib.metadata.version("symhmc")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("symhmc is not installed (pip install .): no Python version to compare with")


def _check_example_output(out: str, threads: int) -> None:
    lines = out.splitlines()
    for start in (
        "x1 ",
        "x2 ",
        "mean acceptance statistic:",
        "mean tree depth:",
        "divergences:",
        "gradient evaluations:",
        "adapted step sizes:",
        "chains finished: 64/64",
        "PASS:",
    ):
        assert any(line.startswith(start) for line in lines), f"no line starting with {start!r}:\n{out}"
    assert f"banana target: 64 chains x 100 draws after 500 warmup iterations, threads {threads}" in out, out
    # the version the program was compiled with (symhmc/version.hpp) is the Python package's
    assert re.search(rf"^symhmc C\+\+ library {re.escape(_python_version())}: ", out, re.M), out


def test_ctest(tools, library_build):
    out = _run([tools["ctest"], "--output-on-failure", "-j", JOBS], cwd=library_build).stdout
    assert "100% tests passed" in out, out
    for name in CPP_TESTS:
        assert f" {name} " in out, f"C++ test {name} did not run:\n{out}"


def test_version_header_matches_the_python_package(installed):
    _, prefix = installed
    header = prefix / "include" / "symhmc" / "version.hpp"
    assert header.is_file()
    assert not (prefix / "include" / "symhmc" / "version.hpp.in").exists()  # the template stays behind
    text = header.read_text()
    macros = dict(re.findall(r"^#define (SYMHMC_VERSION\w*) (.+)$", text, re.M))
    assert set(macros) == {"SYMHMC_VERSION", "SYMHMC_VERSION_MAJOR", "SYMHMC_VERSION_MINOR", "SYMHMC_VERSION_PATCH"}
    version = _python_version()
    assert macros["SYMHMC_VERSION"] == f'"{version}"'
    numbers = ".".join(macros[f"SYMHMC_VERSION_{part}"] for part in ("MAJOR", "MINOR", "PATCH"))
    assert re.fullmatch(r"\d+\.\d+\.\d+", numbers) and version.startswith(numbers), (numbers, version)
    import symhmc

    assert symhmc.__version__ == version


def test_install_and_embed_example(tools, installed, tmp_path):
    kind, prefix = installed
    assert (prefix / "include" / "symhmc" / "chains.hpp").is_file()
    assert not (prefix / "include" / "symhmc" / "detail").exists()  # internal headers stay private
    libdir = _libdir(prefix)
    static, shared = (libdir / "libsymhmc.a").is_file(), any(libdir.glob("libsymhmc.so*"))
    assert (static, shared) == (kind == "static", kind == "shared"), sorted(p.name for p in libdir.iterdir())
    exported = (libdir / "cmake" / "symhmc" / "symhmcTargets.cmake").read_text()
    assert "INTERFACE_COMPILE_OPTIONS" not in exported and "fopenmp" not in exported, exported

    # The example sees the installed package only (Eigen is not needed by a consumer).
    example = tmp_path / "embed-build"
    _run(
        [
            tools["cmake"],
            "-S",
            str(ROOT / "examples" / "embed"),
            "-B",
            str(example),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DCMAKE_PREFIX_PATH={prefix}",
            f"-DCMAKE_CXX_COMPILER={tools['cxx']}",
            "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON",
        ]
    )
    _run([tools["cmake"], "--build", str(example), "--parallel", JOBS])
    # The library's OpenMP stays its own: the consumer is compiled with its own flags only.
    commands = json.loads((example / "compile_commands.json").read_text())
    main = [c for c in commands if c["file"].endswith("main.cpp")]
    assert len(main) == 1, commands
    compile_command = main[0].get("command") or " ".join(main[0]["arguments"])
    assert str(prefix / "include") in compile_command, compile_command  # the check sees the real command
    assert "openmp" not in compile_command, compile_command
    exe = example / "embed_example"
    assert exe.is_file()
    readelf = shutil.which("readelf")
    if readelf:
        needed = _run([readelf, "-d", str(exe)]).stdout
        assert ("libsymhmc.so" in needed) == (kind == "shared"), needed
    out = _run([str(exe), "64", JOBS]).stdout
    _check_example_output(out, threads=2)
    # The same seed gives the same draws whatever the thread count.
    one_thread = _run([str(exe), "64", "1"]).stdout
    assert one_thread.replace("threads 1", "threads 2") == out


def test_pkg_config(tools, installed, tmp_path):
    """symhmc.pc: the version, flags without -fopenmp, and flags that build and link the example."""
    pkg_config = shutil.which("pkg-config")
    if pkg_config is None:
        pytest.skip("pkg-config is not installed (Debian/Ubuntu: apt install pkg-config)")
    kind, prefix = installed
    libdir = _libdir(prefix)
    assert (libdir / "pkgconfig" / "symhmc.pc").is_file()
    env = {"PKG_CONFIG_PATH": str(libdir / "pkgconfig")}
    assert _run([pkg_config, "--modversion", "symhmc"], env=env).stdout.strip() == _python_version()
    cflags = _run([pkg_config, "--cflags", "symhmc"], env=env).stdout.split()
    libs = _run([pkg_config, "--libs", "symhmc"], env=env).stdout.split()
    assert not any("openmp" in flag for flag in cflags + libs), (cflags, libs)
    includes = [Path(flag[2:]).resolve() for flag in cflags if flag.startswith("-I")]
    assert (prefix / "include").resolve() in includes, cflags  # found from the .pc file's own place
    assert "-lsymhmc" in libs, libs

    exe = tmp_path / "embed_example"
    _run(
        [
            tools["cxx"],
            "-std=c++17",
            "-O2",
            str(ROOT / "examples" / "embed" / "main.cpp"),
            *cflags,
            "-o",
            str(exe),
            *libs,
        ]
    )
    run_env = {"LD_LIBRARY_PATH": str(libdir)} if kind == "shared" else {}
    _check_example_output(_run([str(exe), "64", JOBS], env=run_env).stdout, threads=2)
