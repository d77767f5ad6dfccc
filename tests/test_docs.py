"""The Python examples of the README and of the manual (docs/) run verbatim (documentation that
cannot rot).

Every fenced ```python block is one test, run as a reader runs them, in two sessions: the README
alone, and the manual's pages in the order of docs/index.md's contents (the manual says so on its
first page). In a session the blocks run top to bottom in one namespace, so a block may use the
names that the blocks before it defined. Nothing is added to that namespace: a name the text
forgets to define fails the test with a NameError. Running one block alone (``-k``) first runs
the blocks before it.

Only the sampler's effort is scaled down, so that the file takes seconds: ``symhmc.sample`` is
wrapped to cap the chains and warmup it is asked for (the call itself, its arguments and the
results' API are the README's). A block that needs an optional package which is not installed
is skipped, with the reason; nothing else is skipped. Every fenced block must name its language,
so a Python block cannot hide from this test behind a missing tag.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import symhmc
from symhmc import sampling

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MAX_CHAINS, MAX_WARMUP = 6, 60
OPTIONAL = ("xarray", "netCDF4", "h5py", "arviz", "sklearn", "dask", "distributed", "matplotlib")
#: Languages of the other fenced blocks (shell commands, build files, the manual's directives:
#: not run here).
KNOWN_LANGUAGES = {"python", "sh", "bash", "cmake", "text", "{toctree}", "{include}"}
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.S | re.M)


def manual_pages() -> list[Path]:
    """The manual's Markdown pages in the order of docs/index.md's tables of contents."""
    pages, in_toctree = [DOCS / "index.md"], False
    for line in (DOCS / "index.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```{toctree}"):
            in_toctree = True
        elif line.startswith("```"):
            in_toctree = False
        elif in_toctree and line.strip() and not line.startswith(":"):
            pages.append(DOCS / f"{line.strip()}.md")
    return [page for page in pages if page.is_file()]  # api.rst: no examples


SESSIONS = {"README": [README], "manual": manual_pages()}


def fenced_blocks(path: Path) -> list[tuple[int, str, str]]:
    """(line of the first code line, language, code) of every fenced block of one file."""
    text = path.read_text(encoding="utf-8")
    return [(text[: m.start()].count("\n") + 2, m.group(1).strip(), m.group(2)) for m in FENCE.finditer(text)]


def python_blocks(session: str) -> list[tuple[str, str]]:
    """(where, code) of the session's python blocks in reading order; where is "file:line"."""
    return [
        (f"{path.relative_to(ROOT)}:{line}", code)
        for path in SESSIONS[session]
        for line, language, code in fenced_blocks(path)
        if language == "python"
    ]


BLOCKS = {session: python_blocks(session) for session in SESSIONS}


@pytest.mark.parametrize("path", [README, *SESSIONS["manual"]], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fenced_block_names_a_known_language(path):
    text = path.read_text(encoding="utf-8")
    blocks = fenced_blocks(path)
    # every fence line is the opening or the closing line of a block found
    assert len(re.findall(r"^```", text, re.M)) == 2 * len(blocks)
    unknown = [(line, language) for line, language, _ in blocks if language.split(" ")[0] not in KNOWN_LANGUAGES]
    assert not unknown, f"{path.name}: blocks without a known language tag (line, tag): {unknown}"


def test_the_manual_has_its_pages_and_examples():
    assert len(SESSIONS["manual"]) >= 10
    assert len(BLOCKS["manual"]) >= 10 and len(BLOCKS["README"]) >= 1


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
    """Runs a session's blocks in order in one namespace and remembers how each ended."""

    def __init__(self, blocks: list[tuple[str, str]]):
        self.blocks = blocks
        self.ns: dict = {}
        self.outcome: dict[int, str] = {}  # block index -> "ran", "skipped: ..." or "failed: ..."

    def run_up_to(self, index: int) -> None:
        for i in range(index + 1):
            if i not in self.outcome:
                self.outcome[i] = self._run(i)

    def _run(self, i: int) -> str:
        where, code = self.blocks[i]
        try:
            exec(compile(code, where, "exec"), self.ns)  # noqa: S102 - our own documentation
        except ImportError as exc:
            # A missing optional package, either raised by Python or by symhmc's own message
            # naming the extra that installs it.
            if (exc.name and exc.name.split(".")[0] in OPTIONAL) or "pip install 'symhmc[" in str(exc):
                return f"skipped: {where} needs an optional package: {exc}"
            return f"failed: {type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 - reported by the block's own test
            return f"failed: {type(exc).__name__}: {exc}"
        return "ran"


def _session(name: str, tmp_path_factory):
    """A Reader of one session, with the sampler scaled down and a folder of its own."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp(name))  # files the examples write land here
        mp.setattr(symhmc, "sample", scaled_down(symhmc.sample))
        mp.setattr(sampling, "sample", scaled_down(sampling.sample))
        try:
            import symhmc.sklearn as sk  # imported `sample` by name: wrap it there too
        except ImportError:
            pass
        else:
            mp.setattr(sk, "sample", scaled_down(sk.sample))
        r = Reader(BLOCKS[name])
        yield r
        client = r.ns.get("client")  # the Dask example leaves a local cluster running
        if client is not None:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()


def _run_block(reader, index):
    blocks = reader.blocks
    reader.run_up_to(index - 1)
    earlier = [f"{blocks[i][0]} {o}" for i, o in sorted(reader.outcome.items()) if i < index and o != "ran"]
    reader.run_up_to(index)
    outcome = reader.outcome[index]
    if outcome.startswith("skipped"):
        pytest.skip(outcome)
    if outcome.startswith("failed"):
        context = f" (after earlier blocks that did not run through: {earlier})" if earlier else ""
        pytest.fail(f"{blocks[index][0]} {outcome}{context}")


@pytest.fixture(scope="module")
def readme(tmp_path_factory):
    yield from _session("README", tmp_path_factory)


@pytest.fixture(scope="module")
def manual(tmp_path_factory):
    yield from _session("manual", tmp_path_factory)


@pytest.mark.parametrize("index", range(len(BLOCKS["README"])), ids=[w for w, _ in BLOCKS["README"]])
def test_readme_block_runs(readme, index):
    _run_block(readme, index)


@pytest.mark.parametrize("index", range(len(BLOCKS["manual"])), ids=[w for w, _ in BLOCKS["manual"]])
def test_manual_block_runs(manual, index):
    _run_block(manual, index)


def test_readme_results_are_what_the_example_says(readme):
    readme.run_up_to(len(readme.blocks) - 1)
    ns = readme.ns
    assert isinstance(ns["res"], symhmc.SampleResults)
    mean, se = ns["lppd"]
    assert np.isfinite(mean) and se > 0
    assert ns["canon"].shape == ns["res"].theta.shape


def test_manual_results_are_what_the_examples_say(manual):
    manual.run_up_to(len(manual.blocks) - 1)
    ns = manual.ns
    assert isinstance(ns["res"], symhmc.SampleResults)
    assert ns["lp"] < 0 and ns["grad"].shape == (ns["model"].dim,)
    # "Scale your data" and "Data sets" predict at the manual's own new inputs
    assert len(ns["pred"].mean) == len(ns["x_new"])
