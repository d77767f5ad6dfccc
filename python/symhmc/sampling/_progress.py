"""The progress bar of a run (``tqdm.auto``: a text bar on a terminal, a widget in a notebook,
and elsewhere, e.g. a log file or a pipe, a plain line every :data:`PLAIN_INTERVAL` seconds).

It counts iterations, not finished chains: warmup + draws of every chain (epochs of every member
for a deep ensemble), so that it moves while a few long chains run and tqdm's estimate of the
time left (the mean rate since the start) means something. Chains done and divergences are in
the postfix. One bar can span several calls of the core (the rounds of ``chains="auto"``, an
executor's blocks) and chains taken from a checkpoint.
"""

from __future__ import annotations

import sys
import time


#: Seconds between two plain progress lines when stderr is not a terminal (logs, pipes, CI).
PLAIN_INTERVAL = 10.0


def _tqdm(**kwargs):
    """A tqdm bar on a terminal or in a notebook, a :class:`PlainLines` writer elsewhere (a
    separate function so that tests can record the bars)."""
    from tqdm.auto import tqdm  # noqa: PLC0415 - only when a bar is shown

    in_notebook = tqdm.__module__.startswith("tqdm.notebook")
    if in_notebook or _stderr_is_terminal():
        return tqdm(**kwargs)
    return PlainLines(**kwargs)


def _stderr_is_terminal() -> bool:
    try:
        return bool(sys.stderr is not None and sys.stderr.isatty())
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


class PlainLines:
    """What a tqdm bar shows, as plain lines on stderr without carriage returns: at most one
    every ``interval`` seconds while the run goes on, and the final state once at close.

    It has the part of tqdm's interface that :class:`ChainBar` uses (``n``, ``total``,
    ``initial``, ``set_postfix``, ``refresh``, ``close``).
    """

    def __init__(
        self,
        total: int,
        initial: int = 0,
        desc: str = "",
        unit: str = "it",
        interval: float | None = None,
        file=None,
        **_tqdm_only,
    ):
        self.total, self.initial, self.n, self.desc, self.unit = total, initial, initial, desc, unit
        self.interval = PLAIN_INTERVAL if interval is None else float(interval)
        self.file = file
        self.postfix: dict[str, str] = {}
        self.start = time.monotonic()
        self._last_line = self.start
        self._closed = False

    def set_postfix(self, postfix: dict, refresh: bool = True) -> None:
        self.postfix = {str(k): str(v) for k, v in postfix.items()}

    def refresh(self) -> None:
        now = time.monotonic()
        if not self._closed and now - self._last_line >= self.interval:
            self._write(now)

    def close(self) -> None:
        if not self._closed:
            self._write(time.monotonic())
            self._closed = True

    def line(self, now: float | None = None) -> str:
        """The state as one line, e.g. ``NUTS: 45% 576/1280 it, 12 s, chains=4/10, divergences=0``."""
        elapsed = (time.monotonic() if now is None else now) - self.start
        share = f"{100 * self.n / self.total:3.0f}% " if self.total else ""
        fields = "".join(f", {k}={v}" for k, v in self.postfix.items())
        return f"{self.desc}: {share}{self.n}/{self.total} {self.unit}, {elapsed:.0f} s{fields}"

    def _write(self, now: float) -> None:
        self._last_line = now
        file = sys.stderr if self.file is None else self.file
        if file is None:  # pythonw: no stderr at all
            return
        try:
            print(self.line(now), file=file, flush=True)
        except (OSError, ValueError):  # a closed pipe or stream: progress is not worth a failure
            pass


class ChainBar:
    """A bar over ``chains * per_chain`` iterations.

    ``live(chains, iterations, divergences)`` shows the counters of the call that is running
    (they start at 0 in every call); ``end_call()`` adds them to those of the calls before;
    ``skip(n)`` counts ``n`` chains done elsewhere (a checkpoint) without a rate for them.
    """

    def __init__(
        self,
        chains: int,
        per_chain: int,
        *,
        desc: str,
        unit: str = "chain",
        it_unit: str = "it",
        divergences: bool = True,
    ):
        self.chains, self.per_chain, self.unit = int(chains), max(1, int(per_chain)), unit
        self.divergences = divergences
        self.bar = _tqdm(
            total=self.chains * self.per_chain,
            unit=it_unit,
            unit_scale=True,
            desc=desc,
            smoothing=0.05,
            dynamic_ncols=True,
        )
        self._done = [0, 0, 0]  # chains, iterations, divergences of the calls that ended
        self._live = (0, 0, 0)
        self._extra: dict[str, str] = {}
        self.closed = False

    @property
    def chains_done(self) -> int:
        return self._done[0] + self._live[0]

    def live(self, chains: int, iterations: int, divergences: int = 0) -> None:
        self._live = (int(chains), int(iterations), int(divergences))
        self._draw()

    def end_call(self) -> None:
        for i, v in enumerate(self._live):
            self._done[i] += v
        self._live = (0, 0, 0)
        self._draw()

    def skip(self, chains: int) -> None:
        """``chains`` finished before this run (read from a checkpoint): done, and kept out of
        the rate (tqdm's mean rate counts from ``initial``)."""
        self._done[0] += int(chains)
        self._done[1] += int(chains) * self.per_chain
        self.bar.initial += int(chains) * self.per_chain
        self._draw()

    def note(self, **fields) -> None:
        """Extra postfix fields (e.g. the last round's KL, or why the run ended)."""
        self._extra.update({k: str(v) for k, v in fields.items()})
        self._draw()

    def stop_early(self, **fields) -> None:
        """The run ends before ``chains`` (``chains="auto"`` converged): the total becomes what ran,
        so that the bar ends full instead of looking stopped."""
        self.chains = self.chains_done
        total = self.chains * self.per_chain
        self.bar.total = total
        widget = getattr(self.bar, "container", None)  # tqdm.notebook keeps its own maximum
        if widget is not None:
            try:
                widget.children[1].max = total
            except (AttributeError, IndexError):
                pass
        self.note(**fields)

    def close(self) -> None:
        if not self.closed:
            self._draw()
            self.bar.close()
            self.closed = True

    def _draw(self) -> None:
        chains = self.chains_done
        # A finished chain ran all its iterations; a deep-ensemble member stopped early by its
        # validation loss did not, and counts in full when it is done.
        iterations = max(self._done[1] + self._live[1], chains * self.per_chain)
        self.bar.n = min(iterations, self.bar.total)
        postfix = {f"{self.unit}s": f"{chains}/{self.chains}"}
        if self.divergences:
            postfix["divergences"] = str(self._done[2] + self._live[2])
        postfix.update(self._extra)
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.refresh()
