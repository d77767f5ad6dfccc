"""A user's own data: the paper's standardization, the split, and mapping back to raw units."""

import re
import warnings

import numpy as np
import pytest

from symhmc.datasets import Dataset, from_arrays, from_csv
from symhmc.datasets.user import MAX_CSV_COLUMNS


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.uniform(100, 200, n), rng.normal(-5, 0.01, n)])
    return x, 1000 + 30 * np.sin(x[:, 0] / 20) + rng.normal(0, 2, n)


def test_standardized_over_all_rows_and_split_80_20():
    x, y = _data()
    ds = from_arrays(x, y, seed=1)
    assert ds.x_train.shape == (48, 2) and ds.x_test.shape == (12, 2)
    table = np.column_stack([x, y])
    np.testing.assert_array_equal(ds.x_mean, table.mean(axis=0)[:2])
    np.testing.assert_array_equal(ds.x_std, table.std(axis=0)[:2])
    assert ds.y_mean == table.mean(axis=0)[2] and ds.y_std == table.std(axis=0)[2]
    full = np.vstack([np.column_stack([ds.x_train, ds.y_train]), np.column_stack([ds.x_test, ds.y_test])])
    np.testing.assert_allclose(full.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(full.std(axis=0), 1, rtol=1e-12)


def test_scaling_round_trips_to_the_raw_rows():
    x, y = _data()
    ds = from_arrays(x, y, seed=3)
    raw_rows = {tuple(np.round(row, 9)) for row in np.column_stack([x, y])}
    back = np.column_stack([ds.unscale_x(ds.x_test), ds.unscale_y(ds.y_test)])
    assert {tuple(np.round(row, 9)) for row in back} <= raw_rows  # every test row is a raw row
    np.testing.assert_allclose(ds.scale_x(ds.unscale_x(ds.x_train)), ds.x_train, atol=1e-12)
    np.testing.assert_allclose(ds.scale_y(ds.unscale_y(ds.y_train)), ds.y_train, atol=1e-12)
    # a predictive spread maps by the scale alone
    assert ds.unscale_y_spread(1.0) == pytest.approx(y.std())
    # new raw inputs of one row scale with the training data's statistics
    assert np.allclose(ds.scale_x([[150.0, -5.0]]), (np.array([[150.0, -5.0]]) - x.mean(0)) / x.std(0))


def test_same_seed_same_split_and_explicit_test_rows():
    x, y = _data()
    assert np.array_equal(from_arrays(x, y, seed=5).x_test, from_arrays(x, y, seed=5).x_test)
    assert not np.array_equal(from_arrays(x, y, seed=5).x_test, from_arrays(x, y, seed=6).x_test)
    ds = from_arrays(x, y, test_indices=[0, 5, 59])
    np.testing.assert_allclose(ds.unscale_x(ds.x_test), x[[0, 5, 59]])
    np.testing.assert_allclose(ds.unscale_y(ds.y_train), np.delete(y, [0, 5, 59]))
    assert len(from_arrays(x, y, test_fraction=0.5).y_test) == 30


def test_one_feature_as_a_flat_array():
    ds = from_arrays(np.arange(10.0), np.arange(10.0) ** 2, seed=0)
    assert ds.n_features == 1 and ds.scale_x(np.array([4.5])).shape == (1, 1)


@pytest.mark.parametrize(
    "x, y, argument, message",
    [
        (np.ones((5, 2)), np.arange(5.0), "x", "constant column"),
        (np.arange(5.0), np.ones(5), "y", "constant column"),
        (np.array([1.0, np.nan, 3, 4]), np.arange(4.0), "x", "NaN or infinite.*row 1"),
        (np.arange(4.0), np.array([1.0, 2, np.inf, 4]), "y", "NaN or infinite.*row 2"),
        (np.arange(5.0), np.arange(4.0), "x and y", "same number of rows"),
        (np.arange(5.0), np.ones((5, 2)), "y", "shape"),
        (np.ones((2, 2, 2)), np.arange(2.0), "x", "shape"),
    ],
)
def test_bad_data_raises_naming_the_argument(x, y, argument, message):
    with pytest.raises(ValueError, match=f"^{argument} .*{message}"):
        from_arrays(x, y)


def test_bad_split_arguments_raise():
    x, y = _data(10)
    with pytest.raises(ValueError, match="test_fraction"):
        from_arrays(x, y, test_fraction=0)
    with pytest.raises(ValueError, match="test_indices"):
        from_arrays(x, y, test_indices=[0, 10])
    with pytest.raises(ValueError, match="test_indices.*repeated"):
        from_arrays(x, y, test_indices=[1, 1])
    with pytest.raises(ValueError, match="test_indices covers every row"):
        from_arrays(x, y, test_indices=list(range(10)))
    with pytest.raises(TypeError, match="x must be numeric"):
        from_arrays([["a", "b"]] * 10, y)


def test_from_csv_with_header_and_named_target(tmp_path):
    x, y = _data()
    path = tmp_path / "plant.csv"
    rows = np.column_stack([x[:, 0], y, x[:, 1]])
    path.write_text(
        "temperature, output ,pressure\n" + "\n".join(",".join(repr(float(v)) for v in r) for r in rows) + "\n"
    )
    ds = from_csv(path, target="output", seed=2)
    same = from_arrays(x, y, seed=2)
    assert isinstance(ds, Dataset) and ds.name == "plant"
    np.testing.assert_array_equal(ds.x_train, same.x_train)
    np.testing.assert_array_equal(ds.y_test, same.y_test)
    assert ds.y_mean == same.y_mean
    assert from_csv(path, target=1, seed=2).y_std == same.y_std


def test_from_csv_whitespace_file_without_header(tmp_path):
    path = tmp_path / "plain.data"
    x, y = _data(30)
    np.savetxt(path, np.column_stack([x, y]))
    ds = from_csv(path, delimiter=None, test_indices=[0, 1])
    np.testing.assert_allclose(ds.unscale_y(ds.y_test), y[:2])


def test_from_csv_bad_input_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="path"):
        from_csv(tmp_path / "missing.csv")
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4\n5,7\n")
    with pytest.raises(ValueError, match="target='c'.*columns"):
        from_csv(path, target="c")
    with pytest.raises(ValueError, match="target must be"):
        from_csv(path, target=2)
    path.write_text("1,2\n3,4\n5,7\n")
    with pytest.raises(ValueError, match="no header"):
        from_csv(path, target="b")
    path.write_text("a,b\n1,2\n3,\n5,7\n")
    with pytest.raises(ValueError, match="^path .*, line 3: cell 2 \\(column 'b'\\) is empty$"):
        from_csv(path)


