"""symhmc's build backend: scikit-build-core, asking for the pinned Eigen package only where CMake
finds no Eigen of its own.

Eigen is header-only and compiled into the module. As a static build requirement, cmeel-eigen
was installed for every build, and ``python -m build --no-isolation`` (how distributions build,
against their own Eigen) stopped because it was missing. So it is asked for here, through the
PEP 517 hook ``get_requires_for_build_wheel``: a CMake probe runs the find_package(Eigen3) that
CMakeLists.txt runs first, with the same environment (system paths, CMAKE_PREFIX_PATH, Eigen3_DIR,
Eigen3_ROOT) and the ``-C cmake.define.*`` settings. Found: nothing more is required. Not found,
or the probe cannot run (no usable cmake yet, as on a fresh machine): cmeel-eigen, which
CMakeLists.txt then takes. Either way CMakeLists.txt prefers an Eigen CMake finds, so a needless
cmeel-eigen is at worst an unused download. Every other hook is scikit-build-core's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from scikit_build_core import build as _scikit_build_core
from scikit_build_core.build import *  # noqa: F403 (every PEP 517 hook, unchanged unless redefined below)

EIGEN_FALLBACK = "cmeel-eigen==3.4.1"
# The same search as the first find_package(Eigen3 ...) in CMakeLists.txt (keep them in step).
PROBE = """cmake_minimum_required(VERSION 3.18)
project(symhmc_eigen_probe NONE)
find_package(Eigen3 3.3 NO_MODULE REQUIRED)
"""


def _cmake_finds_eigen(config_settings: dict | None) -> bool:
    cmake = shutil.which("cmake")
    if cmake is None:
        return False
    defines = [
        f"-D{key[len('cmake.define.') :]}={value}"
        for key, value in (config_settings or {}).items()
        if key.startswith("cmake.define.") and isinstance(value, str)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "CMakeLists.txt"), "w", encoding="utf-8") as f:
            f.write(PROBE)
        try:
            proc = subprocess.run(
                [cmake, "-S", tmp, "-B", os.path.join(tmp, "build"), *defines],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=120,
            )
        except (OSError, subprocess.SubprocessError):
            return False
    return proc.returncode == 0


def _eigen_requires(config_settings: dict | None) -> list[str]:
    return [] if _cmake_finds_eigen(config_settings) else [EIGEN_FALLBACK]


def get_requires_for_build_wheel(config_settings=None):
    return [*_scikit_build_core.get_requires_for_build_wheel(config_settings), *_eigen_requires(config_settings)]


def get_requires_for_build_editable(config_settings=None):
    return [*_scikit_build_core.get_requires_for_build_editable(config_settings), *_eigen_requires(config_settings)]
