"""Laplace approximation baseline: Gaussians around MAP points of an :class:`~symhmc.MLP` posterior.

:func:`laplace` returns a :class:`LaplaceResults`, a :class:`~symhmc.SampleResults` whose draws are
sampled from the Gaussian(s), so every score (``lppd``, ``rmse``, ``coverage``, ``crps``,
``predict``, ``summary``, ``save``) is the same code as for MCMC.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import numpy as np

from ..utils.validation import as_float_array, positive_float, positive_int, seed_arg, threads_arg
from ..evaluate import scores as _scores
from ..model import MLP, gaussian_logpdf
from ..results import SampleResults, register_kind
from . import _hessian

__all__ = ["laplace", "LaplaceResults", "HessianNotPositiveDefinite"]

_LOG_2PI = math.log(2.0 * math.pi)
#: Search range of the fitted prior precision (log10 lambda): a grid of 141 points, then a bounded
#: 1-D optimisation between the neighbours of the best grid point.
PRIOR_PRECISION_RANGE = (-6.0, 8.0)
#: Default options of the L-BFGS-B search for the MAP (``scipy.optimize.minimize``).
DEFAULT_MAP_OPTIONS = {"maxiter": 15000, "maxfun": 30000, "ftol": 1e-12, "gtol": 1e-7}


class HessianNotPositiveDefinite(np.linalg.LinAlgError, ValueError):
    """The Hessian of the negative log posterior is not positive definite at an expansion point.

    Raised by :func:`laplace`; both a ``numpy.linalg.LinAlgError`` and a ``ValueError``. Its message
    suggests ``hessian="ggn"``, a larger ``prior_precision`` or a point closer to a MAP.

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(2,), noise_std=0.1)
    >>> x = np.linspace(-1, 1, 10)
    >>> try:   # the full Hessian at a saddle point of the likelihood, no prior curvature
    ...     symhmc.baselines.laplace(model, x, np.sin(3 * x), at=np.full(model.dim, 0.5), hessian="full",
    ...                              prior_precision=1e-6, n_samples=10, seed=0)
    ... except symhmc.baselines.HessianNotPositiveDefinite as exc:
    ...     print(isinstance(exc, ValueError))
    True
    """


@register_kind
class LaplaceResults(SampleResults):
    """A :class:`~symhmc.SampleResults` drawn from a (mixture of) Laplace approximation(s).

    Returned by :func:`laplace`. ``draws`` has shape ``(components, n_samples // components,
    dim)``: one "chain" per Gaussian, so the scores average over the equal-weight mixture. The
    extra attributes are kept by :meth:`save`; :func:`symhmc.load` gives back a
    ``LaplaceResults``. The inherited scores use the sampled draws (the network evaluated at
    Gaussian draws); :meth:`linearized_predictive` and :meth:`linearized_lppd` give the
    linearized (GLM) predictive instead.

    Parameters
    ----------
    **kwargs
        The arguments of :class:`~symhmc.SampleResults`.

    Attributes
    ----------
    mean : ndarray, shape (components, dim)
        The expansion points (MAP estimates).
    cov : ndarray, shape (components, dim, dim)
        Covariance of every Gaussian, the inverse of ``hessian``.
    hessian : ndarray, shape (components, dim, dim)
        Hessian of the negative log posterior used (with the prior precision below).
    prior_precision : ndarray, shape (components,)
        Precision of the N(0, 1/lambda) prior on the network parameters in every Gaussian.
    log_marginal_likelihood : ndarray, shape (components,)
        Laplace estimate of the log evidence of every component at its prior precision.
    draws, stats, step_size, inv_mass, n_grad_evals, wall_time, settings, seed, partial, chain_ids, model, x, y, convergence : see SampleResults
        As for :class:`~symhmc.SampleResults` (one "chain" per Gaussian).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> model = symhmc.MLP(hidden=(2,))
    >>> ens = symhmc.baselines.deep_ensemble(model, x, y, members=3, epochs=50, seed=0, progress=False)
    >>> la = symhmc.baselines.laplace(model, x, y, at=ens, hessian="ggn", n_samples=30, seed=0)
    >>> la.n_components, la.draws.shape, la.cov.shape
    (3, (3, 10, 8), (3, 8, 8))
    """

    _extra_arrays = ("mean", "cov", "hessian", "prior_precision", "log_marginal_likelihood")

    def __init__(
        self,
        *,
        mean: np.ndarray,
        cov: np.ndarray,
        hessian: np.ndarray,
        prior_precision: np.ndarray,
        log_marginal_likelihood: np.ndarray,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.mean = mean
        self.cov = cov
        self.hessian = hessian
        self.prior_precision = prior_precision
        self.log_marginal_likelihood = log_marginal_likelihood

    @property
    def n_components(self) -> int:
        """Number of Gaussians in the mixture."""
        return int(self.mean.shape[0])

    def sampler_summary(self) -> dict[str, float]:
        """What the approximation cost and chose.

        There is no sampler: no acceptance rates, tree depths or step sizes.

        Returns
        -------
        dict of str to float
            ``components``, ``draws_per_component``, ``wall_time_s``, ``grad_evals_per_component``,
            ``min_prior_precision``, ``max_prior_precision``, ``mean_log_marginal_likelihood``.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> model = symhmc.MLP(hidden=(2,))
        >>> ens = symhmc.baselines.deep_ensemble(model, x, y, members=3, epochs=50, seed=0, progress=False)
        >>> la = symhmc.baselines.laplace(model, x, y, at=ens, hessian="ggn", n_samples=30, seed=0)
        >>> s = la.sampler_summary()
        >>> s["components"], s["draws_per_component"]
        (3, 10)
        """
        return {
            "components": self.n_components,
            "draws_per_component": self.n_draws,
            "wall_time_s": self.wall_time,
            "grad_evals_per_component": float(np.mean(self.n_grad_evals)),
            "min_prior_precision": float(np.min(self.prior_precision)),
            "max_prior_precision": float(np.max(self.prior_precision)),
            "mean_log_marginal_likelihood": float(np.mean(self.log_marginal_likelihood)),
        }

    def linearized_predictive(self, x, *, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Linearized (GLM) predictive of every component at inputs ``x``.

        The network is linearized around each mean, ``f(theta) ~ f(theta_j) + J_j (theta - theta_j)``
        (``J_j`` by central differences of the batched outputs, as for ``hessian="ggn"``), so
        component ``j`` predicts ``Normal(f(theta_j, x), diag(J_j Sigma_j J_j^T) + sigma_j^2)``, with
        ``Sigma_j`` the network block of ``cov[j]`` and ``sigma_j`` the noise scale at ``theta_j``
        (the uncertainty of ``log sigma`` is not propagated).

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Inputs.
        threads : int, optional
            Threads of the compiled core (default: all).

        Returns
        -------
        mean : ndarray, shape (components, n_points)
            Predictive mean of every component (``(components, n_points, n_outputs)`` for several
            outputs).
        variance : ndarray, shape (components, n_points)
            Predictive variance, noise included (same shape as ``mean``).

        Raises
        ------
        TypeError
            If ``x`` is not numeric.
        ValueError
            If ``x`` does not fit the model or holds NaN or infinity.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> model = symhmc.MLP(hidden=(2,))
        >>> ens = symhmc.baselines.deep_ensemble(model, x, y, members=3, epochs=50, seed=0, progress=False)
        >>> la = symhmc.baselines.laplace(model, x, y, at=ens, hessian="ggn", n_samples=30, seed=0)
        >>> mean, variance = la.linearized_predictive(np.linspace(-2, 2, 5))
        >>> mean.shape, bool(np.all(variance > 0))
        ((3, 5), True)
        """
        model = self.model
        x = model.check_x(x)
        k, p, rows = self.n_components, model.n_params, x.shape[0] * model.n_outputs
        nthreads = threads_arg(threads)
        mean, var = np.empty((k, rows)), np.empty((k, rows))
        for j in range(k):
            jac = _hessian.output_jacobian(model, self.mean[j], x, nthreads)
            mean[j] = np.asarray(model.predict(self.mean[j], x, threads=threads)).reshape(-1)
            var[j] = np.sum((jac @ self.cov[j, :p, :p]) * jac, axis=1) + float(model.noise_scale(self.mean[j])) ** 2
        shape = (k, x.shape[0]) if model.n_outputs == 1 else (k, x.shape[0], model.n_outputs)
        return mean.reshape(shape), var.reshape(shape)

    def linearized_lppd(self, x, y, *, pointwise: bool = False, threads: int | None = None):
        """Mean log pointwise predictive density of the linearized predictive and its standard error.

        The predictive is the equal-weight mixture of the components' Gaussians of
        :meth:`linearized_predictive`; one output only.

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Test inputs.
        y : array_like, shape (n_points,) or (n_points, 1)
            Test targets.
        pointwise : bool, default False
            Return the per-point values instead.
        threads : int, optional
            Threads of the compiled core (default: all).

        Returns
        -------
        symhmc.scores.LPPD or ndarray of shape (n_points,)
            ``LPPD(mean, se)``, or the per-point values with ``pointwise=True``.

        Raises
        ------
        ValueError
            If the model has several outputs, or the data do not fit it or hold NaN or infinity.
        TypeError
            If the data are not numeric.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> model = symhmc.MLP(hidden=(2,))
        >>> ens = symhmc.baselines.deep_ensemble(model, x, y, members=3, epochs=50, seed=0, progress=False)
        >>> la = symhmc.baselines.laplace(model, x, y, at=ens, hessian="ggn", n_samples=30, seed=0)
        >>> la.linearized_lppd(x, y, pointwise=True).shape
        (20,)
        """
        from scipy.special import logsumexp  # noqa: PLC0415

        model = self.model
        if model.n_outputs != 1:
            raise ValueError(f"linearized_lppd needs a model with one output, got n_outputs={model.n_outputs}")
        x = model.check_x(x)
        y = model.check_y(y, x.shape[0])[:, 0]
        mean, var = self.linearized_predictive(x, threads=threads)
        values = logsumexp(gaussian_logpdf(y, mean, np.sqrt(var)), axis=0) - math.log(self.n_components)
        return values if pointwise else _scores.mean_and_se(values)

    def __repr__(self) -> str:
        lam = ", ".join(f"{v:.3g}" for v in self.prior_precision)
        return (
            f"LaplaceResults({self.n_components} Gaussian(s) x {self.n_draws} draws of {self.dim} coordinates, "
            f"hessian={self.settings.get('hessian')!r}, prior_precision=[{lam}]; {self.model!r})"
        )