def test_scaling_round_trip_holds_for_any_well_scaled_table():
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import given, settings, strategies as st
    from hypothesis.extra.numpy import arrays

    values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)

    @settings(max_examples=40, deadline=None)
    @given(arrays(float, st.tuples(st.integers(3, 30), st.integers(2, 4)), elements=values), st.data())
    def check(table, data):
        # tables with a (near-)constant column are rejected, as tested above
        scale = 1 + np.abs(table).max(axis=0)
        hypothesis.assume(np.all(table.std(axis=0) > 1e-3 * scale))
        n = len(table)
        test = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n - 1, unique=True))
        ds = from_arrays(table[:, :-1], table[:, -1], test_indices=test)
        train = np.setdiff1d(np.arange(n), test)
        for x, y, rows in ((ds.x_train, ds.y_train, train), (ds.x_test, ds.y_test, np.asarray(test))):
            back = np.column_stack([ds.unscale_x(x), ds.unscale_y(y)])
            # the raw rows come back up to rounding, relative to each column's size
            np.testing.assert_allclose(back / scale, table[rows] / scale, atol=1e-12)
            np.testing.assert_allclose(ds.scale_x(back[:, :-1]), x, atol=1e-6)

    check()


# ----------------------------------------------------------------------------------------------
# from_csv: errors a reader can act on, and bounds on what a file can make it do
# ----------------------------------------------------------------------------------------------
def _write(path, lines, newline="\n"):
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    return path


