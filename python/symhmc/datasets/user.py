"""A user's own regression data, prepared as the paper prepares its benchmarks.

Every column (features and target) is standardized with its mean and standard deviation
(ddof=0) over all rows, then split; the returned :class:`Dataset` keeps the means and standard
deviations so predictions can be mapped back (``unscale_y``) and new inputs scaled (``scale_x``).
"""

from __future__ import annotations

import io
import os
import re
from array import array
from pathlib import Path

import numpy as np

from ._dataset import Dataset, random_split, split_table


def _finite_2d(values, argument: str, one_column: bool = False) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{argument} must be numeric, got {type(values).__name__}: {error}") from None
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] == 0 or (one_column and array.shape[1] != 1):
        wanted = "(n,) or (n, 1)" if one_column else "(n,) or (n, n_columns)"
        raise ValueError(f"{argument} must have shape {wanted}, got {np.shape(values)}")
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        row, column = bad[0]
        raise ValueError(
            f"{argument} holds {len(bad)} NaN or infinite value(s), the first in row {row}, column {column}"
        )
    constant = np.flatnonzero(array.std(axis=0) == 0)
    if len(constant):
        raise ValueError(
            f"{argument} has constant column(s) {constant.tolist()}: they cannot be standardized "
            "(their standard deviation is 0); drop them"
        )
    return array


def _test_rows(test_indices, n: int) -> tuple[np.ndarray, np.ndarray]:
    test = np.asarray(test_indices)
    if test.ndim != 1 or test.size == 0 or not np.issubdtype(test.dtype, np.integer):
        raise ValueError(f"test_indices must be a non-empty 1-d sequence of integers, got {test_indices!r}")
    if test.min() < 0 or test.max() >= n:
        raise ValueError(f"test_indices must lie in [0, {n}), got values from {test.min()} to {test.max()}")
    if len(np.unique(test)) != len(test):
        raise ValueError("test_indices holds repeated rows")
    train = np.setdiff1d(np.arange(n), test)
    if train.size == 0:
        raise ValueError("test_indices covers every row: no training data is left")
    return train, test.astype(np.intp)


def from_arrays(
    x, y, *, test_fraction: float = 0.2, test_indices=None, seed: int | None = 0, name: str = "user"
) -> Dataset:
    """Standardize a user's data as the paper does and split it into train and test rows.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, n_features)
        Inputs in their original units.
    y : array_like, shape (n,) or (n, 1)
        Targets in their original units.
    test_fraction : float, default 0.2
        Share of rows held out at random (the paper's 80/20); ignored with ``test_indices``.
    test_indices : sequence of int, optional
        The test rows; all other rows train, in ascending order.
    seed : int or None, default 0
        Seed of the random split.
    name : str, default "user"
        Name recorded in the returned data set.

    Returns
    -------
    Dataset
        Standardized arrays and ``x_mean``, ``x_std``, ``y_mean``, ``y_std`` (over all rows,
        ddof=0) for ``scale_x``, ``unscale_x``, ``scale_y`` and ``unscale_y``.

    Raises
    ------
    TypeError
        If ``x`` or ``y`` is not numeric.
    ValueError
        If the shapes disagree, a value is NaN or infinite, a column is constant, or the split
        arguments are out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from symhmc.datasets import from_arrays
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 10, size=(50, 2))
    >>> ds = from_arrays(x, 3 * x[:, 0] + 100, seed=1)
    >>> ds.x_train.shape, ds.x_test.shape
    ((40, 2), (10, 2))
    >>> bool(np.allclose(ds.unscale_y(ds.y_test), 3 * ds.unscale_x(ds.x_test)[:, 0] + 100))
    True
    """
    features = _finite_2d(x, "x")
    target = _finite_2d(y, "y", one_column=True)
    n = features.shape[0]
    if target.shape[0] != n:
        raise ValueError(f"x and y must have the same number of rows, got {n} and {target.shape[0]}")
    if n < 3:
        raise ValueError(f"x and y need at least 3 rows, got {n}")
    if test_indices is not None:
        train, test = _test_rows(test_indices, n)
    else:
        train, test = random_split(n, test_fraction, np.random.default_rng(seed))
    return split_table(name, np.column_stack([features, target]), train, test)


def _column_index(target, header: list[str] | None, n_columns: int) -> int:
    if isinstance(target, str):
        if header is None:
            raise ValueError(
                f"target={target!r} names a column but the file has no header row; pass the column's index"
            )
        if target not in header:
            raise ValueError(f"target={target!r} is not a column of the file; columns: {header}")
        return header.index(target)
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not -n_columns <= target < n_columns:
        raise ValueError(f"target must be a column name or an index in [-{n_columns}, {n_columns}), got {target!r}")
    return int(target) % n_columns


