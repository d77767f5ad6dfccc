"""Is the data roughly standardized? The model's priors (N(0, prior_scale²) on every weight and
bias, a HalfNormal noise scale) and the paper's experiments assume inputs and targets of about
unit scale; far from it, the network cannot reach the data without extreme weights and the
posterior, its predictions and ``chains="auto"`` mislead without any error. :func:`sample`
warns with a :class:`DataScaleWarning` when a column is off by these limits."""

from __future__ import annotations

import warnings

import numpy as np

#: A column is "far from standardized" when ``|mean| > MEAN_LIMIT`` or its standard deviation
#: (ddof=0) is outside ``SD_RANGE``: with unit-scale priors, a mean of 3 is already three prior
#: standard deviations of the output bias, and a factor of 10 in scale is what the weights would
#: have to make up.
MEAN_LIMIT = 3.0
SD_RANGE = (0.1, 10.0)
#: Columns named in the warning before "and N more".
_MAX_LISTED = 3


class DataScaleWarning(RuntimeWarning):
    """The inputs or targets given to :func:`symhmc.sample` are far from standardized.

    A ``RuntimeWarning``: a column with ``|mean| > 3`` or a standard deviation outside
    ``[0.1, 10]``. The priors assume unit-scale data; standardize and transform predictions back.

    Examples
    --------
    >>> import warnings
    >>> x = np.linspace(-1, 1, 10)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = symhmc.sample(symhmc.MLP(hidden=(1,)), x, 50 * x + 300, chains=2, warmup=10, seed=0,
    ...                       progress=False)
    >>> any(issubclass(w.category, symhmc.DataScaleWarning) for w in caught)
    True
    """


def _column_problem(values: np.ndarray) -> str | None:
    """``"mean m, sd s"`` when the column breaks a limit, else None."""
    mean, sd = float(np.mean(values)), float(np.std(values))
    if abs(mean) > MEAN_LIMIT or not SD_RANGE[0] <= sd <= SD_RANGE[1]:
        return f"mean {round(mean, 6) + 0.0:.3g}, sd {sd:.3g}"  # no "-1e-14" for a centred column
    return None


def _problems(a: np.ndarray, name: str) -> list[str]:
    """One line per offending column of the 2-D array ``a``."""
    out = []
    for j in range(a.shape[1]):
        problem = _column_problem(a[:, j])
        if problem is not None:
            out.append(f"{name} (column {j}): {problem}" if a.shape[1] > 1 else f"{name}: {problem}")
    return out


def scale_problems(x: np.ndarray, y: np.ndarray) -> list[str]:
    """The columns of ``x`` and ``y`` (2-D) that are far from standardized, described."""
    return _problems(y, "y") + _problems(x, "x")


def warn_if_unscaled(x: np.ndarray, y: np.ndarray, stacklevel: int = 2) -> None:
    """Warn (:class:`DataScaleWarning`) when ``x`` or ``y`` is far from standardized."""
    problems = scale_problems(x, y)
    if not problems:
        return
    listed = "; ".join(problems[:_MAX_LISTED])
    if len(problems) > _MAX_LISTED:
        listed += f"; and {len(problems) - _MAX_LISTED} more column(s)"
    warnings.warn(
        f"the data are far from standardized ({listed}; expected |mean| <= {MEAN_LIMIT:g} and sd in "
        f"[{SD_RANGE[0]:g}, {SD_RANGE[1]:g}]). The priors assume unit-scale data, so the posterior and its "
        "predictions can be badly off without any error. Standardize x and y (subtract the training mean, "
        "divide by the training sd, as the paper does) and transform predictions back.",
        DataScaleWarning,
        stacklevel=stacklevel + 1,
    )