def _no_warnings(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. NumPy's "input contained no data"
        return fn()


GOOD = ["a,b,y", "1,2,3", "4,5,6", "7,8,10", "2,9,1"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_from_csv_errors_give_the_file_line(tmp_path, newline):
    """Line numbers as in a text editor: 1-based, header, comment and blank lines counted."""
    lines = ["# plant data", "a,b,y", "1,2,3", "", "4,5,6", "7,oops,9", "2,3,4"]
    path = _write(tmp_path / "t.csv", lines, newline)
    assert lines[6 - 1] == "7,oops,9"
    with pytest.raises(ValueError, match=r"^path .*, line 6: cell 2 \(column 'b'\) 'oops' is not a number$"):
        _no_warnings(lambda: from_csv(path))
    # a ragged line: its number, and the line whose cells it is compared with
    path = _write(tmp_path / "t.csv", ["a,b,y", "1,2,3", "4,5,6", "7,8", "2,3,4"], newline)
    with pytest.raises(ValueError, match=r"line 4: 2 cell\(s\), but the header \(line 1\) has 3$"):
        _no_warnings(lambda: from_csv(path))
    # without a header the first row sets the count
    path = _write(tmp_path / "t.csv", ["", "1,2,3", "4,5,6", "7,8,9,1"], newline)
    with pytest.raises(ValueError, match=r"line 4: 4 cell\(s\), but the first row \(line 2\) has 3$"):
        _no_warnings(lambda: from_csv(path))
    # a value that cannot be standardized
    path = _write(tmp_path / "t.csv", ["a,b,y", "1,2,3", "4,5,6", "", "7,inf,9"], newline)
    with pytest.raises(ValueError, match=r"line 5: cell 2 \(column 'b'\) is 'inf'"):
        _no_warnings(lambda: from_csv(path))


@pytest.mark.parametrize(
    "lines, what",
    [
        (["a,b,y"], "only a header \\(line 1\\)"),
        (["# notes", "", "a,b,y", ""], "only a header \\(line 3\\)"),
        (["# notes only", "  "], "only blank or comment lines"),
        ([], "only blank or comment lines"),
    ],
)
def test_from_csv_without_data_rows_says_so_once(tmp_path, lines, what):
    path = tmp_path / "empty.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(ValueError, match=f"^path .* has no data rows: it holds {what}$"):
        _no_warnings(lambda: from_csv(path))


@pytest.mark.parametrize(
    "separator, hint",
    [
        (";", "pass delimiter=';'"),
        ("\t", r"pass delimiter='\t'"),
        ("|", "pass delimiter='|'"),
        (" ", "pass delimiter=None"),
    ],
)
def test_from_csv_suggests_the_files_delimiter(tmp_path, separator, hint):
    path = tmp_path / "other.csv"
    path.write_text("\n".join(line.replace(",", separator) for line in GOOD) + "\n")
    with pytest.raises(ValueError, match=f"line 2: .* is not a number .*{re.escape(hint)}"):
        _no_warnings(lambda: from_csv(path))
    delimiter = None if separator == " " else separator
    ds = _no_warnings(lambda: from_csv(path, target="y", delimiter=delimiter, seed=4))
    same = from_csv(_write(tmp_path / "comma.csv", GOOD), target="y", seed=4)
    np.testing.assert_array_equal(ds.x_train, same.x_train)
    np.testing.assert_array_equal(ds.y_test, same.y_test)


def test_from_csv_delimiter_hints_on_ragged_lines_and_decimal_commas(tmp_path):
    # a header split by commas, rows by semicolons: the row has one cell
    path = _write(tmp_path / "mixed.csv", ["a,b,y", "1;2;3", "4;5;6"])
    with pytest.raises(ValueError, match="line 2: 1 cell\\(s\\), but the header \\(line 1\\) has 3 .*delimiter=';'"):
        from_csv(path)
    # semicolons with decimal commas (a European spreadsheet)
    path = _write(tmp_path / "euro.csv", ["a;b;y", "1,5;2;3", "4;5;6", "7;8;1"])
    with pytest.raises(ValueError, match="line 2: cell 1 \\(column 'a'\\) '1,5' .*decimal comma.*'1.5'"):
        from_csv(path, delimiter=";")
    # one column and another separator in it
    path = _write(tmp_path / "one.csv", ["a;y"] + [f"{i}" for i in range(5)])
    with pytest.raises(ValueError, match="one column: .*feature column .*delimiter=';'"):
        from_csv(path)


def test_from_csv_reads_what_spreadsheets_write(tmp_path):
    """A byte-order mark, quoted cells, comments, blank lines and trailing blanks."""
    lines = ['"a","b","y"', '"1","2","3"', "# a comment", "4, 5 ,6  # measured twice", "", "7,8,10", "2,9,1"]
    raw = "\r\n".join(lines).encode("utf-8-sig")
    (tmp_path / "sheet.csv").write_bytes(raw)
    ds = _no_warnings(lambda: from_csv(tmp_path / "sheet.csv", target="y", seed=4))
    same = from_csv(_write(tmp_path / "plain.csv", GOOD), target="y", seed=4)
    np.testing.assert_array_equal(ds.x_train, same.x_train)
    assert ds.y_mean == same.y_mean


def test_from_csv_bounds_hostile_files(tmp_path):
    # the size is checked before a byte is parsed: this file's line 2 is bad, the size error wins
    path = _write(tmp_path / "big.csv", ["a,b,y", "x,x,x"] + GOOD[1:])
    size = path.stat().st_size
    with pytest.raises(ValueError, match=f"holds {size} bytes, more than max_bytes={size - 1}"):
        from_csv(path, max_bytes=size - 1)
    with pytest.raises(ValueError, match="line 2"):
        from_csv(path, max_bytes=size)
    # a line of too many columns is refused before it is split
    path = _write(tmp_path / "wide.csv", [",".join(["1"] * (MAX_CSV_COLUMNS + 1))])
    with pytest.raises(ValueError, match=f"line 1: {MAX_CSV_COLUMNS + 1} columns, more than the {MAX_CSV_COLUMNS}"):
        from_csv(path)
    # binary and non-UTF-8 files: the line where it starts
    (tmp_path / "bin.csv").write_bytes(b"a,b\n1,2\n3,\x004\n")
    with pytest.raises(ValueError, match="line 3: holds a NUL byte"):
        from_csv(tmp_path / "bin.csv")
    (tmp_path / "latin.csv").write_bytes("a,b\n1,2\n3,4\nd\u00e9j\u00e0,1\n".encode("latin-1"))
    with pytest.raises(ValueError, match="line 4: not UTF-8"):
        from_csv(tmp_path / "latin.csv")


def test_from_csv_bad_arguments_are_named(tmp_path):
    path = _write(tmp_path / "t.csv", GOOD)
    for bad in ("", "\n", "#"):
        with pytest.raises(ValueError, match=f"^delimiter must be .*got {re.escape(repr(bad))}"):
            from_csv(path, delimiter=bad)
    with pytest.raises(TypeError, match="^delimiter must be a string or None"):
        from_csv(path, delimiter=1)
    with pytest.raises(ValueError, match="^max_bytes must be positive"):
        from_csv(path, max_bytes=0)
    with pytest.raises(TypeError, match="^max_bytes must be an integer"):
        from_csv(path, max_bytes=1e6)
    # two rows are too few; a constant column is named
    with pytest.raises(ValueError, match="has 2 data row\\(s\\); at least 3"):
        from_csv(_write(tmp_path / "two.csv", GOOD[:3]))
    with pytest.raises(ValueError, match="column\\(s\\) 'b' hold one value"):
        from_csv(_write(tmp_path / "const.csv", ["a,b,y", "1,2,3", "4,2,6", "7,2,9"]))
