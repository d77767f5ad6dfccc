"""Whether a reproduced LPPD agrees with the paper's: within a number of combined standard errors."""

from __future__ import annotations

import math

#: Combined standard errors within which a cell counts as agreeing with the paper.
AGREEMENT_SES = 2.0


def combined_se(se: float, paper_se: float) -> float:
    """``sqrt(se**2 + paper_se**2)``: the standard error of the difference of two independent estimates."""
    return math.hypot(se, paper_se)


def agrees(lppd, se, paper_lppd, paper_se, n_se: float = AGREEMENT_SES) -> bool | None:
    """Whether ``|lppd - paper_lppd| <= n_se * sqrt(se**2 + paper_se**2)``.

    Parameters
    ----------
    lppd, se : float or None
        Our test LPPD and its standard error.
    paper_lppd, paper_se : float or None
        The paper's.
    n_se : float
        Number of combined standard errors allowed (default 2).

    Returns
    -------
    bool or None
        None when there is nothing to compare (no paper value, or no finite value of ours).

    Raises
    ------
    ValueError
        If a standard error or ``n_se`` is negative.

    Examples
    --------
    >>> from symhmc.reproduce import agrees
    >>> agrees(0.78, 0.06, 0.79, 0.06)
    True
    >>> agrees(0.50, 0.03, 0.79, 0.06)
    False
    >>> agrees(0.78, 0.06, None, None) is None
    True
    """
    if n_se < 0:
        raise ValueError(f"n_se must be >= 0, got {n_se}")
    values = (lppd, se, paper_lppd, paper_se)
    if any(v is None or not math.isfinite(v) for v in values):
        return None
    if se < 0 or paper_se < 0:
        raise ValueError(f"se and paper_se must be >= 0, got se={se}, paper_se={paper_se}")
    return bool(abs(lppd - paper_lppd) <= n_se * combined_se(se, paper_se))
