"""The result of a sampling run: draws, per-draw sampler statistics and per-chain adaptation."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import io as _io
from .. import evaluate as _evaluate
from ..evaluate import scores as _scores
from ..evaluate.draws import resolve_draws
from .arviz_export import to_arviz as _to_arviz
from ..diagnostics.summary import ResultsSummary, summary as _summary

__all__ = ["SampleResults", "ResultsSummary", "STAT_NAMES"]

#: Per-draw sampler statistics, under ArviZ's ``sample_stats`` names.
STAT_NAMES = ("lp", "acceptance_rate", "step_size", "tree_depth", "n_steps", "diverging", "energy")


@_io.register_kind
class SampleResults:
    """Draws and diagnostics of a many-chain run (arrays shaped ``(chain, draw, ...)``).

    Returned by :func:`symhmc.sample` and :func:`symhmc.sample_target` (and by
    :func:`symhmc.load`); the constructor arguments are stored as the attributes of the same name.

    Evaluation (:meth:`predict`, :meth:`lppd`, :meth:`rmse`, :meth:`coverage`, :meth:`crps`,
    :meth:`summary`) uses every draw of every chain: the scores are :mod:`symhmc.evaluate`'s
    over :meth:`predictions`, which score a plain ``(draws, dim)`` array with a model the same
    way (``evaluate.lppd(evaluate.Predictions.of_model(model, params, x), y)``).
    Files: :meth:`save` and :func:`symhmc.load`; ArviZ: :meth:`to_arviz`.

    Attributes
    ----------
    draws : ndarray, shape (chain, draw, dim)
        The sampled unconstrained vectors (for an :class:`~symhmc.MLP`: network parameters,
        then ``log sigma`` when the noise scale is sampled).
    stats : dict of ndarray, each (chain, draw)
        ``lp``, ``acceptance_rate``, ``step_size``, ``tree_depth``, ``n_steps``, ``diverging``,
        ``energy`` (after warmup).
    step_size : ndarray, shape (chain,)
        Adapted step size of every chain.
    inv_mass : ndarray, shape (chain, dim)
        Adapted diagonal inverse mass matrix of every chain.
    n_grad_evals : ndarray, shape (chain,)
        Gradient evaluations of every chain, warmup and step-size searches included.
    wall_time : float
        Seconds spent in the sampler.
    settings : dict
        Every sampler setting, defaults included.
    seed : int or None
        The seed entropy; ``sample(..., seed=results.seed)`` reproduces the run (``None``
        when no seed was recorded).
    partial : bool, default False
        True when the run was interrupted; only finished chains are kept (see ``chain_ids``).
    chain_ids : ndarray, shape (chain,)
        Index of each kept chain in the requested run (default: ``0 .. chain - 1``).
    model : MLP or None
        The model (``None`` when a raw target was sampled).
    x, y : ndarray or None
        The training data (``None`` when a raw target was sampled).
    convergence : dict or None
        Optional record of how the number of chains was chosen (set by other code, saved with
        the results).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> run.draws.shape, run.n_chains, run.n_draws, run.dim
    ((4, 1, 8), 4, 1, 8)
    >>> sorted(run.stats)
    ['acceptance_rate', 'diverging', 'energy', 'lp', 'n_steps', 'step_size', 'tree_depth']
    """

    # Set by symhmc.load from the file: what it records about the training data (used when the
    # data itself is not in the file) and the symhmc version that wrote it. Class-level defaults
    # are what results that were not loaded have.
    _data_fingerprint: str | None = None
    _data_shapes: tuple[list[int] | None, list[int] | None] = (None, None)
    _file_version: str | None = None

    # What save() writes besides the common arrays, and the class name load() rebuilds: a
    # subclass (EnsembleResults, LaplaceResults) lists its own arrays here so a file round trip
    # gives back the same class with the same attributes.
    _extra_arrays: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        draws: np.ndarray,
        stats: dict[str, np.ndarray],
        step_size: np.ndarray,
        inv_mass: np.ndarray,
        n_grad_evals: np.ndarray,
        wall_time: float,
        settings: dict[str, Any],
        seed: int | None,
        partial: bool = False,
        chain_ids: np.ndarray | None = None,
        model=None,
        x: np.ndarray | None = None,
        y: np.ndarray | None = None,
        convergence: dict | None = None,
    ):
        self.draws = draws
        self.stats = stats
        self.step_size = step_size
        self.inv_mass = inv_mass
        self.n_grad_evals = n_grad_evals
        self.wall_time = float(wall_time)
        self.settings = settings
        self.seed = seed
        self.partial = bool(partial)
        self.chain_ids = np.arange(draws.shape[0]) if chain_ids is None else np.asarray(chain_ids)
        self.model = model
        self.x = x
        self.y = y
        self.convergence = convergence

    # ----- shapes -------------------------------------------------------------------------
    @property
    def n_chains(self) -> int:
        """Number of chains kept."""
        return int(self.draws.shape[0])

    @property
    def n_draws(self) -> int:
        """Draws per chain."""
        return int(self.draws.shape[1])

    @property
    def dim(self) -> int:
        """Length of every draw (``n_params``, plus 1 when ``log sigma`` is sampled)."""
        return int(self.draws.shape[2])

    # ----- parameters ---------------------------------------------------------------------
    @property
    def theta(self) -> np.ndarray:
        """Network parameters, shape ``(chain, draw, n_params)`` (all coordinates without a model)."""
        if self.model is None:
            return self.draws
        return self.draws[..., : self.model.n_params]

    @property
    def sigma(self) -> np.ndarray | None:
        """Noise scale per draw, shape ``(chain, draw)``.

        ``exp`` of the last coordinate, or the model's fixed ``noise_std``; ``None`` without a model.
        """
        if self.model is None:
            return None
        return self.model.noise_scale(self.draws, "draws")

    def flat_draws(self) -> np.ndarray:
        """All draws stacked chain after chain.

        Returns
        -------
        ndarray, shape (chain * draw, dim)
            A view of ``draws`` when possible.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
        >>> run.flat_draws().shape
        (4, 8)
        """
        return self.draws.reshape(-1, self.dim)

    # ----- summaries ----------------------------------------------------------------------
    @property
    def divergences(self) -> int:
        """Divergent transitions after warmup, all chains."""
        return int(np.sum(self.stats["diverging"])) if "diverging" in self.stats else 0

    def sampler_summary(self) -> dict[str, float]:
        """A few numbers describing how the sampler did.

        NaN for statistics a run does not have (e.g. a Laplace approximation loaded from a file).

        Returns
        -------
        dict of str to float
            ``chains``, ``draws_per_chain``, ``wall_time_s``, ``time_per_chain_s``,
            ``grad_evals_per_chain``, ``divergences``, ``mean_acceptance_rate``, ``mean_tree_depth``,
            ``max_tree_depth_hits``, ``median_step_size``.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
        >>> s = run.sampler_summary()
        >>> s["chains"], s["draws_per_chain"]
        (4, 1)
        """
        s = self.stats
        n = max(self.n_chains, 1)

        def mean_of(name: str) -> float:
            return float(np.mean(s[name])) if self.n_chains and name in s else float("nan")

        depth = s.get("tree_depth")
        return {
            "chains": self.n_chains,
            "draws_per_chain": self.n_draws,
            "wall_time_s": self.wall_time,
            "time_per_chain_s": self.wall_time / n,
            "grad_evals_per_chain": float(np.mean(self.n_grad_evals)) if self.n_chains else float("nan"),
            "divergences": self.divergences,
            "mean_acceptance_rate": mean_of("acceptance_rate"),
            "mean_tree_depth": mean_of("tree_depth"),
            "max_tree_depth_hits": int(np.sum(depth >= self.settings.get("max_tree_depth", np.inf)))
            if depth is not None
            else 0,
            "median_step_size": float(np.median(self.step_size)) if self.n_chains else float("nan"),
        }

    # ----- prediction and scores (symhmc.evaluate's, over self.predictions(x)) -------------
    def _scoring_model(self, what: str):
        return resolve_draws(self, what=what).model

    def _predictions(self, x, what: str):
        model = self._scoring_model(what)
        return _evaluate.Predictions.of_model(model, self.flat_draws(), x)

    def predictions(self, x):
        """The predictive distribution of all draws at inputs ``x``, for :mod:`symhmc.evaluate`'s scores.

        Lazy: the network runs block by block inside each score, so memory stays bounded.

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Inputs.

        Returns
        -------
        symhmc.evaluate.Predictions
            Network outputs and noise scales of every draw at ``x``.

        Raises
        ------
        ValueError
            If the results have no model (a raw target was sampled), ``x`` does not fit the model,
            or holds NaN or infinity.
        TypeError
            If ``x`` is not numeric.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
        >>> pred = run.predictions(x)
        >>> symhmc.evaluate.lppd(pred, y) == run.lppd(x, y)
        True
        """
        return self._predictions(x, "predictions")

    def predict(
        self,
        x,
        quantiles: Sequence[float] = (0.025, 0.25, 0.5, 0.75, 0.975),
        *,
        memory_budget: int = _scores.DEFAULT_MEMORY_BUDGET,
    ) -> "_scores.PredictiveSummary":
        """Posterior predictive at inputs ``x`` over all draws of all chains.

        Works in blocks of points, so memory stays below ``memory_budget`` bytes. Same as
        ``symhmc.evaluate.predictive_summary(results.predictions(x), quantiles)``.

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Inputs.
        quantiles : sequence of float, default (0.025, 0.25, 0.5, 0.75, 0.975)
            Probabilities of the quantiles, strictly between 0 and 1; ``()`` skips them.
        memory_budget : int, default 64 MiB
            Bytes of float64 temporaries per block of test points.

        Returns
        -------
        symhmc.scores.PredictiveSummary
            ``mean`` and ``std`` (network spread plus noise: ``sqrt(var_s f_s(x) + mean_s
            sigma_s^2)``) of shape ``(n_points,)``, and ``quantiles[k]`` of the mixture predictive for
            ``probs[k]``.

        Raises
        ------
        ValueError
            If the results have no model (a raw target was sampled), the shapes of ``x`` and ``y``
            do not fit the model, or an array holds NaN or infinity.
        TypeError
            If an array argument is not numeric.
            Also if a quantile probability is not strictly between 0 and 1.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
        >>> pred = run.predict(np.linspace(-2, 2, 5), quantiles=(0.05, 0.95))
        >>> pred.mean.shape, pred.quantiles.shape
        ((5,), (2, 5))
        """
        return _evaluate.predictive_summary(self._predictions(x, "predict"), quantiles, memory_budget=memory_budget)

    def lppd(self, x, y, *, pointwise: bool = False, memory_budget: int = _scores.DEFAULT_MEMORY_BUDGET):
        """Mean log pointwise predictive density on ``(x, y)`` and its standard error.

        ``symhmc.evaluate.lppd(results.predictions(x), y)``: see there for the definition.

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Test inputs.
        y : array_like, shape (n_points,) or (n_points, 1)
            Test targets.
        pointwise : bool, default False
            Return the per-point values instead.
        memory_budget : int, default 64 MiB
            Bytes of float64 temporaries per block of test points.

        Returns
        -------
        symhmc.scores.LPPD or ndarray of shape (n_points,)
            ``LPPD(mean, se)``, or the per-point values with ``pointwise=True``.

        Raises
        ------
        ValueError
            If the results have no model (a raw target was sampled), the shapes of ``x`` and ``y``
            do not fit the model, or an array holds NaN or infinity.
        TypeError
            If an array argument is not numeric.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
        >>> score = run.lppd(x, y)
        >>> bool(np.isclose(score.mean, run.lppd(x, y, pointwise=True).mean()))
        True
        """
        return _evaluate.lppd(self._predictions(x, "lppd"), y, pointwise=pointwise, memory_budget=memory_budget)

    def rmse(self, x, y, *, memory_budget: int = _scores.DEFAULT_MEMORY_BUDGET) -> float:
        """Root mean squared error of the predictive mean on ``(x, y)``.

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Test inputs.
        y : array_like, shape (n_points,) or (n_points, 1)
            Test targets.
        memory_budget : int, default 64 MiB
            Bytes of float64 temporaries per block of test points.

        Returns
        -------
        float
            The root mean squared error.

        Raises
        ------
        ValueError
            If the results have no model (a raw target was sampled), the shapes of ``x`` and ``y``
            do not fit the model, or an array holds NaN or infinity.
        TypeError
            If an array argument is not numeric.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
        >>> bool(run.rmse(x, y) >= 0)
        True
        """
        return _evaluate.rmse(self._predictions(x, "rmse"), y, memory_budget=memory_budget)

    def coverage(
        self, x, y, levels: Sequence[float] = (0.5, 0.9, 0.95), *, memory_budget: int = _scores.DEFAULT_MEMORY_BUDGET
    ) -> dict[float, float]:
        """Fraction of ``y`` inside the central predictive intervals.

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Test inputs.
        y : array_like, shape (n_points,) or (n_points, 1)
            Test targets.
        levels : sequence of float, default (0.5, 0.9, 0.95)
            Interval levels, each strictly between 0 and 1.
        memory_budget : int, default 64 MiB
            Bytes of float64 temporaries per block of test points.

        Returns
        -------
        dict of float to float
            ``{level: fraction}``.

        Raises
        ------
        ValueError
            If the results have no model (a raw target was sampled), the shapes of ``x`` and ``y``
            do not fit the model, or an array holds NaN or infinity.
        TypeError
            If an array argument is not numeric.
            Also if a level is not strictly between 0 and 1.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
        >>> sorted(run.coverage(x, y, levels=(0.5, 0.9)))
        [0.5, 0.9]
        """
        return _evaluate.coverage(self._predictions(x, "coverage"), y, levels, memory_budget=memory_budget)

    def crps(self, x, y, *, pointwise: bool = False, memory_budget: int = _scores.DEFAULT_MEMORY_BUDGET, **kwargs):
        """Mean continuous ranked probability score on ``(x, y)`` and its standard error.

        Lower is better: ``symhmc.evaluate.crps(results.predictions(x), y)``.

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Test inputs.
        y : array_like, shape (n_points,) or (n_points, 1)
            Test targets.
        pointwise : bool, default False
            Return the per-point values instead.
        memory_budget : int, default 64 MiB
            Bytes of float64 temporaries per block of test points.
        **kwargs
            ``n_pairs`` and ``seed``, as for :func:`symhmc.scores.crps_pointwise`.

        Returns
        -------
        symhmc.evaluate.CRPS or ndarray of shape (n_points,)
            ``CRPS(mean, se)``, or the per-point values with ``pointwise=True``.

        Raises
        ------
        ValueError
            If the results have no model (a raw target was sampled), the shapes of ``x`` and ``y``
            do not fit the model, or an array holds NaN or infinity.
        TypeError
            If an array argument is not numeric.
            Also if ``n_pairs`` is not a positive integer.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
        >>> run.crps(x, y, pointwise=True).shape
        (20,)
        """
        return _evaluate.crps(
            self._predictions(x, "crps"), y, pointwise=pointwise, memory_budget=memory_budget, **kwargs
        )

    # ----- diagnostics summary ------------------------------------------------------------
    def summary(
        self,
        x_test=None,
        y_test=None,
        *,
        superchains="auto",
        weight_method: str = "canonicalize",
        max_points: int = 1000,
        rhat_threshold: float = 1.01,
        backend: str = "auto",
    ) -> ResultsSummary:
        """One table of sampler health, convergence in function and weight space, and test scores.

        Sections (the keys of the returned dict):

        * ``"sampler"``: :func:`symhmc.diagnostics.sampler_health` totals (divergences, tree-depth
          hits, acceptance, step sizes, gradient evaluations) plus wall time;
        * ``"function_space"``: :func:`symhmc.diagnostics.function_space` summary of the network
          outputs at ``x_test`` (or the training inputs when no test inputs are given; at most
          ``max_points`` evenly spaced points, fewer if the outputs would exceed 64 MB);
        * ``"weight_space"``: :func:`symhmc.diagnostics.weight_space` summary after
          ``weight_method``;
        * ``"test"`` (with ``x_test`` and ``y_test``): LPPD mean and standard error, RMSE.

        Parameters
        ----------
        x_test : array_like, optional
            Test inputs (default: the training inputs, for the function-space section).
        y_test : array_like, optional
            Test targets; with ``x_test`` adds the ``"test"`` section.
        superchains : "auto", int, array_like or None, default "auto"
            ``"auto"`` computes nested R-hat (the useful R-hat with one draw per chain) over ``K``
            superchains of consecutive chains, ``K`` a divisor of the number of chains near its square
            root (chains that do not fit equal groups are left out, reported as
            ``superchain_chains_dropped``); ``None`` skips it; an int or one label per chain is passed
            to :func:`~symhmc.diagnostics.nested_rhat`.
        weight_method : {"canonicalize", "align", "none"}, default "canonicalize"
            Symmetry removal before the weight-space statistics.
        max_points : int, default 1000
            Most inputs of the function-space section.
        rhat_threshold : float, default 1.01
            Threshold of ``frac_rhat_above``.
        backend : {"auto", "arviz", "numpy"}, default "auto"
            Backend of R-hat and ESS.

        Returns
        -------
        ResultsSummary
            A dict of the sections whose ``str()`` (and ``.text``) is the table.

        Raises
        ------
        ValueError
            If ``y_test`` is given without ``x_test``, ``max_points`` is not a positive integer,
            ``weight_method``, ``superchains`` or ``backend`` is not one of the choices, the
            results hold no chains, or the test data do not fit the model.
        TypeError
            If the test data are not numeric.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
        >>> table = run.summary(x, y, backend="numpy")
        >>> list(table)
        ['sampler', 'function_space', 'weight_space', 'test']
        """
        return _summary(
            self,
            x_test,
            y_test,
            superchains=superchains,
            weight_method=weight_method,
            max_points=max_points,
            rhat_threshold=rhat_threshold,
            backend=backend,
        )

    # ----- files and interop --------------------------------------------------------------
    @property
    def data_fingerprint(self) -> str | None:
        """sha256 of the float64 bytes of the training ``x`` then ``y``, or None.

        See :func:`symhmc.results.io.data_fingerprint`; kept from the file when loaded without the data.
        """
        if self.x is not None and self.y is not None:
            return _io.data_fingerprint(self.x, self.y)
        return self._data_fingerprint

    def save(self, path, **kwargs):
        """Write the results to a file (netCDF, or ``.npz`` by suffix).

        Read them back with :func:`symhmc.load`; see :func:`symhmc.results.io.save` for the formats.

        Parameters
        ----------
        path : str or os.PathLike
            File to write; the suffix chooses the format.
        **kwargs
            Options of :func:`symhmc.results.io.save`.

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        TypeError, ValueError
            If an option is not supported, or the results could not be loaded back (see
            :func:`symhmc.results.io.save`).
        FileNotFoundError, IsADirectoryError
            If the directory of ``path`` does not exist, or ``path`` is a directory.
        ImportError
            If the format needs an optional package that is not installed (netCDF needs xarray).

        Examples
        --------
        >>> import os, tempfile
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
        >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
        >>> _ = run.save(path)
        >>> np.array_equal(symhmc.load(path).draws, run.draws)
        True
        """
        return _io.save(self, path, **kwargs)

    def to_arviz(
        self,
        *,
        weights: str = "raw",
        posterior_predictive=None,
        log_likelihood=None,
        pool_chains="auto",
        seed=None,
        container: str = "auto",
    ):
        """The run as ArviZ data: ``arviz.InferenceData`` (ArviZ 0.x) or ``xarray.DataTree``
        (ArviZ 1.x); see :func:`symhmc.results.arviz_export.to_arviz` for the groups and options.

        Parameters
        ----------
        weights : {"raw", "canonical", "aligned"}
            Network weights in ``posterior`` as sampled or with the symmetry removed.
        posterior_predictive, log_likelihood : None, True or False
            Include these groups (``None``: whenever the model and training data are known).
        pool_chains : "auto", True, False or int
            Pool consecutive chains into fewer, longer ArviZ chains (``"auto"``: when each
            chain has fewer than 4 draws, so that ArviZ's R-hat and ESS are defined).
        seed : None, int or numpy Generator
            For the posterior predictive draws (``None``: from ``results.seed``).
        container : {"auto", "InferenceData", "DataTree"}

        Returns
        -------
        arviz.InferenceData or xarray.DataTree

        Raises
        ------
        ImportError, ValueError, TypeError
            As :func:`symhmc.results.arviz_export.to_arviz`.

        Examples
        --------
        >>> idata = res.to_arviz(weights="canonical")  # doctest: +SKIP
        >>> az.loo(idata)  # doctest: +SKIP
        """
        return _to_arviz(
            self,
            weights=weights,
            posterior_predictive=posterior_predictive,
            log_likelihood=log_likelihood,
            pool_chains=pool_chains,
            seed=seed,
            container=container,
        )

    def __repr__(self) -> str:
        what = "target" if self.model is None else repr(self.model)
        flag = ", partial" if self.partial else ""
        return (
            f"SampleResults({self.n_chains} chains x {self.n_draws} draws of {self.dim} coordinates, "
            f"sampler={self.settings.get('sampler')!r}, {self.divergences} divergences, "
            f"{self.wall_time:.2f} s{flag}; {what})"
        )
