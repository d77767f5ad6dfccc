"""The module runs on any x86-64 CPU: outside the AVX2 and AVX-512 copies of the kernels (picked at
run time after checking the CPU) it uses baseline x86-64 instructions only, and every kernel table
this CPU can run gives the same results up to rounding.

The instruction check reads the disassembly of the module that ``import symhmc`` loads
(objdump -d --demangle) function by function; the build keeps the module's symbol table for it.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import symhmc
from symhmc import _core

ISA_NAMESPACES = {"avx2": "symhmc::kernels::avx2::", "avx512": "symhmc::kernels::avx512::"}

# Instructions of x86-64-v2/v3 that are not VEX-encoded (those all start with "v"): SSE3, SSSE3,
# SSE4.1/4.2, POPCNT, BMI1/2, LZCNT, MOVBE. (tzcnt is left out: it is also the encoding of
# "rep bsf", which compilers emit for baseline CPUs, where it runs as bsf.)
BEYOND_BASELINE = {
    "addsubpd",
    "addsubps",
    "haddpd",
    "haddps",
    "hsubpd",
    "hsubps",
    "lddqu",
    "movddup",
    "movshdup",
    "movsldup",
    "pabsb",
    "pabsd",
    "pabsw",
    "palignr",
    "phaddd",
    "phaddw",
    "phsubd",
    "phsubw",
    "pmaddubsw",
    "pmulhrsw",
    "pshufb",
    "psignb",
    "psignd",
    "psignw",
    "blendpd",
    "blendps",
    "blendvpd",
    "blendvps",
    "dppd",
    "dpps",
    "extractps",
    "insertps",
    "movntdqa",
    "mpsadbw",
    "packusdw",
    "pblendvb",
    "pblendw",
    "pcmpeqq",
    "pextrb",
    "pextrd",
    "pextrq",
    "phminposuw",
    "pinsrb",
    "pinsrd",
    "pinsrq",
    "pmaxsb",
    "pmaxsd",
    "pmaxud",
    "pmaxuw",
    "pminsb",
    "pminsd",
    "pminud",
    "pminuw",
    "pmuldq",
    "pmulld",
    "ptest",
    "roundpd",
    "roundps",
    "roundsd",
    "roundss",
    "pmovsxbd",
    "pmovsxbq",
    "pmovsxbw",
    "pmovsxdq",
    "pmovsxwd",
    "pmovsxwq",
    "pmovzxbd",
    "pmovzxbq",
    "pmovzxbw",
    "pmovzxdq",
    "pmovzxwd",
    "pmovzxwq",
    "crc32",
    "pcmpestri",
    "pcmpestrm",
    "pcmpistri",
    "pcmpistrm",
    "pcmpgtq",
    "popcnt",
    "andn",
    "bextr",
    "blsi",
    "blsmsk",
    "blsr",
    "bzhi",
    "lzcnt",
    "movbe",
    "mulx",
    "pdep",
    "pext",
    "rorx",
    "sarx",
    "shlx",
    "shrx",
}

FUNCTION = re.compile(r"^[0-9a-f]+ <(.+)>:$")
INSTRUCTION = re.compile(r"^\s+[0-9a-f]+:\s+(\S+)(.*)$")


def _top_level(name: str) -> str:
    """The parts of a demangled name outside (), <>, [] and {}: the function's own qualified name
    (and its return type), not its parameters or template arguments."""
    name = name.replace("(anonymous namespace)", "{anonymous}")
    out, depth = [], 0
    for ch in name:
        if ch in "(<[{":
            depth += 1
        elif ch in ")>]}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _namespace(function: str) -> str | None:
    top = _top_level(function)
    return next((isa for isa, prefix in ISA_NAMESPACES.items() if prefix in top), None)


def _uses(instructions: list[tuple[str, str]]) -> dict[str, str]:
    """What beyond baseline x86-64 a function's instructions use -> the first instruction showing it."""
    found: dict[str, str] = {}
    for mnemonic, operands in instructions:
        line = f"{mnemonic}{operands}"
        if "%zmm" in operands or re.search(r"%k[0-7]\b", operands):
            found.setdefault("avx512", line)
        if "%ymm" in operands:
            found.setdefault("ymm", line)
        if mnemonic.startswith("v"):  # VEX/EVEX-encoded (AVX and later)
            found.setdefault("vex", line)
        if mnemonic in BEYOND_BASELINE:
            found.setdefault("beyond-baseline", line)
    return found


