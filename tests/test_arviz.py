"""ArviZ interoperability: to_arviz layouts and weights, and netCDF results files that ArviZ 0.x
(InferenceData) and ArviZ 1.x (xarray DataTree) read, which symhmc.load reads back exactly."""

import importlib.util
import warnings

import numpy as np
import pytest
from conftest import toy_data

import symhmc
from symhmc import symmetry
from symhmc.results._tagged_json import _dumps
from symhmc.results.arviz_export import arviz_major_version
from symhmc.results import SampleResults

pytest.importorskip("xarray", reason="ArviZ export needs xarray (pip install 'symhmc[arviz]')")

ALL_GROUPS = {"posterior", "sample_stats", "observed_data", "constant_data", "log_likelihood", "posterior_predictive"}
# A results file adds symhmc's own group (its arrays and metadata) beside ArviZ's.
FILE_GROUPS = ALL_GROUPS | {"symhmc"}
ARVIZ0 = arviz_major_version() == 0
ARVIZ1 = importlib.util.find_spec("arviz_base") is not None or arviz_major_version() == 1
NETCDF4 = any(importlib.util.find_spec(m) for m in ("netCDF4", "h5netcdf")) and importlib.util.find_spec("h5py")

# The two ArviZ data models: InferenceData (0.x) and xarray DataTree (1.x, read by
# arviz.from_netcdf = xarray.open_datatree), each tested where its ArviZ is installed.
CONTAINERS = [
    pytest.param("InferenceData", marks=pytest.mark.skipif(not ARVIZ0, reason="needs ArviZ 0.x")),
    pytest.param("DataTree", marks=pytest.mark.skipif(not ARVIZ1, reason="needs ArviZ 1.x or arviz-base")),
]
NEEDS_NETCDF4 = pytest.mark.skipif(not NETCDF4, reason="netCDF-4 files need netCDF4 or h5netcdf, and h5py")


def _quiet():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore")
    return ctx


def _from_netcdf(path, container):
    """What a user of that ArviZ calls: ``arviz.from_netcdf`` (ArviZ 1.x defines it as
    ``xarray.open_datatree``, which is used when only arviz-base is installed)."""
    if container == "InferenceData":
        import arviz as az

        return az.from_netcdf(path)
    if arviz_major_version() == 1 and importlib.util.find_spec("arviz") is not None:
        import arviz as az

        return az.from_netcdf(path)
    import xarray as xr

    return xr.open_datatree(path)


def _groups(data, container) -> set:
    if container == "InferenceData":
        return set(data.groups())
    return set(data.children)


def _group(data, name):
    """A group as an xarray Dataset, from either container."""
    import xarray as xr

    return data[name].to_dataset() if isinstance(data, xr.DataTree) else getattr(data, name)


@pytest.fixture(scope="module")
def run(small_run):
    """8 chains of one draw each, the paper's layout."""
    return small_run


@pytest.fixture(scope="module")
def many():
    """32 chains of one draw: enough draws for PSIS-LOO (it needs at least 5 in the tail)."""
    x, y = toy_data()
    return symhmc.sample(symhmc.MLP(hidden=(3,)), x, y, chains=32, warmup=100, seed=4, progress=False)


def _transformed(r, seed=3):
    """``r`` with every draw replaced by a random symmetric copy (same network outputs)."""
    t = symmetry.random_transform(r.model, seed=seed, size=(r.n_chains, r.n_draws))
    return SampleResults(
        draws=symmetry.apply_transform(r.draws, r.model, t),
        stats=r.stats,
        step_size=r.step_size,
        inv_mass=r.inv_mass,
        n_grad_evals=r.n_grad_evals,
        wall_time=r.wall_time,
        settings=r.settings,
        seed=r.seed,
        model=r.model,
        x=r.x,
        y=r.y,
    )


