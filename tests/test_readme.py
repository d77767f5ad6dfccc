"""The README's Python examples run verbatim (documentation that cannot rot).

Every fenced ```python block of README.md is one test, run as a reader runs them: top to
bottom in one namespace, so a block may use the names that the blocks above it defined (the
README says so above its first example). Nothing is added to that namespace: a name the README
forgets to define fails the test with a NameError. Running one block alone (``-k``) first runs
the blocks above it.

Only the sampler's effort is scaled down, so that the file takes seconds: ``symhmc.sample`` is
wrapped to cap the chains and warmup it is asked for (the call itself, its arguments and the
results' API are the README's). A block that needs an optional package which is not installed
is skipped, with the reason; nothing else is skipped. Every fenced block must name its language,
so a Python block cannot hide from this test behind a missing tag.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import symhmc
from symhmc import sampling

README = Path(__file__).resolve().parents[1] / "README.md"
MAX_CHAINS, MAX_WARMUP = 6, 60
OPTIONAL = ("xarray", "netCDF4", "h5py", "arviz", "sklearn", "dask", "distributed", "matplotlib")
#: Languages of the README's other fenced blocks (shell commands and build files: not run here).
OTHER_LANGUAGES = {"sh", "bash", "cmake", "text"}
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.S | re.M)


def fenced_blocks() -> list[tuple[int, str, str]]:
    """(line of the first code line, language, code) of every fenced block."""
    text = README.read_text(encoding="utf-8")
    return [(text[: m.start()].count("\n") + 2, m.group(1).strip(), m.group(2)) for m in FENCE.finditer(text)]


def python_blocks() -> list[tuple[int, str]]:
    return [(line, code) for line, language, code in fenced_blocks() if language == "python"]


BLOCKS = python_blocks()


def test_every_fenced_block_names_a_known_language():
    text = README.read_text(encoding="utf-8")
    blocks = fenced_blocks()
    # every fence line is the opening or the closing line of a block found
    assert len(re.findall(r"^```", text, re.M)) == 2 * len(blocks)
    unknown = [(line, language) for line, language, _ in blocks if language not in OTHER_LANGUAGES | {"python"}]
    assert not unknown, f"README blocks without a known language tag (line, tag): {unknown}"
    assert len(BLOCKS) >= 10


def scaled_down(real):
    def sample(model, x, y, *, chains=64, warmup=1024, bound=None, auto=None, **kwargs):
        if chains == "bound":
            chains, bound = MAX_CHAINS, None
        elif chains == "auto":
            auto = {**(auto or {}), "round_size": 3, "max_chains": 9}
        else:
            chains = min(chains, MAX_CHAINS)
        kwargs.setdefault("progress", False)
        return real(model, x, y, chains=chains, warmup=min(warmup, MAX_WARMUP), bound=bound, auto=auto, **kwargs)

    return sample


class Reader:
    """Runs the blocks in order in one namespace and remembers how each ended."""

    def __init__(self):
        self.ns: dict = {}
        self.outcome: dict[int, str] = {}  # block index -> "ran", "skipped: ..." or "failed: ..."

    def run_up_to(self, index: int) -> None:
        for i in range(index + 1):
            if i not in self.outcome:
                self.outcome[i] = self._run(i)

    def _run(self, i: int) -> str:
        line, code = BLOCKS[i]
        try:
            exec(compile(code, f"README.md:{line}", "exec"), self.ns)  # noqa: S102 - our own README
        except ImportError as exc:
            # A missing optional package, either raised by Python or by symhmc's own message
            # naming the extra that installs it.
            if (exc.name and exc.name.split(".")[0] in OPTIONAL) or "pip install 'symhmc[" in str(exc):
                return f"skipped: README.md:{line} needs an optional package: {exc}"
            return f"failed: {type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 - reported by the block's own test
            return f"failed: {type(exc).__name__}: {exc}"
        return "ran"


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("readme"))  # files the examples write land here
        mp.setattr(symhmc, "sample", scaled_down(symhmc.sample))
        mp.setattr(sampling, "sample", scaled_down(sampling.sample))
        try:
            import symhmc.sklearn as sk  # imported `sample` by name: wrap it there too
        except ImportError:
            pass
        else:
            mp.setattr(sk, "sample", scaled_down(sk.sample))
        r = Reader()
        yield r
        client = r.ns.get("client")  # the Dask example leaves a local cluster running
        if client is not None:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_readme_block_runs(reader, index):
    reader.run_up_to(index - 1)
    earlier = [f"README.md:{BLOCKS[i][0]} {o}" for i, o in sorted(reader.outcome.items())
               if i < index and o != "ran"]
    reader.run_up_to(index)
    outcome = reader.outcome[index]
    if outcome.startswith("skipped"):
        pytest.skip(outcome)
    if outcome.startswith("failed"):
        context = f" (after earlier blocks that did not run through: {earlier})" if earlier else ""
        pytest.fail(f"README.md:{BLOCKS[index][0]} {outcome}{context}")


def test_readme_results_are_what_the_examples_say(reader):
    reader.run_up_to(len(BLOCKS) - 1)
    ns = reader.ns
    assert isinstance(ns["res"], symhmc.SampleResults)
    assert ns["lp"] < 0 and ns["grad"].shape == (ns["model"].dim,)
    # "Scale your data" and "Data sets" predict at the README's own new inputs
    assert len(ns["pred"].mean) == len(ns["x_new"])