# ----------------------------------------------------------------------------------------------
# expansion points
# ----------------------------------------------------------------------------------------------
def _expansion_points(model: MLP, at) -> np.ndarray:
    if hasattr(at, "draws"):
        draws = as_float_array(at.draws, "at.draws", ndim=3)
        if draws.shape[1] != 1:
            raise ValueError(
                f"at.draws must have shape (members, 1, dim) (one point per member, e.g. a deep "
                f"ensemble), got {draws.shape}"
            )
        points = draws[:, 0, :]
        name = "at.draws"
    else:
        points = as_float_array(at, "at", ndim=(1, 2))
        points = np.atleast_2d(points)
        name = "at"
    if points.shape[0] < 1:
        raise ValueError(f"{name} holds no expansion point")
    if points.shape[-1] != model.dim:
        hint = (
            f" (the model samples the noise scale: append log sigma to the {model.n_params} network parameters)"
            if model.samples_noise and points.shape[-1] == model.n_params
            else ""
        )
        raise ValueError(f"{name} must have {model.dim} entries per point, got shape {points.shape}{hint}")
    return np.ascontiguousarray(points)


def _find_map(target, dim: int, rng: np.random.Generator, threads: int, options: dict) -> tuple[np.ndarray, Any]:
    from scipy.optimize import minimize  # noqa: PLC0415

    def negative(q):
        lp, grad = target.log_density(q[None, :], threads, True)
        if not np.isfinite(lp[0]):
            return np.inf, np.zeros_like(q)
        return -float(lp[0]), -grad[0]

    start = rng.uniform(-2.0, 2.0, size=dim)
    res = minimize(negative, start, jac=True, method="L-BFGS-B", options=options)
    if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun):
        raise RuntimeError(f"the MAP search failed ({res.message}); pass at= a MAP estimate")
    if not res.success:
        warnings.warn(
            f"L-BFGS-B did not report convergence for the MAP ({res.message}); the Laplace "
            "approximation is centred on its last point",
            RuntimeWarning,
            stacklevel=3,
        )
    return res.x, res


