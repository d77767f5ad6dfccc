"""Deep ensembles: ``members`` networks trained independently from random initial points by
full-batch gradient descent on the negative log posterior density (priors and the ``log sigma``
parameterisation included: the training objective is exactly what :func:`symhmc.sample`
samples), in parallel in the compiled core.

The result is a :class:`~symhmc.SampleResults` (an :class:`EnsembleResults`) whose draws have
shape ``(members, 1, dim)``: every member is one "chain" with one draw, so ``predict``,
``lppd``, ``rmse``, ``coverage``, ``crps``, ``summary``, ``save``/``symhmc.load`` and
``to_arviz`` work unchanged, and the predictive is the equal-weight mixture of the members'
Gaussians ``Normal(y | f_m(x), sigma_m^2)``. Passing it as ``init=`` to :func:`symhmc.sample`
starts chain ``c`` at member ``c mod members`` (DEI-MCMC).
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, Literal, Union

import numpy as np

from .. import _core
from ..sampling import runner
from ..utils.validation import as_float_array, positive_float, positive_int, threads_arg
from ..model import MLP, gaussian_logpdf
from ..results import STAT_NAMES, SampleResults, register_kind
from ..evaluate import scores as _scores
from ..evaluate.pointwise import mean_and_se

__all__ = ["deep_ensemble", "EnsembleResults", "PRESETS", "PresetName", "OptimizerName"]

PresetName = Literal["paper", "paper-code"]
OptimizerName = Literal["rmsprop", "adam"]

#: Training presets. ``epochs`` maps the number of hidden layers (1, or more) to the epochs.
#: ``"paper"``: what the paper states (RMSprop, learning rate 1e-4, 500 epochs for the
#: one-hidden-layer f1, 1000 otherwise). ``"paper-code"``: what the authors' script ran: it
#: passed the learning rate through ``int(1e-4) == 0`` and the optimiser fell back to its
#: default 0.01; this produced the paper's numbers.
PRESETS: dict[str, dict[str, Any]] = {
    "paper": {"optimizer": "rmsprop", "learning_rate": 1e-4, "epochs": {1: 500, "other": 1000}},
    "paper-code": {"optimizer": "rmsprop", "learning_rate": 0.01, "epochs": {1: 500, "other": 1000}},
}

DEFAULT_PATIENCE = 50


@register_kind
class EnsembleResults(SampleResults):
    """A deep ensemble as :class:`~symhmc.SampleResults` (draws ``(members, 1, dim)``).

    Returned by :func:`deep_ensemble`. The extra attributes are kept by :meth:`save`;
    :func:`symhmc.load` gives back an ``EnsembleResults``.

    Attributes
    ----------
    draws, stats, step_size, inv_mass, n_grad_evals, wall_time, settings, seed, partial, chain_ids, model, x, y, convergence : see SampleResults
        As for :class:`~symhmc.SampleResults` (one "chain" of one draw per member).
    losses : ndarray, shape (members, epochs)
        Training loss ``-log p(params | data)`` before each update (NaN after a member stopped).
    val_losses : ndarray, shape (members, epochs) or (members, 0)
        Validation loss per epoch (``-log`` density of the posterior on the validation data,
        prior included), empty without validation.
    best_epoch : ndarray, shape (members,)
        Number of updates behind each member's returned parameters.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> model = symhmc.MLP(hidden=(2,))
    >>> ens = symhmc.baselines.deep_ensemble(model, x, y, members=3, epochs=50, seed=0, progress=False)
    >>> ens.members, ens.draws.shape, ens.losses.shape
    (3, (3, 1, 8), (3, 50))
    """

    losses: np.ndarray
    val_losses: np.ndarray
    best_epoch: np.ndarray
    _extra_arrays = ("losses", "val_losses", "best_epoch")

    @property
    def members(self) -> int:
        """Number of ensemble members (the number of chains)."""
        return self.n_chains

    def lppd(
        self,
        x,
        y,
        *,
        pointwise: bool = False,
        moment_matched: bool = False,
        memory_budget: int = _scores.DEFAULT_MEMORY_BUDGET,
    ):
        """Mean log pointwise predictive density on ``(x, y)`` and its standard error.

        Default: the equal-weight mixture of the members' Gaussians, scored by the same code as
        MCMC draws. ``moment_matched=True``: the single Gaussian matched to the ensemble's first
        two moments, as the paper's authors scored their ensembles (see
        :meth:`lppd_moment_matched`).

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Test inputs.
        y : array_like, shape (n_points,) or (n_points, 1)
            Test targets.
        pointwise : bool, default False
            Return the per-point values instead.
        moment_matched : bool, default False
            Score the moment-matched Gaussian instead of the mixture.
        memory_budget : int, default 64 MiB
            Bytes of float64 temporaries per block of test points (mixture only).

        Returns
        -------
        symhmc.scores.LPPD or ndarray of shape (n_points,)
            ``LPPD(mean, se)``, or the per-point values with ``pointwise=True``.

        Raises
        ------
        TypeError
            If ``moment_matched`` is not a bool, or the data are not numeric.
        ValueError
            If the data do not fit the model or hold NaN or infinity.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> model = symhmc.MLP(hidden=(2,))
        >>> ens = symhmc.baselines.deep_ensemble(model, x, y, members=3, epochs=50, seed=0, progress=False)
        >>> mixture = ens.lppd(x, y)
        >>> matched = ens.lppd(x, y, moment_matched=True)
        >>> bool(np.isfinite(mixture.mean) and np.isfinite(matched.mean))
        True
        """
        if not isinstance(moment_matched, (bool, np.bool_)):
            raise TypeError(f"moment_matched must be True or False, got {moment_matched!r}")
        if moment_matched:
            return self.lppd_moment_matched(x, y, pointwise=pointwise)
        return super().lppd(x, y, pointwise=pointwise, memory_budget=memory_budget)

    def lppd_moment_matched(self, x, y, *, pointwise: bool = False):
        """LPPD of the single Gaussian matched to the ensemble's first two moments.

        Mean of the member means, variance ``mean_m sigma_m^2 + var_m f_m(x)`` (population
        variance). This is how the authors' code scored their deep ensembles; :meth:`lppd` scores the
        equal-weight mixture of the members' Gaussians instead.

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Test inputs.
        y : array_like, shape (n_points,) or (n_points, 1)
            Test targets.
        pointwise : bool, default False
            Return the per-point values instead.

        Returns
        -------
        symhmc.scores.LPPD or ndarray of shape (n_points,)
            ``LPPD(mean, se)``, or the per-point values with ``pointwise=True``.

        Raises
        ------
        ValueError
            If the results have no model, the model has several outputs, or the data do not fit it.
        TypeError
            If the data are not numeric.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> model = symhmc.MLP(hidden=(2,))
        >>> ens = symhmc.baselines.deep_ensemble(model, x, y, members=3, epochs=50, seed=0, progress=False)
        >>> ens.lppd_moment_matched(x, y, pointwise=True).shape
        (20,)
        """
        model = self._scoring_model("lppd_moment_matched")
        if model.n_outputs != 1:
            raise ValueError("lppd_moment_matched supports one output only")
        x = model.check_x(x)
        y = model.check_y(y, x.shape[0])
        params = self.flat_draws()
        f = model.predict(params, x)  # (members, n)
        sigma = np.asarray(model.noise_scale(params), dtype=np.float64).reshape(-1)
        var = np.mean(sigma**2) + np.var(f, axis=0)
        per_point = gaussian_logpdf(y.reshape(-1), f.mean(axis=0), np.sqrt(var))
        if pointwise:
            return per_point
        return mean_and_se(per_point)

    def __repr__(self) -> str:
        s = self.settings
        return (
            f"EnsembleResults({self.n_chains} members of {self.dim} coordinates, {s.get('optimizer')} "
            f"lr={s.get('learning_rate')} epochs={s.get('epochs')}, {self.wall_time:.2f} s; {self.model!r})"
        )


def _resolve_training(model: MLP, preset, optimizer, epochs, learning_rate) -> dict[str, Any]:
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    p = PRESETS[preset]
    if optimizer is None:
        optimizer = p["optimizer"]
    if optimizer not in ("rmsprop", "adam"):
        raise ValueError(f"optimizer must be 'rmsprop' or 'adam', got {optimizer!r}")
    if epochs is None:
        epochs = p["epochs"][1] if len(model.hidden) == 1 else p["epochs"]["other"]
    epochs = positive_int(epochs, "epochs", maximum=2**40)
    learning_rate = positive_float(p["learning_rate"] if learning_rate is None else learning_rate, "learning_rate")
    return {"optimizer": optimizer, "epochs": epochs, "learning_rate": learning_rate}


def _split_validation(model: MLP, x, y, validation, ss: np.random.SeedSequence):
    """(x_train, y_train, x_val, y_val, description); x_val is None without validation."""
    if validation is None:
        return x, y, None, None, None
    if isinstance(validation, numbers.Real) and not isinstance(validation, bool):
        frac = float(validation)
        if not 0.0 < frac < 1.0:
            raise ValueError(f"validation must be a fraction in (0, 1) or a pair (x_val, y_val), got {validation!r}")
        n = x.shape[0]
        n_val = int(round(frac * n))
        if n_val < 1 or n_val >= n:
            raise ValueError(f"validation={frac} leaves {n_val} of {n} points for validation; need 1 to {n - 1}")
        rng = np.random.default_rng(np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 2)))
        perm = rng.permutation(n)
        val, train = np.sort(perm[:n_val]), np.sort(perm[n_val:])
        return x[train], y[train], x[val], y[val], {"fraction": frac, "n_val": n_val}
    if isinstance(validation, (tuple, list)) and len(validation) == 2:
        xv = model.check_x(validation[0], "validation x")
        yv = model.check_y(validation[1], xv.shape[0], "validation y")
        return x, y, xv, yv, {"n_val": int(xv.shape[0])}
    raise TypeError(
        f"validation must be None, a fraction in (0, 1) or a pair (x_val, y_val), got {type(validation).__name__}"
    )


def deep_ensemble(
    model: MLP,
    x,
    y,
    *,
    members: int = 10,
    preset: PresetName = "paper-code",
    optimizer: Union[OptimizerName, None] = None,
    epochs: Union[int, None] = None,
    learning_rate: Union[float, None] = None,
    seed: Union[int, None] = None,
    threads: Union[int, None] = None,
    validation=None,
    patience: Union[int, None] = None,
    init=None,
    progress: bool = True,
) -> EnsembleResults:
    """Train a deep ensemble of ``members`` networks (in parallel, in the compiled core).

    Every member starts at a point uniform on ``(-2, 2)^dim`` (the sampler's initialisation)
    and runs full-batch RMSprop or Adam on ``-log p(theta, log sigma | x, y)``, the log
    density :func:`symhmc.sample` samples (priors included).

    Parameters
    ----------
    model : MLP
        The network, priors and likelihood.
    x, y : array_like
        Training data, as for :func:`symhmc.sample`.
    members : int, default 10
        Ensemble size (the paper: 10).
    preset : {"paper-code", "paper"}, default "paper-code"
        ``"paper-code"``: RMSprop, learning rate 0.01, 500 epochs for one hidden layer
        (f1), 1000 otherwise (f2). This is what produced the paper's deep-ensemble numbers: the
        authors' script passed the stated learning rate through ``int(1e-4)``, which is 0, and
        their optimiser fell back to its default 0.01. ``"paper"``: the same with the learning
        rate the paper states, 1e-4.
    optimizer : {"rmsprop", "adam"}, optional
        Optimiser, overriding the preset.
    epochs : int, optional
        Epochs (full-batch updates), overriding the preset.
    learning_rate : float, optional
        Learning rate, overriding the preset. Other optimiser constants are the core's defaults
        (``symhmc._core.OptimizerSettings``: RMSprop rho 0.9, eps 1e-8 added outside the
        square root; Adam beta1 0.9, beta2 0.999, eps 1e-8).
    seed : int, optional
        Seed of the members' initial points: member ``m`` draws from the Philox stream
        ``(key(seed), 2**63 + m)``, a stream id no sampler chain uses (chains use ``c < 2**63``).
        Results are identical bit for bit for any ``threads``.
    threads : int, optional
        Threads (default: all); members are trained in parallel.
    validation : float or (x_val, y_val), optional
        Early stopping: a fraction of the training rows held out (chosen with ``seed``; the
        members train on the rest) or a separate validation set. Each member keeps the
        parameters of its lowest validation loss (``-log`` posterior density on the validation
        data) and stops after ``patience`` epochs without improvement.
    patience : int, optional
        Epochs without improvement before stopping (default 50 with validation; 0 keeps the best
        epoch but never stops early). An error without ``validation``.
    init : array_like (members, dim), optional
        Starting points instead of the uniform draws.
    progress : bool, default True
        Show a progress bar over the epochs of all members (members done in its postfix; a
        member stopped early counts in full). On Ctrl-C the members that finished training are
        returned with ``partial=True`` and a warning (``chain_ids`` says which); with none
        finished, ``KeyboardInterrupt`` is raised.

    Returns
    -------
    EnsembleResults
        A :class:`~symhmc.SampleResults` with draws ``(members, 1, dim)``; ``settings`` holds
        ``method="deep_ensemble"`` and every optimiser setting; ``stats["lp"]`` is each member's
        final log density (``energy`` its loss, ``n_steps`` its training gradient evaluations,
        ``diverging`` whether it stopped at a non-finite loss, ``acceptance_rate`` 0,
        ``step_size`` the learning rate); ``losses`` (members, epochs) the training curves.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~symhmc.MLP`, the data or ``init`` are not numeric, an
        integer argument is not an integer, ``progress`` is not a bool, or ``validation`` is
        neither a fraction nor a pair.
    ValueError
        If the data do not fit the model, ``preset`` or ``optimizer`` is unknown, a count or the
        learning rate is out of range, ``validation`` leaves no point on either side, ``patience``
        is given without ``validation``, or ``init`` is not ``(members, dim)``.
    KeyboardInterrupt
        If interrupted before any member finished training.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> model = symhmc.MLP(hidden=(2,))
    >>> ens = symhmc.baselines.deep_ensemble(model, x, y, members=3, epochs=50, seed=0, progress=False)
    >>> ens.draws.shape, ens.settings["optimizer"], ens.settings["learning_rate"]
    ((3, 1, 8), 'rmsprop', 0.01)

    Early stopping on a held-out quarter of the data:

    >>> ens = symhmc.baselines.deep_ensemble(model, x, y, members=2, epochs=50, validation=0.25,
    ...                                      patience=5, seed=0, progress=False)
    >>> ens.val_losses.shape
    (2, 50)
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a symhmc.MLP, got {type(model).__name__}")
    members = positive_int(members, "members", maximum=2**40)
    x = model.check_x(x)
    y = model.check_y(y, x.shape[0])
    training = _resolve_training(model, preset, optimizer, epochs, learning_rate)
    n_threads = threads_arg(threads)
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    ss = runner.seed_sequence(seed)
    x_train, y_train, x_val, y_val, val_info = _split_validation(model, x, y, validation, ss)
    if patience is None:
        patience = DEFAULT_PATIENCE if x_val is not None else 0
    else:
        if x_val is None:
            raise ValueError("patience needs validation= (early stopping watches a validation loss)")
        patience = positive_int(patience, "patience", minimum=0, maximum=2**40)
    init_arr = None
    if init is not None:
        init_arr = as_float_array(init, "init", ndim=2)
        if init_arr.shape != (members, model.dim):
            raise ValueError(f"init must have shape (members, dim) = ({members}, {model.dim}), got {init_arr.shape}")

    settings = _core.OptimizerSettings()
    settings.optimizer = training["optimizer"]
    settings.learning_rate = training["learning_rate"]
    settings.epochs = training["epochs"]
    settings.validate()
    target = model.posterior(x_train, y_train)
    val_target = model.posterior(x_val, y_val) if x_val is not None else None
    kwargs = dict(
        members=members,
        settings=settings,
        key=runner.stream_key(ss),
        threads=n_threads,
        init=init_arr,
        validation=val_target,
        patience=patience,
    )
    out, interrupted, seconds = runner.run_with_progress(
        target, kwargs, members, bool(progress), run=_core.train_members, desc="deep ensemble", unit="member"
    )
    # Ctrl-C: keep the members that finished training (as sample() keeps finished chains).
    keep = np.flatnonzero(out["finished"])
    partial = bool(interrupted) or len(keep) < members
    if partial:
        if len(keep) == 0:
            raise KeyboardInterrupt("deep_ensemble was interrupted before any member finished training")
        warnings.warn(
            f"training was interrupted: returning the {len(keep)} of {members} members that finished "
            "(results.partial is True)",
            RuntimeWarning,
            stacklevel=2,
        )
        out = {
            k: (v[keep] if isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == members else v)
            for k, v in out.items()
        }
    n_kept = len(keep)

    # Sampler statistics, filled so that every consumer of SampleResults accepts them: no
    # acceptance (0), the learning rate as the step size, one draw made of ``n_steps`` training
    # gradient evaluations (epochs run + 1), ``diverging`` = stopped at a non-finite loss.
    n_grad = (np.sum(np.isfinite(out["losses"]), axis=1) + 1).astype(np.int64)
    stats: dict[str, np.ndarray] = {
        "lp": -out["final_loss"].reshape(n_kept, 1),
        "acceptance_rate": np.zeros((n_kept, 1)),
        "step_size": np.full((n_kept, 1), settings.learning_rate),
        "tree_depth": np.zeros((n_kept, 1), dtype=np.int32),
        "n_steps": n_grad.reshape(n_kept, 1).copy(),
        "diverging": out["nonfinite"].reshape(n_kept, 1).copy(),
        "energy": out["final_loss"].reshape(n_kept, 1).copy(),
    }
    assert set(stats) == set(STAT_NAMES)
    all_settings: dict[str, Any] = {
        "method": "deep_ensemble",
        "sampler": "deep_ensemble",
        "preset": preset,
        "members": members,
        "chains": members,
        "warmup": 0,
        "draws": 1,
        "optimizer": settings.optimizer,
        "learning_rate": settings.learning_rate,
        "epochs": settings.epochs,
        "rho": settings.rho,
        "beta1": settings.beta1,
        "beta2": settings.beta2,
        "eps": settings.eps,
        "init_radius": settings.init_radius,
        "init": "uniform" if init_arr is None else "array",
        "validation": val_info,
        "patience": patience,
        "threads": n_threads if n_threads > 0 else int(_core.max_threads()),
        "seed": runner.seed_entropy(ss),
        "rng": "philox4x32-10, stream (key, 2**63 + member)",
        "loss": "-log posterior density (priors and log-sigma parameterisation included), full batch",
    }
    results = EnsembleResults(
        draws=out["params"].reshape(n_kept, 1, model.dim),
        stats=stats,
        step_size=np.full(n_kept, settings.learning_rate),
        inv_mass=np.ones((n_kept, model.dim)),
        n_grad_evals=n_grad,
        wall_time=seconds,
        settings=all_settings,
        seed=runner.seed_entropy(ss),
        partial=partial,
        chain_ids=keep,
        model=model,
        x=x,
        y=y,
    )
    results.losses = out["losses"]
    results.val_losses = out["val_losses"]
    results.best_epoch = out["best_epoch"]
    return results