# ----- to_arviz -----------------------------------------------------------------------------------
@pytest.mark.parametrize("container", CONTAINERS)
def test_default_export_groups_and_function_space(run, container):
    data = run.to_arviz(container=container)
    assert _groups(data, container) == ALL_GROUPS
    post = _group(data, "posterior")
    # 8 one-draw chains pooled into 2 ArviZ chains of 4 draws (chain_id says where each came from)
    assert post["W0"].dims == ("chain", "draw", "hidden_0", "input") and post["W0"].shape == (2, 4, 3, 1)
    assert post["W1"].dims == ("chain", "draw", "output", "hidden_0") and post["b0"].dims[2:] == ("hidden_0",)
    assert post["f"].dims == ("chain", "draw", "obs_id") and post["f"].shape == (2, 4, run.x.shape[0])
    np.testing.assert_array_equal(post["chain_id"].values.ravel(), np.repeat(run.chain_ids, run.n_draws))
    f = run.model.predict(run.flat_draws(), run.x)
    np.testing.assert_array_equal(post["f"].values.reshape(f.shape), f)
    W0 = run.model.unpack(run.theta)[0][0]
    np.testing.assert_array_equal(post["W0"].values.reshape(W0.shape), W0)
    pp = _group(data, "posterior_predictive")["y"].values.reshape(f.shape)
    z = (pp - f) / run.sigma.reshape(-1, 1)
    assert abs(z.mean()) < 0.2 and 0.8 < z.std() < 1.2  # noise of scale sigma around f
    ll = _group(data, "log_likelihood")["y"].values.reshape(f.shape)
    direct = symhmc.model.gaussian_logpdf(run.y.reshape(-1), f, run.sigma.reshape(-1, 1))
    np.testing.assert_allclose(ll, direct, rtol=1e-12)
    # unpooled: one ArviZ chain per chain, chain coordinate = chain ids
    flat = _group(run.to_arviz(container=container, pool_chains=False), "posterior")
    assert flat["f"].shape == (8, 1, run.x.shape[0]) and list(flat["chain"].values) == list(run.chain_ids)


@pytest.fixture(scope="module")
def wide():
    """Two inputs, two hidden layers, two outputs: every layer of neurons has its own size."""
    x, y = toy_data()
    x2 = np.column_stack([x, np.cos(x)])
    y2 = np.column_stack([y, -y])
    model = symhmc.MLP(hidden=(4, 3), n_inputs=2, n_outputs=2)
    return symhmc.sample(model, x2, y2, chains=4, warmup=30, seed=5, progress=False)


@pytest.mark.parametrize("container", CONTAINERS)
def test_dims_are_named_by_layer_so_neurons_line_up(wide, container):
    post = _group(wide.to_arviz(container=container), "posterior")
    layers = wide.model.unpack(wide.theta)  # W (chain, draw, out, in), the model's orientation
    names = [("hidden_0", "input"), ("hidden_1", "hidden_0"), ("output", "hidden_1")]
    for layer, ((W, b), (out, inp)) in enumerate(zip(layers, names)):
        assert post[f"W{layer}"].dims == ("chain", "draw", out, inp), layer
        assert post[f"b{layer}"].dims == ("chain", "draw", out), layer
        np.testing.assert_array_equal(post[f"W{layer}"].values.reshape(W.shape), W)
        np.testing.assert_array_equal(post[f"b{layer}"].values.reshape(b.shape), b)
    sizes = {"input": 2, "hidden_0": 4, "hidden_1": 3, "output": 2, "obs_id": wide.x.shape[0]}
    for dim, n in sizes.items():  # integer coordinates 0..n-1 on every dimension
        assert post[dim].values.tolist() == list(range(n)), dim
    assert post["f"].dims == ("chain", "draw", "obs_id", "output")
    # xarray lines the neurons up by name: W1 times b0 broadcasts over hidden_0, not beside it
    assert dict((W1b0 := post["W1"] * post["b0"]).sizes) == dict(post["W1"].sizes)
    np.testing.assert_array_equal(W1b0.values, post["W1"].values * post["b0"].values[:, :, None, :])
    data = wide.to_arviz(container=container)
    assert _group(data, "constant_data")["x"].dims == ("obs_id", "input")
    assert _group(data, "observed_data")["y"].dims == ("obs_id", "output")