#: Largest file :func:`from_csv` reads by default (``max_bytes``): a CSV from someone else is
#: hostile input, and this package's networks need far less data (the paper's largest set,
#: protein, is 4 MB).
MAX_CSV_BYTES = 64 * 2**20
#: Most columns :func:`from_csv` accepts: a line is counted before it is split, so one huge line
#: cannot allocate millions of strings.
MAX_CSV_COLUMNS = 10_000
#: Separators :func:`from_csv` suggests when a line does not split with ``delimiter``.
_OTHER_DELIMITERS = (";", "\t", "|", ",")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _unquoted(cell: str) -> str:
    """A cell without surrounding blanks and one pair of double quotes (spreadsheet exports)."""
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        cell = cell[1:-1].strip()
    return cell


def _count_fields(line: str, delimiter: str | None) -> int:
    # Counted without splitting: no allocation however long the line is.
    if delimiter is None:
        return sum(1 for _ in re.finditer(r"\S+", line))
    return line.count(delimiter) + 1


def _delimiter_hint(text: str, delimiter: str | None) -> str:
    """A hint when ``text`` (a line or a cell) looks separated by something other than ``delimiter``."""
    for other in _OTHER_DELIMITERS:
        if other != delimiter and other in text:
            name = "a tab" if other == "\t" else repr(other)
            if other == "," and delimiter is not None and _is_number(_unquoted(text).replace(",", ".")):
                return f" (it holds a decimal comma: from_csv reads decimal points, e.g. {text.replace(',', '.')!r})"
            return f" (it holds {name}: is that the file's separator? pass delimiter={other!r})"
    if delimiter is not None and len(text.split()) > 1:
        return " (it holds blanks: if they separate the columns, pass delimiter=None)"
    return ""


def _read_text(path: Path, max_bytes: int) -> str:
    size = path.stat().st_size
    with path.open("rb") as handle:
        raw = handle.read(max_bytes + 1) if size <= max_bytes else b""  # never more than the bound
    if size > max_bytes or len(raw) > max_bytes:  # the second: the file grew since stat
        raise ValueError(
            f"path {str(path)!r} holds {max(size, len(raw))} bytes, more than max_bytes={max_bytes}; "
            "pass a larger max_bytes= if a file this big is intended"
        )
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise ValueError(f"path {str(path)!r}, line {line}: holds a NUL byte: not a text file")
    try:
        return raw.decode("utf-8-sig")  # the byte-order mark some spreadsheets write is not a column name
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ValueError(
            f"path {str(path)!r}, line {line}: not UTF-8 text (byte {error.start}); save the file as UTF-8"
        ) from None