# ----------------------------------------------------------------------------------------------
# prior precision and marginal likelihood
# ----------------------------------------------------------------------------------------------
class _Evidence:
    """Laplace log marginal likelihood of one component as a function of the prior precision
    lambda of the network parameters, from one eigendecomposition of the likelihood block."""

    def __init__(self, model: MLP, h_rest: np.ndarray, theta: np.ndarray, lp: float):
        p = model.n_params
        self.p, self.dim = p, model.dim
        net = theta[:p]
        self.sq = float(net @ net)
        # log p(D | theta) + log p(log sigma): the core's log posterior minus its N(0, prior_scale^2) term
        log_prior = -0.5 * p * _LOG_2PI - p * math.log(model.prior_scale) - 0.5 * self.sq / model.prior_scale**2
        self.rest = lp - log_prior
        self.a, vecs = np.linalg.eigh(h_rest[:p, :p])
        if self.dim > p:
            self.vb2 = (vecs.T @ h_rest[:p, p]) ** 2
            self.c = float(h_rest[p, p])

    def logdet(self, lam: float) -> float:
        """``log det(H_rest + lambda P)``, or NaN when that matrix is not positive definite."""
        d = self.a + lam
        if d[0] <= 0:
            return math.nan
        out = float(np.sum(np.log(d)))
        if self.dim > self.p:
            schur = self.c - float(np.sum(self.vb2 / d))
            if schur <= 0:
                return math.nan
            out += math.log(schur)
        return out

    def __call__(self, lam: float) -> float:
        ld = self.logdet(lam)
        if math.isnan(ld):
            return -math.inf
        log_prior = 0.5 * self.p * (math.log(lam) - _LOG_2PI) - 0.5 * lam * self.sq
        return self.rest + log_prior + 0.5 * self.dim * _LOG_2PI - 0.5 * ld

    def fit(self) -> float:
        from scipy.optimize import minimize_scalar  # noqa: PLC0415

        grid = np.linspace(*PRIOR_PRECISION_RANGE, 141)
        values = np.array([self(10.0**g) for g in grid])
        if not np.any(np.isfinite(values)):
            raise HessianNotPositiveDefinite(
                f"the Hessian is not positive definite for any prior precision in 1e{PRIOR_PRECISION_RANGE[0]:g}.."
                f"1e{PRIOR_PRECISION_RANGE[1]:g}; use hessian='ggn' or check the expansion point"
            )
        i = int(np.argmax(values))
        below_indefinite = i > 0 and not np.isfinite(values[i - 1])
        if below_indefinite:
            # log det H -> -inf as lambda falls to where H stops being positive definite, so the
            # evidence grows without bound there: its "maximum" is that boundary, not a fit.
            warnings.warn(
                f"the Laplace evidence grows without bound as prior_precision falls towards "
                f"{10.0 ** grid[i - 1]:.3g}..{10.0 ** grid[i]:.3g}, where the Hessian stops being positive definite "
                f"(the likelihood's Hessian has a negative eigenvalue at this point); the fitted value "
                f"{10.0 ** grid[i]:.3g} is that boundary and the Gaussian is nearly flat along one direction: use "
                f"hessian='ggn' or prior_precision='model'",
                RuntimeWarning,
                stacklevel=3,
            )
        # Only between finite neighbours: an infinite end point breaks the bounded search.
        lo = grid[i] if below_indefinite else grid[max(i - 1, 0)]
        hi = grid[min(i + 1, len(grid) - 1)]
        if hi <= lo:
            return 10.0 ** float(grid[i])
        res = minimize_scalar(lambda g: -self(10.0**g), bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
        best = float(res.x) if res.fun <= -values[i] else float(grid[i])
        return 10.0**best


# ----------------------------------------------------------------------------------------------
# the baseline
# ----------------------------------------------------------------------------------------------
def _prior_choice(prior_precision) -> str:
    """``"model"``, ``"fit"`` or ``"value"`` (a number, checked by the caller)."""
    if isinstance(prior_precision, str):
        if prior_precision not in ("model", "fit"):
            raise ValueError(f"prior_precision must be 'model', 'fit' or a positive number, got {prior_precision!r}")
        return prior_precision
    if prior_precision is None:
        raise TypeError(
            "prior_precision must be 'model' (the model's own prior, the default), 'fit' (fitted by "
            "the Laplace evidence) or a positive number, got None"
        )
    return "value"


def laplace(
    model: MLP,
    x,
    y,
    *,
    at=None,
    hessian: str = "ggn",
    prior_precision: float | str = "model",
    n_samples: int = 1000,
    seed: int | None = None,
    threads: int | None = None,
    map_options: dict | None = None,
) -> LaplaceResults:
    """Laplace approximation of the posterior of ``model`` on ``(x, y)``.

    ``N(theta*, H^-1)`` around a MAP point ``theta*``, or an equal-weight mixture of such
    Gaussians around several points.

    Parameters
    ----------
    model : MLP
        The Bayesian MLP; vectors follow its flat layout (network parameters, then ``log sigma``
        when the noise scale is sampled).
    x, y : array_like
        Training data.
    at : array_like of shape (dim,) or (k, dim), EnsembleResults or None, default None
        Expansion point(s). ``None``: one MAP found here by ``scipy.optimize.minimize(method=
        "L-BFGS-B", jac=True)`` on the core's negative log posterior (with the model's own prior),
        from a start drawn uniformly in ``[-2, 2]^dim`` by the seeded generator (options
        :data:`DEFAULT_MAP_OPTIONS`, updated by ``map_options``). Several rows give one Gaussian
        per row (the mixture of Laplace approximations); a deep-ensemble result gives one Gaussian
        per member. The points are used as given (not re-optimised).
    hessian : {"ggn", "full"}, default "ggn"
        Curvature of ``-log posterior``. ``"ggn"`` (default, as in the paper's table, ``symhmc
        reproduce``): the generalized Gauss-Newton ``J^T J / sigma^2 + prior precision``, ``J``
        the Jacobian of the network outputs w.r.t. the network parameters (central differences
        of the batched predictions) and ``sigma`` the noise scale at the point; positive
        definite at any point. When ``log sigma`` is sampled its diagonal entry is exact and its
        cross terms with the network parameters are zero (block diagonal; see
        :func:`~symhmc.baselines._hessian.ggn_hessian`). ``"full"``: central finite differences
        of the core's gradient, all ``2 dim`` points ``theta +- h_i e_i`` in one batched call,
        with ``h_i = eps^(1/3) max(1, |theta_i|)`` (:data:`~symhmc.baselines._hessian.FD_STEP`),
        then symmetrised; it can be indefinite away from a MAP (then
        :class:`HessianNotPositiveDefinite`). On izmailov with f1 (seed 0, MAP by L-BFGS-B, the
        model's prior) ``"full"`` gives a test LPPD of 0.58 (0.07), ``"ggn"`` 0.53 (0.07).
    prior_precision : {"model", "fit"} or float, default "model"
        Precision ``lambda`` of the N(0, 1/lambda) prior on the network weights and biases in the
        Laplace approximation: ``H = H_lik + lambda I`` on the network block (the ``log sigma``
        prior stays the model's HalfNormal). ``"model"`` (default, as in the paper's table):
        ``1 / model.prior_scale**2``, so ``H`` is the curvature of the model's own posterior, the
        one the sampler targets. A positive float: that ``lambda``. ``"fit"`` (laplace-torch's
        choice): fitted per component by maximising the Laplace log marginal likelihood at the
        fixed MAP,
        ``log p(D | theta*) + log N(theta*_net | 0, I / lambda) + dim/2 log(2 pi) - 1/2 log det H``
        (``log p(D | theta*)`` including the ``log sigma`` prior when sigma is sampled), over
        ``log10 lambda`` in :data:`PRIOR_PRECISION_RANGE` with one eigendecomposition. The MAP is
        not recomputed under the fitted prior, so the fitted lambda generally differs from
        ``1 / prior_scale**2`` while the mean is the MAP under ``prior_scale``. When the
        likelihood's Hessian has a negative eigenvalue (possible with ``"full"``) this evidence
        grows without bound as ``lambda`` approaches the point where ``H`` stops being positive
        definite; a fit that ends there warns (``RuntimeWarning``) and returns the first grid
        point where ``H`` is positive definite. On izmailov with f1 (seed 0) the fit gives
        lambda 0.13 and a test LPPD of 0.13 (0.09) with ``"ggn"``; with ``"full"`` it ends at
        that boundary (lambda 0.20, the Gaussian nearly flat along one direction): -1.03 (0.09),
        and -11.3 when the search crept closer to the singularity. The defaults give 0.53 (0.07),
        the paper's LA value on izmailov.
    n_samples : int, default 1000
        Total draws; each of the ``k`` components gets ``n_samples // k``.
    seed : int or None, default None
        Seeds the MAP start and the draws (``None``: fresh entropy, recorded as ``results.seed``).
    threads : int or None, default None
        Threads of the core's batched evaluations (Hessian, Jacobian, log density of the draws;
        ``None``: all). The MAP search evaluates one point at a time on one thread.
    map_options : dict or None, default None
        Extra options of the L-BFGS-B MAP search.

    Returns
    -------
    LaplaceResults
        Draws ``(k, n_samples // k, dim)`` plus ``mean``, ``cov``, ``hessian``,
        ``prior_precision`` and ``log_marginal_likelihood``; ``settings["method"] == "laplace"``.

    Raises
    ------
    HessianNotPositiveDefinite
        (a ``numpy.linalg.LinAlgError`` and ``ValueError``) when ``H`` is not positive definite.
    TypeError
        If ``model`` is not a :class:`~symhmc.MLP`, or an argument has the wrong type.
    ValueError
        If ``hessian`` is unknown, ``seed`` is not a non-negative integer, ``n_samples`` or
        ``prior_precision`` is out of range or smaller than the number of components, the data
        or the points ``at`` do not fit the model, or the log posterior is not finite at an
        expansion point.

    Examples
    --------
    One Gaussian around a MAP found by L-BFGS-B (slower: the MAP search), with the GGN and the
    model's own prior:

    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> model = symhmc.MLP(hidden=(2,))
    >>> la = symhmc.baselines.laplace(model, x, y, n_samples=40, seed=0)
    >>> la.draws.shape, la.settings["map_converged"]
    ((1, 40, 8), True)

    The mixture of Laplace approximations around the members of a deep ensemble:

    >>> ens = symhmc.baselines.deep_ensemble(model, x, y, members=3, epochs=50, seed=0, progress=False)
    >>> mix = symhmc.baselines.laplace(model, x, y, at=ens, hessian="ggn", n_samples=30, seed=0)
    >>> mix.draws.shape, mix.settings["method"]
    ((3, 10, 8), 'laplace')
    """
    t0 = time.perf_counter()
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a symhmc.MLP, got {type(model).__name__}")
    if hessian not in ("full", "ggn"):
        raise ValueError(f"hessian must be 'full' or 'ggn', got {hessian!r}")
    n_samples = positive_int(n_samples, "n_samples")
    fit_prior = _prior_choice(prior_precision) == "fit"
    lam_given = (
        None
        if fit_prior
        else (
            1.0 / model.prior_scale**2
            if prior_precision == "model"
            else positive_float(prior_precision, "prior_precision")
        )
    )
    nthreads = threads_arg(threads)
    seed = seed_arg(seed)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    x = model.check_x(x)
    y = model.check_y(y, x.shape[0])
    target = model.posterior(x, y)
    rng = np.random.default_rng(seed)

    map_info: dict[str, Any] = {"map": "given"}
    if at is None:
        options = {**DEFAULT_MAP_OPTIONS, **(map_options or {})}
        point, res = _find_map(target, model.dim, rng, 1, options)  # one point at a time: no thread pool
        points = point[None, :]
        map_info = {
            "map": "L-BFGS-B from uniform(-2, 2)",
            "map_converged": bool(res.success),
            "map_iterations": int(res.nit),
            "map_options": options,
        }
        n_grad = np.full(1, int(res.nfev))
    else:
        points = _expansion_points(model, at)
        n_grad = np.zeros(points.shape[0], dtype=np.int64)
    k, dim, p = points.shape[0], model.dim, model.n_params
    per = n_samples // k
    if per < 1:
        raise ValueError(f"n_samples={n_samples} is smaller than the number of components ({k})")

    lp0, _ = target.log_density(points, nthreads, False)
    if not np.all(np.isfinite(lp0)):
        raise ValueError("the log posterior is not finite at an expansion point")
    means, covs, hessians = np.empty((k, dim)), np.empty((k, dim, dim)), np.empty((k, dim, dim))
    lams, lmls, draws = np.empty(k), np.empty(k), np.empty((k, per, dim))
    net = np.arange(p)
    for j in range(k):
        theta = points[j]
        if hessian == "full":
            H = _hessian.full_hessian(target, theta, nthreads)
            n_grad[j] += 2 * dim
        else:
            H = _hessian.ggn_hessian(model, target, theta, x, nthreads)
            n_grad[j] += 2 if model.samples_noise else 0
        H[net, net] -= 1.0 / model.prior_scale**2  # H_lik (plus the log sigma prior's curvature)
        evidence = _Evidence(model, H, theta, float(lp0[j]))
        lam = evidence.fit() if lam_given is None else lam_given
        H[net, net] += lam
        evals, evecs = np.linalg.eigh(H)
        if not evals[0] > 0:
            raise HessianNotPositiveDefinite(
                f"the {hessian!r} Hessian of the negative log posterior at expansion point {j} is not positive "
                f"definite (smallest eigenvalue {evals[0]:.3g} with prior_precision={lam:.6g}); use hessian='ggn' "
                f"(positive semi-definite likelihood term), a larger prior_precision, or a point closer to a MAP "
                f"(at=None runs L-BFGS-B)"
            )
        means[j], hessians[j], lams[j], lmls[j] = theta, H, lam, evidence(lam)
        covs[j] = (evecs / evals) @ evecs.T
        covs[j] = 0.5 * (covs[j] + covs[j].T)
        z = rng.standard_normal((per, dim))
        draws[j] = theta + (z / np.sqrt(evals)) @ evecs.T
    lp, _ = target.log_density(draws.reshape(-1, dim), nthreads, False)
    stats = {"lp": lp.reshape(k, per), "diverging": np.zeros((k, per), dtype=bool)}
    settings: dict[str, Any] = {
        "method": "laplace",
        "sampler": "laplace",
        "hessian": hessian,
        "components": k,
        "n_samples": n_samples,
        "prior_precision": [float(v) for v in lams],
        "prior_precision_fitted": fit_prior,
        "prior": prior_precision if isinstance(prior_precision, str) else "given",
        "log_marginal_likelihood": [float(v) for v in lmls],
        "fd_step": _hessian.FD_STEP,
        "threads": threads,
        **map_info,
    }
    return LaplaceResults(
        mean=means,
        cov=covs,
        hessian=hessians,
        prior_precision=lams,
        log_marginal_likelihood=lmls,
        draws=draws,
        stats=stats,
        step_size=np.full(k, np.nan),
        inv_mass=np.diagonal(covs, axis1=1, axis2=2).copy(),
        n_grad_evals=n_grad,
        wall_time=time.perf_counter() - t0,
        settings=settings,
        seed=seed,
        model=model,
        x=x,
        y=y,
    )