def test_predictive_is_seeded_and_opt_out(run):
    a = run.to_arviz(container="DataTree")["posterior_predictive"]["y"].values
    b = run.to_arviz(container="DataTree")["posterior_predictive"]["y"].values
    c = run.to_arviz(container="DataTree", seed=99)["posterior_predictive"]["y"].values
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    tree = run.to_arviz(container="DataTree", posterior_predictive=False, log_likelihood=False)
    assert set(tree.children) == ALL_GROUPS - {"posterior_predictive", "log_likelihood"}


def test_canonical_weights_invariant_under_symmetry(run):
    other = _transformed(run)
    assert not np.allclose(other.draws, run.draws)  # the copies really differ in weight space
    for name in ("W0", "b0", "W1", "b1"):
        a = run.to_arviz(container="DataTree", weights="canonical")["posterior"][name].values
        b = other.to_arviz(container="DataTree", weights="canonical")["posterior"][name].values
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12, err_msg=name)
    ref = run.to_arviz(container="DataTree")["posterior"]["f"].values
    for weights in ("raw", "canonical", "aligned"):
        post = other.to_arviz(container="DataTree", weights=weights)["posterior"]
        np.testing.assert_allclose(post["f"].values, ref, atol=1e-12)
        # the weights shown predict what the sampled ones predict
        theta = run.model.pack([(post[f"W{i}"].values, post[f"b{i}"].values) for i in range(2)])
        theta = theta.reshape(-1, theta.shape[-1])
        np.testing.assert_allclose(run.model.predict(theta, run.x), ref.reshape(theta.shape[0], -1), atol=1e-12)
    assert other.to_arviz(container="DataTree", weights="canonical").attrs["weights"] == "canonical"


def test_bad_arguments_name_the_argument(run):
    with pytest.raises(ValueError, match="weights"):
        run.to_arviz(weights="sorted")
    with pytest.raises(ValueError, match="pool_chains"):
        run.to_arviz(pool_chains=3)  # not a divisor of 8
    with pytest.raises(ValueError, match="pool_chains"):
        run.to_arviz(pool_chains="yes")
    with pytest.raises(TypeError, match="log_likelihood"):
        run.to_arviz(log_likelihood="yes")
    with pytest.raises(ValueError, match="container"):
        run.to_arviz(container="dict")
    raw = SampleResults(
        draws=run.draws,
        stats=run.stats,
        step_size=run.step_size,
        inv_mass=run.inv_mass,
        n_grad_evals=run.n_grad_evals,
        wall_time=1.0,
        settings=run.settings,
        seed=0,
    )
    with pytest.raises(ValueError, match="weights"):
        raw.to_arviz(weights="canonical")
    with pytest.raises(ValueError, match="posterior_predictive"):
        raw.to_arviz(posterior_predictive=True)
    assert set(raw.to_arviz(container="DataTree").children) == {"posterior", "sample_stats"}


# ----- ArviZ diagnostics on many one-draw chains ------------------------------------------------
def _arviz0():
    if not ARVIZ0:
        pytest.skip("needs ArviZ 0.x")
    import arviz as az

    return az


def test_loo_summary_rhat_on_default_export_arviz0(run, many):
    az = _arviz0()
    idata = many.to_arviz(weights="canonical")
    ctx = _quiet()
    try:
        loo = az.loo(idata)
        table = az.summary(idata, var_names=["f", "sigma", "W0"])
        rhat = az.rhat(idata, var_names=["f"])["f"].values
        flat = az.summary(run.to_arviz(pool_chains=False), var_names=["f"])
    finally:
        ctx.__exit__(None, None, None)
    assert np.isfinite(loo.elpd_loo) and loo.n_samples == many.n_chains
    assert np.all(np.isfinite(table["r_hat"])) and np.all(np.isfinite(table["ess_bulk"]))
    assert np.all(np.isfinite(rhat))
    assert flat["r_hat"].isna().all()  # what the pooled layout fixes: one draw per ArviZ chain