@pytest.fixture(scope="module")
def functions() -> dict[str, list[tuple[str, str]]]:
    """Demangled function name -> its (mnemonic, operands), from the module symhmc imports."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        pytest.skip(f"the instruction check is for x86-64 (this is {platform.machine()})")
    if _core.build_arch != "x86-64":
        pytest.skip(f"a {_core.build_arch} build is not meant for every x86-64 CPU")
    objdump = shutil.which("objdump")
    if objdump is None:
        pytest.skip("objdump (binutils) is not installed")
    module = Path(_core.__file__)
    text = subprocess.run(
        [objdump, "-d", "--demangle", "--no-show-raw-insn", str(module)], capture_output=True, text=True, check=True
    ).stdout
    out: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for line in text.splitlines():
        if m := FUNCTION.match(line):
            current = out.setdefault(m.group(1), [])
        elif current is not None and (m := INSTRUCTION.match(line)):
            current.append((m.group(1), m.group(2)))
    # hidden functions have names only in the symbol table (a stripped module shows exported ones)
    assert any(name.startswith("symhmc::kernels::baseline::") for name in out), (
        f"{module} has no symbol table (stripped?): its functions cannot be told apart"
    )
    return out


def test_only_the_isa_kernels_use_instructions_beyond_baseline(functions):
    wrong = []
    for name, instructions in functions.items():
        uses = _uses(instructions)
        isa = _namespace(name)
        allowed = {
            "avx2": {"ymm", "vex", "beyond-baseline"},
            "avx512": {"ymm", "vex", "beyond-baseline", "avx512"},
        }.get(isa, set())
        wrong += [f"{name}: {what} ({line})" for what, line in uses.items() if what not in allowed]
    assert not wrong, "instructions outside their kernel namespace:\n" + "\n".join(wrong[:30])


def test_the_isa_kernels_use_nothing_the_dispatcher_does_not_check(functions):
    # x86-64-v3 has F16C, LZCNT and MOVBE, which kernels_dispatch.cpp does not ask the CPU for
    unchecked = {"vcvtph2ps", "vcvtps2ph", "lzcnt", "movbe"}
    wrong = [
        f"{name}: {m}{ops}" for name, instructions in functions.items() for m, ops in instructions if m in unchecked
    ]
    assert not wrong, "\n".join(wrong[:30])


def test_the_isa_kernels_are_there_and_use_their_registers(functions):
    for isa, register in (("avx2", "ymm"), ("avx512", "avx512")):
        members = [name for name in functions if _namespace(name) == isa]
        assert members, f"no functions in {ISA_NAMESPACES[isa]}"
        assert any(register in _uses(functions[name]) for name in members), f"{isa} kernels without {register}"


def test_the_module_reports_a_baseline_build():
    assert _core.kernel_tables["baseline"] == _core.build_arch
    if platform.machine().lower() in ("x86_64", "amd64") and _core.build_arch != "native":
        assert _core.build_arch == "x86-64"
    assert list(_core.kernel_tables)[0] == "baseline"
    if "SYMHMC_KERNELS" not in os.environ:
        assert _core.kernel_isa == list(_core.kernel_tables.values())[-1]  # the widest the CPU runs


# --- every table the CPU can run, forced in a process of its own ---

RUN = r"""
import json, sys, warnings
import numpy as np
warnings.simplefilter("error")  # an ignored SYMHMC_KERNELS would warn
import symhmc

