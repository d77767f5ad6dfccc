"""Curvature of the negative log posterior of an :class:`~symhmc.MLP` for the Laplace baseline.

Both Hessians are finite differences of what the C++ core computes (no second derivatives in the
core): :func:`full_hessian` differentiates the batched log-density gradient, :func:`ggn_blocks`
the batched network outputs.
"""

from __future__ import annotations

import numpy as np

#: Relative step of the central differences: ``h_i = FD_STEP * max(1, |theta_i|)``. The cube root of
#: the float64 machine epsilon balances the O(h^2) truncation and the O(eps / h) rounding errors of a
#: central difference of a first derivative.
FD_STEP = float(np.finfo(np.float64).eps ** (1.0 / 3.0))

# Perturbed network outputs held at once by the GGN Jacobian (float64 entries): about 256 MB.
_JACOBIAN_BLOCK_ENTRIES = 32_000_000


def fd_steps(theta: np.ndarray) -> np.ndarray:
    """Central-difference steps for every coordinate of ``theta``, each exactly representable as the
    difference of ``theta_i + h_i`` and ``theta_i`` (so the divisor is the step actually taken)."""
    h = FD_STEP * np.maximum(1.0, np.abs(theta))
    return (theta + h) - theta


def full_hessian(target, theta: np.ndarray, threads: int) -> np.ndarray:
    """Hessian of ``-target.log_density`` at ``theta`` (dim,) by central differences of its gradient.

    The ``2 * dim`` points ``theta +- h_i e_i`` are evaluated in one batched ``log_density`` call
    (in parallel in the core); column ``i`` is ``-(g(theta + h_i e_i) - g(theta - h_i e_i)) / (2 h_i)``
    and the result is symmetrised, ``(H + H^T) / 2``.
    """
    dim = theta.shape[0]
    h = fd_steps(theta)
    eye = np.diag(h)
    points = np.concatenate([theta + eye, theta - eye])  # (2 dim, dim)
    _, grad = target.log_density(points, threads, True)
    if not np.all(np.isfinite(grad)):
        raise ValueError(
            "the log-density gradient is not finite next to the expansion point; the Hessian "
            "cannot be formed there (is the point a finite MAP estimate?)"
        )
    cols = -(grad[:dim] - grad[dim:]) / (2.0 * h[:, None])  # row i: d grad U / d theta_i
    return 0.5 * (cols + cols.T)


def output_jacobian(model, theta: np.ndarray, x: np.ndarray, threads: int) -> np.ndarray:
    """Jacobian of the network outputs at ``x`` w.r.t. the ``n_params`` network parameters, shape
    ``(n_points * n_outputs, n_params)``, by central differences of ``model.predict`` on batches of
    perturbed parameter vectors (steps as in :func:`fd_steps`)."""
    from .._core import predict as _predict  # noqa: PLC0415  (outputs with the trailing axis kept)

    p = model.n_params
    net = np.ascontiguousarray(theta[:p])
    h = fd_steps(net)
    rows = x.shape[0] * model.n_outputs
    block = max(1, _JACOBIAN_BLOCK_ENTRIES // max(1, 2 * rows))
    jac = np.empty((rows, p))
    widths = list(model.widths)
    for start in range(0, p, block):
        stop = min(p, start + block)
        idx = np.arange(start, stop)
        plus = np.repeat(net[None, :], stop - start, axis=0)
        minus = plus.copy()
        plus[np.arange(stop - start), idx] += h[idx]
        minus[np.arange(stop - start), idx] -= h[idx]
        out = _predict(widths, model.activation, np.concatenate([plus, minus]), x, threads)
        out = out.reshape(2 * (stop - start), rows)
        jac[:, start:stop] = ((out[: stop - start] - out[stop - start :]) / (2.0 * h[idx, None])).T
    if not np.all(np.isfinite(jac)):
        raise ValueError("the network outputs are not finite next to the expansion point; the GGN cannot be formed")
    return jac


def ggn_hessian(model, target, theta: np.ndarray, x: np.ndarray, threads: int) -> np.ndarray:
    """Generalized Gauss-Newton approximation of the Hessian of ``-log posterior`` at ``theta``.

    Network block: ``J^T J / sigma^2 + I / prior_scale^2`` with ``J`` from :func:`output_jacobian`
    and ``sigma`` the noise scale at ``theta`` (fixed ``noise_std``, or ``exp`` of the trailing
    ``log sigma``). When the model samples ``log sigma``, its diagonal entry is the exact second
    derivative (likelihood plus HalfNormal prior, a central difference of the core's gradient along
    that coordinate) and the cross terms between ``log sigma`` and the network parameters are set
    to zero: they are residual-weighted (``2 J^T r / sigma^2``), the kind of term the GGN drops, so
    the matrix is block diagonal and positive definite whenever the ``log sigma`` entry is positive.
    """
    p = model.n_params
    sigma = float(model.noise_scale(theta))
    jac = output_jacobian(model, theta, x, threads)
    H = np.zeros((model.dim, model.dim))
    H[:p, :p] = jac.T @ jac / sigma**2
    H[np.arange(p), np.arange(p)] += 1.0 / model.prior_scale**2
    if model.samples_noise:
        h = fd_steps(theta)[-1]
        points = np.repeat(theta[None, :], 2, axis=0)
        points[0, -1] += h
        points[1, -1] -= h
        _, grad = target.log_density(points, threads, True)
        H[-1, -1] = -(grad[0, -1] - grad[1, -1]) / (2.0 * h)
    return 0.5 * (H + H.T)