def test_plot_ppc_accepts_export(run):
    az = _arviz0()
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ctx = _quiet()
    try:
        ax = az.plot_ppc(run.to_arviz(), num_pp_samples=8)
    finally:
        ctx.__exit__(None, None, None)
    assert len(np.ravel(ax)[0].get_lines()) >= 2  # observed and predictive densities
    plt.close("all")


def test_loo_summary_arviz1(many):
    if not ARVIZ1:
        pytest.skip("needs ArviZ 1.x or arviz-base")
    azs = pytest.importorskip("arviz_stats", reason="ArviZ 1.x diagnostics live in arviz-stats")
    if not hasattr(azs, "loo"):  # arviz-stats exports its xarray functions only with its [xarray] extra
        pytest.skip("arviz-stats is installed without its xarray extra (xarray-einstats)")
    tree = many.to_arviz(container="DataTree", weights="canonical")
    ctx = _quiet()
    try:
        loo = azs.loo(tree)
        table = azs.summary(tree, var_names=["f", "sigma"])
    finally:
        ctx.__exit__(None, None, None)
    assert np.isfinite(loo.elpd)
    assert np.all(np.isfinite(np.asarray(table["r_hat"], dtype=float)))


# ----- netCDF files ---------------------------------------------------------------------------------
def _same(a, b):
    for name in ("draws", "step_size", "inv_mass", "n_grad_evals", "chain_ids", "x", "y"):
        va, vb = getattr(a, name), getattr(b, name)
        assert va.dtype == vb.dtype and va.shape == vb.shape and va.tobytes() == vb.tobytes(), name
    assert list(a.stats) == list(b.stats)
    for k in a.stats:
        assert a.stats[k].dtype == b.stats[k].dtype and a.stats[k].tobytes() == b.stats[k].tobytes(), k
    assert a.settings == b.settings and a.model == b.model and a.seed == b.seed
    assert a.wall_time == b.wall_time and a.partial == b.partial
    assert _dumps(a.convergence, "a") == _dumps(b.convergence, "b")  # arrays inside compare by value


@NEEDS_NETCDF4
@pytest.mark.parametrize("container", CONTAINERS)
def test_saved_nc_is_arviz_data_and_loads_back_exactly(run, tmp_path, container):
    path = run.save(tmp_path / "run.nc")
    ctx = _quiet()
    try:
        data = _from_netcdf(path, container)
        assert _groups(data, container) == FILE_GROUPS
        expected = run.to_arviz(container="DataTree")
        for group in ALL_GROUPS:
            got = _group(data, group)
            for name, var in expected[group].to_dataset().variables.items():  # coordinates too
                assert got[name].dims == var.dims, (group, name)
                np.testing.assert_array_equal(got[name].values, var.values, err_msg=f"{group}/{name}")
        assert _group(data, "posterior")["W0"].dims == ("chain", "draw", "hidden_0", "input")
        # symhmc's own arrays sit in their group, not in the root ArviZ 1.x reads as the tree
        own = _group(data, "symhmc")
        assert {"draws", "step_size", "stat_lp"} <= set(own.data_vars) and "settings" in own.attrs
        np.testing.assert_array_equal(own["draws"].values, run.draws)
        if container == "DataTree":
            assert not data.to_dataset(inherit=False).variables
            assert set(data.attrs) == {"symhmc_format", "symhmc_format_version", "symhmc_version"}
        else:
            # its dimensions are not ArviZ's chain and draw: selecting ArviZ chains leaves it whole
            assert dict(data.sel(chain=[0]).symhmc.sizes) == dict(own.sizes)
            data.close()
    finally:
        ctx.__exit__(None, None, None)
    back = symhmc.load(path)
    _same(run, back)
    # saving again writes the same content (groups included)
    again = back.save(tmp_path / "again.nc")
    _same(back, symhmc.load(again))


