"""Tests for symhmc.plots: every figure renders to a non-empty PNG of the size asked for, and SVG."""

import math
import struct
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="symhmc.plots needs matplotlib (the 'plot' extra)")

import symhmc  # noqa: E402
from symhmc import plots  # noqa: E402


def _png_size(path):
    """(width, height) from the PNG's IHDR chunk, after checking the signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def run_1d():
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, 40)
    y = np.sin(2 * x) + 0.2 * rng.normal(size=40)
    return symhmc.sample(
        symhmc.MLP(hidden=(3,)), x, y, chains=20, warmup=60, draws=2, seed=0, progress=False, threads=1
    )


@pytest.fixture(scope="module")
def run_2d():
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, (40, 2))
    y = x[:, 0] * np.sin(x[:, 0]) + np.cos(x[:, 1]) + 0.1 * rng.normal(size=40)
    return symhmc.sample(
        symhmc.MLP(hidden=(3,), n_inputs=2), x, y, chains=3, warmup=40, seed=0, progress=False, threads=1
    )


FIGURES_1D = {
    "band": lambda r, **kw: plots.predictive_band(r, **kw),
    "kl": lambda r, **kw: plots.kl_convergence(r, **kw),
    "marginals": lambda r, **kw: plots.pairwise_marginals(r, k=2, **kw),
    "density": lambda r, **kw: plots.density_by_chains(r, counts=(1, 4, 16, 1274), **kw),
    "transforms": lambda r, **kw: plots.equioutput_count(**kw),
}


@pytest.mark.parametrize("name", sorted(FIGURES_1D))
def test_figures_are_pngs_of_the_size_asked_for(name, run_1d, tmp_path):
    path = tmp_path / f"{name}.png"
    fig = FIGURES_1D[name](run_1d, path=path, figsize=(5.0, 3.0), dpi=80)
    assert path.stat().st_size > 1000
    assert _png_size(path) == (400, 240)
    assert fig.axes and all(ax.has_data() for ax in fig.axes if not ax.get_label() == "<colorbar>")


def test_contour_for_two_inputs(run_2d, tmp_path):
    path = tmp_path / "contour.png"
    plots.predictive_contour(run_2d, path=path, figsize=(8, 3), dpi=50)
    assert _png_size(path) == (400, 150)
    with pytest.raises(ValueError, match="predictive_contour"):
        plots.predictive_band(run_2d)


def test_contour_refuses_one_input(run_1d):
    with pytest.raises(ValueError, match="two inputs"):
        plots.predictive_contour(run_1d)


def test_svg_by_suffix(tmp_path):
    path = tmp_path / "transforms.svg"
    plots.equioutput_count(widths=range(1, 5), depths=(1, 2), path=path)
    text = path.read_text()
    assert "<svg" in text and text.rstrip().endswith("</svg>")


def test_band_shows_the_data_and_a_band_around_the_mean(run_1d):
    fig = plots.predictive_band(run_1d)
    ax = fig.axes[0]
    mean = ax.lines[0].get_ydata()
    outer, inner = (c.get_paths()[0].vertices[:, 1] for c in ax.collections[:2])
    assert outer.min() < mean.min() and outer.max() > mean.max()
    assert np.ptp(outer) > np.ptp(inner)  # the 95 % band is wider than the 50 % band
    points = ax.collections[2].get_offsets()
    assert len(points) == len(run_1d.y)


def test_density_panels_follow_the_chain_counts(run_1d):
    fig = plots.density_by_chains(run_1d, counts=(1, 4, 1274))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["1 chain", "4 chains", f"{run_1d.n_chains} chains"]
    with pytest.raises(ValueError, match="counts"):
        plots.density_by_chains(run_1d, counts=(0, 4))


def test_transform_counts_match_the_paper():
    fig = plots.equioutput_count(widths=[3, 16], depths=[1, 3])
    one_layer, three_layers = fig.axes[0].lines
    assert one_layer.get_ydata()[0] == pytest.approx(np.log10(48))  # f1: 3! * 2^3
    assert three_layers.get_ydata()[1] == pytest.approx(3 * math.log10(math.factorial(16) * 2**16))  # f2


def test_marginals_colour_by_given_labels(run_1d):
    labels = np.arange(run_1d.n_chains * run_1d.n_draws).reshape(run_1d.n_chains, run_1d.n_draws) % 2
    fig = plots.pairwise_marginals(run_1d, labels=labels, coords=[0, 1, 3])
    assert len(fig.axes) == 2 * 3  # raw and aligned rows, 3 pairs
    colours = {tuple(c) for c in fig.axes[0].collections[0].get_facecolors()[:, :3].round(3)}
    assert len(colours) == 2
    with pytest.raises(ValueError, match="labels"):
        plots.pairwise_marginals(run_1d, labels=labels[:2])
    with pytest.raises(ValueError, match="coords"):
        plots.pairwise_marginals(run_1d, coords=[0])


def test_bad_arguments_name_themselves(run_1d, tmp_path):
    with pytest.raises(ValueError, match="path"):
        plots.equioutput_count(path=tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="dpi"):
        plots.equioutput_count(dpi=0)
    with pytest.raises(TypeError, match="figsize"):
        plots.equioutput_count(figsize=3)
    with pytest.raises(TypeError, match="results"):
        plots.predictive_band(np.zeros((3, 11)))
    with pytest.raises(TypeError, match="source"):
        plots.kl_convergence([1, 2, 3])
    with pytest.raises(ValueError, match="identity"):
        plots.equioutput_count(activation="identity")


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'symhmc\[plot\]'"):
        plots.equioutput_count()
