"""Are two runs' predictives the same? A two-sample test in function space.

Two runs of the same model on the same data (say float64 with Stan-style adaptation against
float32 with gradient-based adaptation and a shorter warmup) agree when their predictives do:
the mean and the spread of the network output ``f(x)`` at each input, and the mean noise scale.
Weights cannot be compared directly (symmetric copies), outputs can.

Standard errors come from resampling whole chains, so several draws per chain (which are
correlated) are handled as well as the usual one draw per chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..utils.validation import as_float_array

DEFAULT_BOOTSTRAP = 400
DEFAULT_ALPHA = 0.01


@dataclass(frozen=True)
class PredictiveComparison:
    """The outcome of :func:`compare_predictive`.

    Attributes
    ----------
    z_mean, z_std : ndarray, shape (n_points,)
        Standardized differences ``(a - b) / sqrt(se_a**2 + se_b**2)`` of the mean and of the
        standard deviation of ``f(x)`` over draws, per input point.
    z_sigma : float
        The same for the mean noise scale (NaN when the model has a fixed noise).
    max_abs_z : float
        The largest ``|z|`` over all compared statistics.
    n_tests : int
        Number of compared statistics (``2 * n_points``, plus 1 when both runs sample the
        noise scale).
    p_value : float
        Bonferroni-corrected two-sided p-value of ``max_abs_z`` over the ``n_tests``
        statistics (conservative: the statistics are positively correlated).
    alpha : float
        The level at which :attr:`indistinguishable` is decided.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> model = symhmc.MLP(hidden=(2,))
    >>> a = symhmc.sample(model, x, y, chains=16, warmup=50, seed=0, progress=False)
    >>> b = symhmc.sample(model, x, y, chains=16, warmup=50, seed=1, progress=False)
    >>> result = symhmc.compare_predictive(a, b, np.linspace(-2, 2, 10)[:, None])
    >>> result.z_mean.shape, result.n_tests
    ((10,), 21)
    >>> bool(0.0 <= result.p_value <= 1.0)
    True
    """

    z_mean: np.ndarray
    z_std: np.ndarray
    z_sigma: float
    max_abs_z: float
    n_tests: int
    p_value: float
    alpha: float

    @property
    def indistinguishable(self) -> bool:
        """True when the test does not reject equal predictives at level :attr:`alpha`."""
        return bool(self.p_value >= self.alpha)

    def as_dict(self) -> dict:
        """Plain numbers for JSON reports.

        Returns
        -------
        dict
            ``max_abs_z``, ``n_tests``, ``p_value``, ``alpha``, ``indistinguishable``,
            ``max_abs_z_mean``, ``max_abs_z_std`` and ``z_sigma``.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> model = symhmc.MLP(hidden=(2,))
        >>> a = symhmc.sample(model, x, y, chains=16, warmup=50, seed=0, progress=False)
        >>> b = symhmc.sample(model, x, y, chains=16, warmup=50, seed=1, progress=False)
        >>> result = symhmc.compare_predictive(a, b, np.linspace(-2, 2, 10)[:, None])
        >>> sorted(result.as_dict())  # doctest: +NORMALIZE_WHITESPACE
        ['alpha', 'indistinguishable', 'max_abs_z', 'max_abs_z_mean', 'max_abs_z_std', 'n_tests',
         'p_value', 'z_sigma']
        """
        return {
            "max_abs_z": self.max_abs_z,
            "n_tests": self.n_tests,
            "p_value": self.p_value,
            "alpha": self.alpha,
            "indistinguishable": self.indistinguishable,
            "max_abs_z_mean": float(np.max(np.abs(self.z_mean))),
            "max_abs_z_std": float(np.max(np.abs(self.z_std))),
            "z_sigma": self.z_sigma,
        }


def _run_outputs(results, x, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """``f`` of shape (chain, draw, n_points) and ``sigma`` (chain, draw) or None."""
    model = getattr(results, "model", None)
    if model is None:
        raise ValueError(f"{name} must be a SampleResults with a model (got {type(results).__name__})")
    if results.n_chains < 2:
        raise ValueError(f"{name} must have at least 2 chains to estimate standard errors, got {results.n_chains}")
    n_chains, n_draws = results.n_chains, results.n_draws
    f = model.predict(results.flat_draws(), x)
    if f.ndim != 2:
        raise ValueError(f"{name}: compare_predictive supports one-output models only")
    f = f.reshape(n_chains, n_draws, -1)
    sigma = results.sigma
    fixed_noise = sigma is None or np.all(sigma == sigma.flat[0])
    return f, (None if fixed_noise else np.asarray(sigma, float))


def _statistics(f: np.ndarray, sigma: np.ndarray | None) -> np.ndarray:
    """Mean and standard deviation of f per point, then the mean sigma, as one vector."""
    flat = f.reshape(-1, f.shape[-1])
    parts = [flat.mean(axis=0), flat.std(axis=0)]
    if sigma is not None:
        parts.append(np.array([sigma.mean()]))
    return np.concatenate(parts)


def _bootstrap_se(f: np.ndarray, sigma: np.ndarray | None, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Standard error of :func:`_statistics` by resampling chains with replacement."""
    n_chains = f.shape[0]
    reps = np.empty((n_boot, _statistics(f[:1], None if sigma is None else sigma[:1]).size))
    for b in range(n_boot):
        pick = rng.integers(0, n_chains, n_chains)
        reps[b] = _statistics(f[pick], None if sigma is None else sigma[pick])
    return reps.std(axis=0, ddof=1)