@NEEDS_NETCDF4
def test_load_refuses_damaged_or_added_groups(run, tmp_path):
    import h5py

    good = run.save(tmp_path / "run.nc").read_bytes()

    def damaged(edit):
        p = tmp_path / "bad.nc"
        p.write_bytes(good)
        with h5py.File(p, "r+") as f:
            edit(f)
        return p

    def bump(name):
        def edit(f):
            f[name][0, 0, 0] = f[name][0, 0, 0] + 1.0

        return edit

    with pytest.raises(ValueError, match="checksum mismatch in ArviZ group 'posterior'"):
        symhmc.load(damaged(bump("posterior/f")))
    with pytest.raises(ValueError, match="does not list"):
        symhmc.load(damaged(lambda f: f.create_group("extra")))
    with pytest.raises(ValueError, match="ArviZ group 'sample_stats' holds variables"):
        symhmc.load(damaged(lambda f: f["sample_stats"].create_dataset("extra", data=np.zeros(3))))
    # a removed group is accepted: the run is rebuilt from symhmc's arrays, which the checksum covers
    _same(run, symhmc.load(damaged(lambda f: f.__delitem__("log_likelihood"))))
    # symhmc's own arrays are checked as before, in their group
    with pytest.raises(ValueError, match="checksum"):
        symhmc.load(damaged(bump("symhmc/draws")))
    with pytest.raises(ValueError, match="does not list.*/notes"):  # the root holds no arrays
        symhmc.load(damaged(lambda f: f.create_dataset("notes", data=np.zeros(3))))
    with pytest.raises(ValueError, match="no group 'symhmc'"):
        symhmc.load(damaged(lambda f: f.__delitem__("symhmc")))
    symhmc.load(damaged(lambda f: None))  # the copy itself is fine


@NEEDS_NETCDF4
def test_groups_opt_out_and_netcdf3(run, tmp_path):
    import h5py

    plain = run.save(tmp_path / "plain.nc", arviz_groups=False)
    with h5py.File(plain, "r") as f:
        assert [k for k in f if isinstance(f[k], h5py.Group)] == ["symhmc"]
    _same(run, symhmc.load(plain))
    if importlib.util.find_spec("scipy"):
        _same(run, symhmc.load(run.save(tmp_path / "classic.nc", engine="scipy")))  # no groups in netCDF-3
    with pytest.raises(TypeError, match="arviz_groups"):
        run.save(tmp_path / "x.nc", arviz_groups="yes")


def test_many_draw_run_keeps_chains(tmp_path):
    x, y = toy_data()
    r = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=2, warmup=30, draws=5, seed=2, progress=False)
    tree = r.to_arviz(container="DataTree")
    assert tree["posterior"]["f"].shape == (2, 5, x.shape[0]) and tree.attrs["chain_layout"] == "chains"
    assert r.to_arviz(container="DataTree", pool_chains=1)["posterior"]["f"].shape == (1, 10, x.shape[0])


@NEEDS_NETCDF4
@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("version, groups_before", [(1, set()), (2, ALL_GROUPS)])
def test_old_file_gets_the_current_layout_when_saved_again(tmp_path, container, version, groups_before):
    """Version 1 files have no ArviZ groups; version 2 files have them, with symhmc's arrays in
    the root group and dimensions W{l}_out / W{l}_in. Saved again: symhmc's group and dims by layer."""
    from pathlib import Path

    old = Path(__file__).parent / "data" / f"results_v{version}.nc"
    ctx = _quiet()
    try:
        assert _groups(_from_netcdf(old, container), container) == groups_before
        path = symhmc.load(old).save(tmp_path / "again.nc")
        data = _from_netcdf(path, container)
        assert _groups(data, container) == FILE_GROUPS
        assert _group(data, "posterior")["W0"].dims == ("chain", "draw", "hidden_0", "input")
    finally:
        ctx.__exit__(None, None, None)
    _same(symhmc.load(old), symhmc.load(path))