def from_csv(
    path: str | os.PathLike,
    target: str | int = -1,
    *,
    delimiter: str | None = ",",
    test_fraction: float = 0.2,
    test_indices=None,
    seed: int | None = 0,
    max_bytes: int = MAX_CSV_BYTES,
) -> Dataset:
    """Read a table of numbers, take one column as the target and the others as features.

    A first row that is not all numbers is taken as the column names. Blank lines and lines
    starting with ``#`` are skipped, and so is the rest of a data line from a ``#`` on. A cell
    may be wrapped in double quotes. Errors name the file's line (1-based, counting every line
    as a text editor does, header, comments and blank lines included) and, when a line does not
    split with ``delimiter`` but holds another separator, suggest the ``delimiter`` to pass. The
    data are then prepared by :func:`from_arrays` (standardized over all rows, split, scaling
    remembered).

    Parameters
    ----------
    path : path
        The file, UTF-8 text; one row per observation.
    target : str or int, default -1
        The target column: its name (needs a header row) or index (negative counts from the end).
    delimiter : str or None, default ","
        Column separator, e.g. ``";"`` or ``"\t"``; None splits on any whitespace (the paper's
        ``.data`` files).
    test_fraction : float, default 0.2
        Share of rows held out at random, as in :func:`from_arrays`.
    test_indices : sequence of int, optional
        Rows held out instead of a random split, as in :func:`from_arrays`.
    seed : int or None, default 0
        Seed of the random split, as in :func:`from_arrays`.
    max_bytes : int, default 64 MiB
        Largest file read (checked before parsing; :data:`MAX_CSV_BYTES`). At most
        :data:`MAX_CSV_COLUMNS` columns are accepted.

    Returns
    -------
    Dataset
        Named after the file's stem.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    TypeError
        If ``delimiter`` or ``max_bytes`` has the wrong type.
    ValueError
        If the file is larger than ``max_bytes``, is not UTF-8 text, has no data rows (e.g. a
        header only), a line has another number of cells than the first, a cell is missing, not
        a number, NaN or infinite, ``target`` is not a column, a column is constant, or as
        :func:`from_arrays`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from symhmc.datasets import from_csv
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> rows = "\\n".join(f"{i},{i % 7},{2 * i + 1}" for i in range(20))
    >>> _ = (folder / "mine.csv").write_text("a,b,out\\n" + rows + "\\n")
    >>> ds = from_csv(folder / "mine.csv", target="out")
    >>> ds.name, ds.x_train.shape
    ('mine', (16, 2))

    A semicolon-separated file read with the default delimiter:

    >>> _ = (folder / "semi.csv").write_text("a;b;out\\n" + rows.replace(",", ";") + "\\n")
    >>> try:
    ...     from_csv(folder / "semi.csv")
    ... except ValueError as error:
    ...     print(error)
    path '...semi.csv', line 2: '0;0;1' is not a number (it holds ';': is that the file's separator? pass delimiter=';')
    >>> from_csv(folder / "semi.csv", target="out", delimiter=";").x_train.shape
    (16, 2)
    """
    path = Path(path)
    if delimiter is not None:
        if not isinstance(delimiter, str):
            raise TypeError(f"delimiter must be a string or None, got {type(delimiter).__name__}")
        if not delimiter or any(char in delimiter for char in "\n\r#"):
            raise ValueError(f"delimiter must be a non-empty string without line breaks or '#', got {delimiter!r}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, np.integer)):
        raise TypeError(f"max_bytes must be an integer, got {type(max_bytes).__name__}")
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be positive, got {max_bytes}")
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} is not a file")
    where = f"path {str(path)!r}"
    # Universal newlines: lines end at \n, \r\n or \r and are numbered as a text editor numbers
    # them; read one at a time, so no list of millions of lines is built.
    lines = io.StringIO(_read_text(path, int(max_bytes)), newline=None)

    header: list[str] | None = None
    first_line, header_line, n_columns, n_rows = 0, 0, 0, 0
    first_text = ""
    values = array("d")  # 8 bytes a cell, however many rows
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = _count_fields(line, delimiter)
        if fields > MAX_CSV_COLUMNS:  # checked before anything splits the line
            raise ValueError(
                f"{where}, line {number}: {fields} columns, more than the {MAX_CSV_COLUMNS} from_csv accepts"
            )
        # the numbers before a comment ("1,2  # note"); a header keeps its '#' (a name may hold one)
        data = line.split("#", 1)[0] if "#" in line else line
        got = _count_fields(data, delimiter)
        if not n_columns:  # the first line with content: the header, or the first data row
            first_line, first_text, n_columns = number, line, got
            if not all(_is_number(_unquoted(cell)) for cell in data.split(delimiter)):
                header, header_line = [_unquoted(cell) for cell in line.split(delimiter)], number
                n_columns = fields
                continue
        if got != n_columns:
            what = "the header" if header is not None else "the first row"
            hint = _delimiter_hint(data, delimiter) if got == 1 or n_columns == 1 else ""
            raise ValueError(
                f"{where}, line {number}: {got} cell(s), but {what} (line {first_line}) has {n_columns}{hint}"
            )
        cells = [_unquoted(cell) for cell in data.split(delimiter)]
        try:
            row = np.array(cells, dtype=float)
        except ValueError:
            column, bad = next((c, cell) for c, cell in enumerate(cells) if not _is_number(cell))
            name = f" (column {header[column]!r})" if header is not None else ""
            if not bad:
                raise ValueError(f"{where}, line {number}: cell {column + 1}{name} is empty") from None
            hint = _delimiter_hint(bad, delimiter)
            at = f"cell {column + 1}{name} " if n_columns > 1 else ""
            raise ValueError(f"{where}, line {number}: {at}{bad!r} is not a number{hint}") from None
        if not np.all(np.isfinite(row)):
            column = int(np.flatnonzero(~np.isfinite(row))[0])
            name = f" (column {header[column]!r})" if header is not None else ""
            raise ValueError(
                f"{where}, line {number}: cell {column + 1}{name} is {cells[column]!r}; NaN and infinite "
                "values cannot be standardized: drop the row or fill it in"
            )
        values.frombytes(row.tobytes())
        n_rows += 1
    if not n_rows:
        what = f"only a header (line {header_line})" if header is not None else "only blank or comment lines"
        raise ValueError(f"{where} has no data rows: it holds {what}")
    if n_rows < 3:
        raise ValueError(f"{where} has {n_rows} data row(s); at least 3 are needed")
    table = np.frombuffer(values, dtype=float).reshape(n_rows, n_columns).copy()
    column = _column_index(target, header, table.shape[1])
    if table.shape[1] < 2:
        hint = _delimiter_hint(first_text, delimiter)
        raise ValueError(f"{where} has one column: it needs a target and at least one feature column{hint}")
    constant = np.flatnonzero(np.ptp(table, axis=0) == 0)
    if len(constant):
        names = [repr(header[c]) if header is not None else str(c + 1) for c in constant]
        raise ValueError(
            f"{where}: column(s) {', '.join(names)} hold one value on every row: they cannot be "
            "standardized (their standard deviation is 0); drop them"
        )
    features = np.delete(table, column, axis=1)
    return from_arrays(
        features, table[:, column], test_fraction=test_fraction, test_indices=test_indices, seed=seed, name=path.stem
    )