rng = np.random.default_rng(3)
x = rng.uniform(-2, 2, 40)
y = np.sin(x) + 0.1 * rng.normal(size=40)
x2 = rng.normal(size=(30, 3))
y2 = np.tanh(x2 @ [1.0, -0.5, 0.3])
f1, f2 = symhmc.MLP(hidden=(3,)), symhmc.MLP(hidden=(16, 16), n_inputs=3)
theta = rng.normal(size=(4, f2.dim))
lp, grad = zip(*(f2.log_prob_and_grad(t, x2, y2) for t in theta))
common = dict(chains=4, seed=1, progress=False, threads=1)
hmc = symhmc.sample(f1, x, y, warmup=20, draws=20, sampler="hmc", n_steps=8, **common)
nuts = symhmc.sample(f1, x, y, warmup=0, draws=20, step_size=0.05, **common)
print(json.dumps({"isa": symhmc._core.kernel_isa, "lp": list(lp), "grad": np.array(grad).tolist(),
                  "draws": [hmc.draws.tolist(), nuts.draws.tolist()], "step_size": hmc.step_size.tolist()}))
"""


def _run_with(table: str) -> dict:
    env = dict(os.environ, SYMHMC_KERNELS=table)
    proc = subprocess.run([sys.executable, "-c", RUN], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, f"SYMHMC_KERNELS={table}: exit {proc.returncode}\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def runs() -> dict[str, dict]:
    return {table: _run_with(table) for table in _core.kernel_tables}


def test_each_forced_table_runs(runs):
    for table, isa in _core.kernel_tables.items():
        assert runs[table]["isa"] == isa


def test_the_tables_agree_up_to_rounding(runs):
    base = runs["baseline"]
    for table, run in runs.items():
        # Gradients: a few ulp per operation (FMA rounds once where baseline rounds twice).
        np.testing.assert_allclose(run["lp"], base["lp"], rtol=1e-12, err_msg=table)
        np.testing.assert_allclose(run["grad"], base["grad"], rtol=1e-10, atol=1e-10, err_msg=table)
        # Runs whose rounding differences stay small: HMC with a fixed number of steps after a short
        # warmup, and NUTS at a fixed step size. (Longer NUTS warmups amplify them until a tree
        # ends differently, after which the chains part.) Seen: below 1e-11.
        np.testing.assert_allclose(run["step_size"], base["step_size"], rtol=1e-9, err_msg=table)
        np.testing.assert_allclose(run["draws"], base["draws"], rtol=0, atol=1e-8, err_msg=table)


def test_portable_means_baseline_and_an_unknown_table_warns():
    assert _run_with("portable")["isa"] == _core.kernel_tables["baseline"]
    env = dict(os.environ, SYMHMC_KERNELS="sse9")
    proc = subprocess.run(
        [sys.executable, "-c", "import symhmc; print(symhmc._core.kernel_isa)"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == list(_core.kernel_tables.values())[-1]  # the widest this CPU runs
    assert "SYMHMC_KERNELS='sse9' is not a kernel table" in proc.stderr, proc.stderr


def test_symhmc_imports_and_samples_with_the_baseline_table(runs):
    assert runs["baseline"]["isa"] == _core.build_arch
    assert np.isfinite(runs["baseline"]["draws"]).all()


def test_imports_and_samples_on_a_cpu_without_avx(tmp_path):
    """The whole interpreter under user-mode QEMU emulating a Nehalem (SSE4.2, no AVX): an AVX
    instruction anywhere on the path raises SIGILL, as on such a CPU. About 20 s."""
    qemu = shutil.which("qemu-x86_64")
    if qemu is None or platform.machine().lower() not in ("x86_64", "amd64"):
        pytest.skip("needs qemu-x86_64 (Debian/Ubuntu: apt install qemu-user) on x86-64")
    if _core.build_arch != "x86-64":
        pytest.skip(f"a {_core.build_arch} build is not meant for every x86-64 CPU")
    script = (
        "import numpy as np, symhmc\n"
        "x = np.linspace(-2, 2, 20)\n"
        "r = symhmc.sample(symhmc.MLP(hidden=(3,)), x, np.sin(x), chains=2, warmup=30, draws=5, seed=0,"
        " progress=False)\n"
        "assert np.isfinite(r.draws).all()\n"
        "print(symhmc._core.kernel_isa, list(symhmc._core.kernel_tables))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SYMHMC_KERNELS"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(symhmc.__file__).parents[1]), env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [qemu, "-cpu", "Nehalem", sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{proc.stderr[-3000:]}"
    assert proc.stdout.split() == [_core.build_arch, "['baseline']"], proc.stdout
