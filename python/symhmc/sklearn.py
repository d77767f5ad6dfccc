"""A scikit-learn regressor around :func:`symhmc.sample`: :class:`BNNRegressor`.

Needs scikit-learn (``pip install 'symhmc[sklearn]'``). ``import symhmc`` does not import this
module; ``symhmc.BNNRegressor`` loads it on first use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.utils import check_random_state
    from sklearn.utils.validation import check_is_fitted
except ImportError as exc:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError("symhmc.BNNRegressor needs scikit-learn: pip install 'symhmc[sklearn]'") from exc

try:
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # scikit-learn < 1.6: the method the function replaced

    def _sk_validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)


from .sampling.options import DEFAULT_DRAWS, DEFAULT_WARMUP, SAMPLER_OPTIONS
from .utils.validation import positive_int
from .model import MLP
from .sampling import sample

__all__ = ["BNNRegressor"]

_DEFAULT_TARGET_ACCEPT: float = SAMPLER_OPTIONS["nuts"]["target_accept"][1]
# Arguments of sample() that BNNRegressor sets itself, so sampler_options must not hold them.
_OWN_ARGUMENTS = frozenset(
    {"chains", "warmup", "draws", "sampler", "seed", "threads", "init", "progress", "target_accept", "max_tree_depth"}
)
# Bytes of network outputs held at once when predicting (the draws times a block of points).
_PREDICT_BLOCK_BYTES = 32 * 2**20


def _standardizer(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and standard deviation (ddof 0) of a 2-D array.

    A constant column gets scale 1 so that it becomes 0 instead of a division by zero; the test
    is StandardScaler's, which also catches the tiny variance rounding leaves on a constant.
    """
    mean = a.mean(axis=0)
    var = a.var(axis=0)
    n, eps = a.shape[0], np.finfo(np.float64).eps
    constant = var <= n * eps * var + (n * mean * eps) ** 2
    scale = np.where(constant, 1.0, np.sqrt(var))
    return mean, scale