def compare_predictive(
    a, b, x, *, alpha: float = DEFAULT_ALPHA, n_bootstrap: int = DEFAULT_BOOTSTRAP, seed: int = 0
) -> PredictiveComparison:
    """Test whether two runs have the same predictive at inputs ``x``.

    For each input point the mean and the standard deviation of the network output over all
    draws are compared, and so is the mean noise scale. Each difference is divided by its
    standard error (chains resampled with replacement, ``n_bootstrap`` times, per run), and the
    largest ``|z|`` is turned into a Bonferroni-corrected p-value.

    Parameters
    ----------
    a, b : SampleResults
        Two runs of the same model (same architecture), each with at least 2 chains.
    x : array_like, shape (n_points, n_features) or (n_points,)
        Inputs at which to compare, e.g. a grid over the training inputs' range.
    alpha : float, default 0.01
        Level of the test that decides :attr:`PredictiveComparison.indistinguishable`.
    n_bootstrap : int, default 400
        Chain resamples per run for the standard errors.
    seed : int, default 0
        Seed of the resampling.

    Returns
    -------
    PredictiveComparison
        The standardized differences, the p-value and the decision at level ``alpha``.

    Raises
    ------
    ValueError
        If a run has no model or fewer than 2 chains, the models differ, ``x`` is not 2-D or
        holds NaN, or ``alpha`` / ``n_bootstrap`` are out of range.
    TypeError
        If ``x`` is not numeric.

    Examples
    --------
    Two runs of the same model with different seeds (16 short chains each):

    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> model = symhmc.MLP(hidden=(2,))
    >>> a = symhmc.sample(model, x, y, chains=16, warmup=50, seed=0, progress=False)
    >>> b = symhmc.sample(model, x, y, chains=16, warmup=50, seed=1, progress=False)
    >>> result = symhmc.compare_predictive(a, b, np.linspace(-2, 2, 10)[:, None])
    >>> result.n_tests   # mean and sd of f at 10 inputs, and the mean noise scale
    21

    The comparison of a long-warmup run with a gradient-adapted one, as in the benchmarks:

    >>> ref = symhmc.sample(model, x, y, chains=128)                      # doctest: +SKIP
    >>> fast = symhmc.sample(model, x, y, chains=128, adaptation="gradient")  # doctest: +SKIP
    >>> symhmc.compare_predictive(ref, fast, np.linspace(-3, 3, 50)[:, None]).indistinguishable  # doctest: +SKIP
    True
    """
    if not 0 < float(alpha) < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if int(n_bootstrap) < 20:
        raise ValueError(f"n_bootstrap must be at least 20, got {n_bootstrap!r}")
    ma, mb = getattr(a, "model", None), getattr(b, "model", None)
    if ma is not None and mb is not None and tuple(ma.widths) != tuple(mb.widths):
        raise ValueError(f"a and b must be runs of the same architecture, got widths {ma.widths} and {mb.widths}")
    model = ma if ma is not None else mb
    x = model.check_x(x) if model is not None else as_float_array(x, "x", ndim=(2,))
    fa, sa = _run_outputs(a, x, "a")
    fb, sb = _run_outputs(b, x, "b")
    if (sa is None) != (sb is None):
        sa = sb = None  # one run has a fixed noise: compare the network outputs only
    rng = np.random.default_rng(seed)
    diff = _statistics(fa, sa) - _statistics(fb, sb)
    se = np.hypot(_bootstrap_se(fa, sa, int(n_bootstrap), rng), _bootstrap_se(fb, sb, int(n_bootstrap), rng))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.inf))
    n_points = x.shape[0]
    max_abs_z = float(np.max(np.abs(z)))
    p_value = float(min(1.0, z.size * 2 * stats.norm.sf(max_abs_z)))
    return PredictiveComparison(
        z_mean=z[:n_points],
        z_std=z[n_points : 2 * n_points],
        z_sigma=float(z[2 * n_points]) if z.size > 2 * n_points else float("nan"),
        max_abs_z=max_abs_z,
        n_tests=int(z.size),
        p_value=p_value,
        alpha=float(alpha),
    )
