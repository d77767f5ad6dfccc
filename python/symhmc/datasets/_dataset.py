"""The Dataset type and the paper's preprocessing (standardize every column over all rows)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """A standardized train/test split that remembers how it was scaled.

    ``x`` arrays are (n, n_features), ``y`` arrays (n,), all in standardized units.

    Attributes
    ----------
    name : str
        The data set's name.
    x_train, x_test : numpy.ndarray
        Standardized inputs, shape (n, n_features).
    y_train, y_test : numpy.ndarray
        Standardized targets, shape (n,).
    x_mean, x_std : numpy.ndarray or None
        Column means and standard deviations (ddof=0) of the raw inputs over all rows, shape
        (n_features,); None when the scaling is not known.
    y_mean, y_std : float or None
        Mean and standard deviation (ddof=0) of the raw target over all rows; None when the
        scaling is not known.

    Examples
    --------
    >>> import numpy as np
    >>> from symhmc.datasets import from_arrays
    >>> ds = from_arrays(np.arange(10.0), 2 * np.arange(10.0) + 1, seed=0)
    >>> bool(np.allclose(ds.unscale_y(ds.y_train), 2 * ds.unscale_x(ds.x_train)[:, 0] + 1))
    True
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_mean: np.ndarray | None = None
    x_std: np.ndarray | None = None
    y_mean: float | None = None
    y_std: float | None = None

    @property
    def n_features(self) -> int:
        """Number of input columns."""
        return self.x_train.shape[1]

    def _scaling(self) -> tuple[np.ndarray, np.ndarray, float, float]:
        """``(x_mean, x_std, y_mean, y_std)``; ValueError when this data set does not record them."""
        if self.x_mean is None or self.x_std is None or self.y_mean is None or self.y_std is None:
            raise ValueError(f"data set {self.name!r} does not record its scaling")
        return self.x_mean, self.x_std, self.y_mean, self.y_std

    def _as_x(self, x, argument: str) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.ndim == 1 and self.n_features == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"{argument} must have shape (n, {self.n_features}), got {x.shape}")
        return x

    def scale_x(self, x_raw) -> np.ndarray:
        """Raw inputs (n, n_features) -> the standardized units the model sees.

        Parameters
        ----------
        x_raw : array_like
            Inputs in the data's original units; shape (n,) is accepted for one feature.

        Returns
        -------
        numpy.ndarray
            ``(x_raw - x_mean) / x_std``, shape (n, n_features).

        Raises
        ------
        ValueError
            If the shape does not match or the scaling is unknown.

        Examples
        --------
        >>> from symhmc.datasets import from_arrays
        >>> ds = from_arrays(np.arange(10.0), 2 * np.arange(10.0) + 1, seed=0)
        >>> ds.scale_x([0.0, 4.5, 9.0]).round(3).ravel()
        array([-1.567,  0.   ,  1.567])
        """
        x_mean, x_std, _, _ = self._scaling()
        return (self._as_x(x_raw, "x_raw") - x_mean) / x_std

    def unscale_x(self, x) -> np.ndarray:
        """Standardized inputs -> original units: ``x * x_std + x_mean`` (shape (n, n_features)).

        Parameters
        ----------
        x : array_like
            Inputs in standardized units; shape (n,) is accepted for one feature.

        Returns
        -------
        numpy.ndarray
            The inputs in original units, shape (n, n_features).

        Raises
        ------
        ValueError
            If the shape does not match or the scaling is unknown.

        Examples
        --------
        >>> from symhmc.datasets import from_arrays
        >>> ds = from_arrays(np.arange(10.0), 2 * np.arange(10.0) + 1, seed=0)
        >>> ds.unscale_x(ds.scale_x([2.0, 7.0])).ravel()
        array([2., 7.])
        """
        x_mean, x_std, _, _ = self._scaling()
        return self._as_x(x, "x") * x_std + x_mean

    def scale_y(self, y_raw) -> np.ndarray:
        """Raw targets -> standardized units: ``(y_raw - y_mean) / y_std``.

        Parameters
        ----------
        y_raw : array_like
            Targets in original units (any shape).

        Returns
        -------
        numpy.ndarray
            The targets in standardized units, same shape.

        Raises
        ------
        ValueError
            If the scaling is unknown.

        Examples
        --------
        >>> from symhmc.datasets import from_arrays
        >>> ds = from_arrays(np.arange(10.0), 2 * np.arange(10.0) + 1, seed=0)
        >>> float(ds.scale_y(10.0))  # the mean of 2 x + 1 over x = 0..9
        0.0
        """
        _, _, y_mean, y_std = self._scaling()
        return (np.asarray(y_raw, dtype=float) - y_mean) / y_std

    def unscale_y(self, y) -> np.ndarray:
        """Standardized targets or predictive means -> original units: ``y * y_std + y_mean``.

        Parameters
        ----------
        y : array_like
            Values in standardized units (any shape, e.g. (chains, draws, n) predictions).

        Returns
        -------
        numpy.ndarray
            The same values in the target's original units.

        Raises
        ------
        ValueError
            If the scaling is unknown.

        Notes
        -----
        A spread (a predictive standard deviation, the noise scale sigma) maps with
        :meth:`unscale_y_spread`, without the shift.

        Examples
        --------
        >>> from symhmc.datasets import from_arrays
        >>> ds = from_arrays(np.arange(10.0), 2 * np.arange(10.0) + 1, seed=0)
        >>> float(ds.unscale_y(0.0))
        10.0
        """
        _, _, y_mean, y_std = self._scaling()
        return np.asarray(y, dtype=float) * y_std + y_mean

    def unscale_y_spread(self, sd) -> np.ndarray:
        """A standard deviation in standardized units -> original units: ``sd * y_std``.

        Parameters
        ----------
        sd : array_like
            Standard deviations in standardized units (any shape).

        Returns
        -------
        numpy.ndarray
            The same spreads in the target's original units (not shifted by ``y_mean``).

        Raises
        ------
        ValueError
            If the scaling is unknown.

        Examples
        --------
        >>> from symhmc.datasets import from_arrays
        >>> ds = from_arrays(np.arange(10.0), 2 * np.arange(10.0) + 1, seed=0)
        >>> float(ds.unscale_y_spread(1.0)) == ds.y_std
        True
        """
        _, _, _, y_std = self._scaling()
        return np.asarray(sd, dtype=float) * y_std


def standardize_columns(table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The paper's preprocessing: every column minus its mean, over its std (ddof=0), all rows.

    Returns the standardized table, the column means and the column standard deviations.
    """
    mean, std = table.mean(axis=0), table.std(axis=0)
    return (table - mean) / std, mean, std


def split_table(name: str, table: np.ndarray, train: np.ndarray, test: np.ndarray) -> Dataset:
    """Standardize ``table`` (last column the target) over all rows, then take the given rows."""
    scaled, mean, std = standardize_columns(table)
    return Dataset(
        name,
        scaled[train, :-1],
        scaled[train, -1],
        scaled[test, :-1],
        scaled[test, -1],
        x_mean=mean[:-1],
        x_std=std[:-1],
        y_mean=float(mean[-1]),
        y_std=float(std[-1]),
    )


def random_split(n: int, test_fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint random (train, test) row indices, as the paper's splits were drawn: a random
    permutation, its first ``int((1 - test_fraction) * n)`` rows for training (at least one row
    each side)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    n_train = min(n - 1, max(1, int((1.0 - test_fraction) * n)))
    order = rng.permutation(n)
    return order[:n_train], order[n_train:]