def _rng(random_state):
    """A NumPy Generator is used as given; anything else goes through scikit-learn's rules
    (None: the global RandomState, an int: a new seeded RandomState)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return check_random_state(random_state)


class BNNRegressor(RegressorMixin, BaseEstimator):
    """Bayesian neural network regression with many short NUTS chains.

    Fits a Bayesian MLP (:class:`symhmc.MLP`) to standardized data with :func:`symhmc.sample`
    and predicts with the posterior predictive over all draws of all chains, in the units of
    ``y``. Inputs and targets are standardized per column (mean 0, standard deviation 1; a
    constant column is only centred), as in the paper, so the priors and the initial points
    mean the same thing whatever the data's units.

    Parameters
    ----------
    hidden : tuple of int, default=(3,)
        Width of every hidden layer (the paper's f1 is ``(3,)``); ``()`` is Bayesian linear
        regression.
    activation : {"tanh", "relu", "identity"}, default="tanh"
        Activation of the hidden layers.
    chains : int or {"auto", "bound"}, default=64
        Independent chains, or a rule choosing their number (see :func:`symhmc.sample`).
    warmup : int, default=1024
        Adaptation iterations per chain (the paper's value).
    draws : int, default=1
        Draws kept per chain (the paper keeps one).
    sampler : {"nuts", "hmc"}, default="nuts"
        Multinomial NUTS or static HMC.
    seed : int or None, default=None
        Seed of all chains; ``None`` draws fresh entropy on every fit (recorded in
        ``results_.seed``). With an int, fits are reproducible bit for bit for any ``threads``.
    threads : int or None, default=None
        Threads running chains; ``None`` uses all cores. Set 1 when an outer loop already runs
        fits in parallel (e.g. ``cross_val_score(..., n_jobs=2)``).
    init : {"uniform", "prior"}, default="uniform"
        Initial points of the chains (see :func:`symhmc.sample`).
    progress : bool, default=False
        Show a progress bar while sampling.
    prior_scale : float, default=1.0
        Standard deviation of the Gaussian prior on every weight and bias.
    noise_std : float or None, default=None
        Fixed noise standard deviation on the standardized scale of ``y``, or ``None`` to sample
        it with a HalfNormal(``noise_prior_scale``) prior.
    noise_prior_scale : float, default=1.0
        Scale of the HalfNormal prior on the noise standard deviation (standardized scale).
    target_accept : float, default=0.8
        Acceptance rate the step size is adapted towards.
    max_tree_depth : int or None, default=None
        Largest NUTS tree depth; ``None`` keeps the core's default (10). NUTS only.
    sampler_options : dict or None, default=None
        Further options of :func:`symhmc.sample` (e.g. ``{"step_size": 0.1}``), passed unchanged.
    dtype : {"float64", "float32"}, default="float64"
        Precision of the likelihood (see :class:`symhmc.MLP`); float32 is about twice as fast
        and, with ``sampler_options={"adaptation": "gradient"}`` and ``warmup=256``, makes the
        documented fast settings.

    Attributes
    ----------
    results_ : SampleResults
        The run, on the standardized scale: ``results_.x`` and ``results_.y`` are the
        standardized training data and its scores (``results_.lppd`` ...) are in those units.
    model_ : MLP
        The network sampled (``n_inputs`` and ``n_outputs`` from the data).
    n_features_in_ : int
        Number of input columns seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Column names of ``X`` in :meth:`fit`, when ``X`` had string column names (pandas).
    n_outputs_ : int
        Number of targets.
    x_mean_, x_scale_ : ndarray of shape (n_features_in_,)
        Means and scales used to standardize ``X`` (scale 1 for a constant column).
    y_mean_, y_scale_ : ndarray of shape (n_outputs_,)
        Means and scales used to standardize ``y``.

    See Also
    --------
    symhmc.sample : The sampler underneath, with every option.
    sklearn.gaussian_process.GaussianProcessRegressor : The same ``predict`` / ``sample_y``
        interface for a Gaussian process.

    Notes
    -----
    Several targets share one network (one output per target) and one noise scale on the
    standardized scale. The defaults are the paper's settings except for the number of chains
    (the paper runs 1274); a fit then costs some seconds for small networks and data. For quick
    experiments fewer chains and a shorter warmup (e.g. ``chains=16, warmup=200``) are usually
    enough for the predictive mean.

    Examples
    --------
    >>> import numpy as np
    >>> from symhmc import BNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-2, 2, size=(80, 1))
    >>> y = 300 + 50 * np.sin(2 * X[:, 0]) + rng.normal(scale=5, size=80)
    >>> reg = BNNRegressor(chains=8, warmup=200, seed=0).fit(X, y)
    >>> mean, std = reg.predict(X[:3], return_std=True)
    >>> mean.shape, std.shape
    ((3,), (3,))
    >>> reg.sample_y(X[:3], n_samples=5, random_state=0).shape
    (3, 5)
    """

    def __init__(
        self,
        hidden=(3,),
        activation="tanh",
        *,
        chains=64,
        warmup=DEFAULT_WARMUP,
        draws=DEFAULT_DRAWS,
        sampler="nuts",
        seed=None,
        threads=None,
        init="uniform",
        progress=False,
        prior_scale=1.0,
        noise_std=None,
        noise_prior_scale=1.0,
        target_accept=_DEFAULT_TARGET_ACCEPT,
        max_tree_depth=None,
        sampler_options=None,
        dtype="float64",
    ):
        # scikit-learn's convention: store the arguments unchanged, check them in fit.
        self.hidden = hidden
        self.activation = activation
        self.chains = chains
        self.warmup = warmup
        self.draws = draws
        self.sampler = sampler
        self.seed = seed
        self.threads = threads
        self.init = init
        self.progress = progress
        self.prior_scale = prior_scale
        self.noise_std = noise_std
        self.noise_prior_scale = noise_prior_scale
        self.target_accept = target_accept
        self.max_tree_depth = max_tree_depth
        self.sampler_options = sampler_options
        self.dtype = dtype

    # ----- tags ---------------------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multioutput": True}

    # ----- fitting ------------------------------------------------------------------------
    def _options(self) -> dict[str, Any]:
        """The sampler options: the explicit parameters plus ``sampler_options``."""
        extra = self.sampler_options
        if extra is None:
            extra = {}
        if not isinstance(extra, dict):
            raise TypeError(f"sampler_options must be a dict or None, got {type(extra).__name__}")
        clash = sorted(set(extra) & _OWN_ARGUMENTS)
        if clash:
            raise ValueError(f"sampler_options must not hold {clash}: they are parameters of BNNRegressor")
        options = {"target_accept": self.target_accept, **extra}
        if self.max_tree_depth is not None:
            options["max_tree_depth"] = self.max_tree_depth
        return options

    def _build_model(self, n_inputs: int, n_outputs: int) -> MLP:
        return MLP(
            hidden=self.hidden,
            activation=self.activation,
            n_inputs=n_inputs,
            n_outputs=n_outputs,
            prior_scale=self.prior_scale,
            noise_std=self.noise_std,
            noise_prior_scale=self.noise_prior_scale,
            dtype=self.dtype,
        )

    def fit(self, X, y):
        """Sample the posterior of the network given ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs (a pandas DataFrame records its column names).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.

        Returns
        -------
        self : BNNRegressor
            The fitted estimator.

        Examples
        --------
        >>> from symhmc import BNNRegressor
        >>> rng = np.random.default_rng(0)
        >>> X = rng.uniform(-2, 2, size=(30, 1))
        >>> y = 300 + 50 * np.sin(2 * X[:, 0]) + rng.normal(scale=5, size=30)
        >>> reg = BNNRegressor(chains=4, warmup=50, seed=0).fit(X, y)
        >>> reg.n_features_in_, reg.results_.n_chains
        (1, 4)
        """
        X, y = _sk_validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        y2 = y.reshape(y.shape[0], -1)
        model = self._build_model(X.shape[1], y2.shape[1])
        options = self._options()
        x_mean, x_scale = _standardizer(X)
        y_mean, y_scale = _standardizer(y2)
        results = sample(
            model,
            (X - x_mean) / x_scale,
            (y2 - y_mean) / y_scale,
            chains=self.chains,
            warmup=self.warmup,
            draws=self.draws,
            sampler=self.sampler,
            seed=self.seed,
            threads=self.threads,
            init=self.init,
            progress=self.progress,
            **options,
        )
        if results.n_chains == 0:
            raise RuntimeError("sampling was interrupted before any chain finished; nothing to predict with")
        self.results_, self.model_ = results, model
        self.x_mean_, self.x_scale_, self.y_mean_, self.y_scale_ = x_mean, x_scale, y_mean, y_scale
        self.n_outputs_ = y2.shape[1]
        self._y_1d = y.ndim == 1  # predictions then drop the output axis, as y did
        return self

    # ----- prediction ---------------------------------------------------------------------
    def _standardized_x(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = _sk_validate_data(self, X, reset=False, dtype=np.float64)
        return (X - self.x_mean_) / self.x_scale_

    def _outputs(self, params: np.ndarray, xs: np.ndarray) -> np.ndarray:
        """Network outputs of every vector in ``params`` at ``xs``, ``(n_vectors, n_points, n_outputs)``."""
        f = self.model_.predict(params, xs, threads=self.threads)
        return np.asarray(f, dtype=float).reshape(params.shape[0], xs.shape[0], self.n_outputs_)

    def _user_shape(self, a: np.ndarray) -> np.ndarray:
        """``(n_points, n_outputs, ...)`` -> ``(n_points, ...)`` when ``y`` was 1-D."""
        return a[:, 0] if self._y_1d else a

    def predict(self, X, return_std=False):
        """Posterior predictive mean (and standard deviation) at ``X``, in the units of ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        return_std : bool, default=False
            Also return the predictive standard deviation: the spread of the networks over the
            draws plus the noise, ``sqrt(var_s f_s(x) + mean_s sigma_s^2)`` times ``y_scale_``.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictive mean (the shape of ``y`` in :meth:`fit`).
        y_std : ndarray of the same shape
            Predictive standard deviation; only with ``return_std=True``.

        Examples
        --------
        >>> from symhmc import BNNRegressor
        >>> rng = np.random.default_rng(0)
        >>> X = rng.uniform(-2, 2, size=(30, 1))
        >>> y = 300 + 50 * np.sin(2 * X[:, 0]) + rng.normal(scale=5, size=30)
        >>> reg = BNNRegressor(chains=4, warmup=50, seed=0).fit(X, y)
        >>> mean, std = reg.predict(X[:2], return_std=True)
        >>> mean.shape, bool(200 < mean.mean() < 400), bool(np.all(std > 0))  # in the units of y
        ((2,), True, True)
        """
        xs = self._standardized_x(X)
        params = self.results_.flat_draws()
        noise_var = float(np.mean(self.model_.noise_scale(params) ** 2))
        mean = np.empty((xs.shape[0], self.n_outputs_))
        var = np.empty_like(mean)
        # Blocks of points keep the (draws, points, outputs) outputs within a fixed memory budget.
        block = max(1, _PREDICT_BLOCK_BYTES // (8 * params.shape[0] * self.n_outputs_))
        for start in range(0, xs.shape[0], block):
            f = self._outputs(params, xs[start : start + block])
            mean[start : start + block] = f.mean(axis=0)
            var[start : start + block] = f.var(axis=0) + noise_var
        y_mean = self._user_shape(mean * self.y_scale_ + self.y_mean_)
        if not return_std:
            return y_mean
        return y_mean, self._user_shape(np.sqrt(var) * self.y_scale_)

    def sample_y(self, X, n_samples=1, random_state=None):
        """Draws from the posterior predictive at ``X``, in the units of ``y``.

        Each sample picks one posterior draw at random (the same one for all points, so a sample
        is one function plus noise) and adds its Gaussian noise independently at every point.

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
            Inputs.
        n_samples : int, default=1
            Number of samples per point.
        random_state : int, numpy.random.RandomState, numpy.random.Generator or None, default=None
            Source of the random choices (``None``: NumPy's global RandomState).

        Returns
        -------
        y_samples : ndarray of shape (n_samples_X, n_samples) or (n_samples_X, n_outputs, n_samples)
            The samples; the second shape when ``y`` was 2-D in :meth:`fit`.

        Examples
        --------
        >>> from symhmc import BNNRegressor
        >>> rng = np.random.default_rng(0)
        >>> X = rng.uniform(-2, 2, size=(30, 1))
        >>> y = 300 + 50 * np.sin(2 * X[:, 0]) + rng.normal(scale=5, size=30)
        >>> reg = BNNRegressor(chains=4, warmup=50, seed=0).fit(X, y)
        >>> reg.sample_y(X[:2], n_samples=3, random_state=0).shape
        (2, 3)
        """
        n_samples = positive_int(n_samples, "n_samples")
        xs = self._standardized_x(X)
        rng = _rng(random_state)
        params = self.results_.flat_draws()
        pick = params[rng.choice(params.shape[0], size=n_samples)]
        f = self._outputs(pick, xs)
        sigma = self.model_.noise_scale(pick)[:, None, None]
        y = (f + sigma * rng.standard_normal(f.shape)) * self.y_scale_ + self.y_mean_
        return self._user_shape(np.moveaxis(y, 0, -1))
