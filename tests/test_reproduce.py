"""symhmc.reproduce: the paper's values, agreement, the cell list, saved cells and the tables."""

from __future__ import annotations

import argparse
import os
import json
import math
import re
from pathlib import Path

import pytest

from symhmc.reproduce import cell_runner, command, settings, table
from symhmc.reproduce.agreement import agrees, combined_se
from symhmc.reproduce.paper_values import PAPER_LPPD, PAPER_TABLE_DATASETS, paper_value
from symhmc.reproduce.store import CellStore, SettingsChanged

# Tiny runs: a few chains with a short warmup on izmailov (seconds on 2 cores).
TINY = dict(
    chains=4, warmup=50, adaptation="stan", single_chain_draws=4, dei_chains=4, dei_warmup=20, exact_quantile=True
)


@pytest.fixture
def tiny_quick(monkeypatch):
    monkeypatch.setitem(settings.PRESETS["quick"], "f1", dict(TINY))
    monkeypatch.setattr(settings, "EXACT_QUANTILE_CHAINS", 6)
    return settings.PRESETS["quick"]["f1"]


PAPER_MD = Path(__file__).resolve().parents[1] / "docs" / "paper.md"


# ----- the paper's values -----------------------------------------------------------------------


def test_paper_values_cover_nine_datasets_both_nets_and_the_papers_methods():
    assert len(PAPER_TABLE_DATASETS) == 9
    for data in PAPER_TABLE_DATASETS:
        for arch in ("f1", "f2"):
            for method in ("mcmc", "mcmc_single_chain", "la"):
                mean, se = paper_value(data, arch, method)
                assert math.isfinite(mean) and se >= 0, (data, arch, method)
            for method in ("de", "mola", "dei_mcmc"):
                assert paper_value(data, arch, method) == (None, None)
    assert len(PAPER_LPPD) == 9 * 2 * 3


def test_paper_values_match_the_table_in_paper_md():
    path = PAPER_MD
    columns = [
        ("f1", "mcmc"),
        ("f1", "mcmc_single_chain"),
        ("f1", "la"),
        ("f2", "mcmc"),
        ("f2", "mcmc_single_chain"),
        ("f2", "la"),
    ]
    rows = 0
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 7 or cells[0] not in PAPER_TABLE_DATASETS:
            continue
        rows += 1
        for (arch, method), text in zip(columns, cells[1:]):
            mean, se = re.fullmatch(r"(-?[\d.]+) \(([\d.]+)\)", text).groups()
            assert paper_value(cells[0], arch, method) == (float(mean), float(se))
    assert rows == 9


def test_paper_value_names_a_bad_argument():
    with pytest.raises(ValueError, match="dataset"):
        paper_value("protein", "f1", "mcmc")
    with pytest.raises(ValueError, match="arch"):
        paper_value("izmailov", "f3", "mcmc")


# ----- agreement --------------------------------------------------------------------------------


@pytest.mark.parametrize("se, paper_se", [(0.06, 0.06), (0.03, 0.1), (0.0, 0.2)])
def test_agrees_is_within_two_combined_standard_errors(se, paper_se):
    limit = 2 * math.sqrt(se**2 + paper_se**2)
    assert combined_se(se, paper_se) == pytest.approx(limit / 2)
    for sign in (1, -1):
        assert agrees(0.5 + sign * 0.999 * limit, se, 0.5, paper_se) is True
        assert agrees(0.5 + sign * 1.001 * limit, se, 0.5, paper_se) is False
    assert agrees(0.5 + 1.5 * limit, se, 0.5, paper_se, n_se=3) is True


def test_agrees_without_a_comparison_and_bad_input():
    assert agrees(0.7, 0.05, None, None) is None
    assert agrees(None, None, 0.79, 0.06) is None
    assert agrees(float("nan"), 0.05, 0.79, 0.06) is None
    with pytest.raises(ValueError, match="se"):
        agrees(0.7, -0.05, 0.79, 0.06)
    with pytest.raises(ValueError, match="n_se"):
        agrees(0.7, 0.05, 0.79, 0.06, n_se=-1)


# ----- the cell list ----------------------------------------------------------------------------


def test_full_preset_has_the_papers_f1_settings_and_the_exact_quantile_variant():
    cells = settings.cells_for("full", datasets=["izmailov"], methods=["mcmc"])
    by_key = {c.key: c for c in cells}
    main = by_key["f1_izmailov_mcmc"].settings
    assert (main["chains"], main["warmup"], main["draws"]) == (1274, 1024, 1)
    assert by_key["f1_izmailov_mcmc_exact_quantile"].settings["chains"] == 54
    assert by_key["f1_izmailov_mcmc_exact_quantile"].variant == "exact_quantile"
    f2 = by_key["f2_izmailov_mcmc"]
    assert f2.settings["chains"] == settings.DEFAULT_MAX_CHAINS_F2
    assert f2.settings["adaptation"] == "gradient"
    assert "1274" in f2.note and "f2_izmailov_mcmc_exact_quantile" not in by_key


def test_cells_for_caps_f2_and_names_bad_arguments():
    cells = settings.cells_for("full", datasets=["yacht"], archs=["f2"], methods=["dei_mcmc", "mcmc"], max_chains_f2=7)
    assert [c.settings["chains"] for c in cells] == [7, 7]
    single = settings.cells_for("full", datasets=["yacht"], archs=["f2"], methods=["mcmc_single_chain"])[0]
    assert (single.settings["chains"], single.settings["draws"]) == (1, 1274)
    for kwargs, name in (
        (dict(datasets=["protein"]), "datasets"),
        (dict(archs=["f3"]), "archs"),
        (dict(methods=["vi"]), "methods"),
        (dict(max_chains_f2=0), "max_chains_f2"),
        (dict(seed=-1), "seed"),
    ):
        with pytest.raises(ValueError, match=name):
            settings.cells_for("full", **kwargs)


# ----- cells, the store and the tables ----------------------------------------------------------


def _run(tmp_path, *extra):
    return command.main(["--quick", "--datasets", "izmailov", "--out", str(tmp_path), "--threads", "2", *extra])


def test_quick_run_saves_every_cell_with_the_required_keys_and_assembles_the_tables(tmp_path, tiny_quick, capsys):
    assert _run(tmp_path, "--methods", "mcmc", "mcmc_single_chain", "de", "la") == 0
    store = CellStore(tmp_path)
    cells = store.all_cells()
    assert {(c["method"], c["variant"]) for c in cells} == {
        ("mcmc", None),
        ("mcmc", "exact_quantile"),
        ("mcmc_single_chain", None),
        ("de", None),
        ("la", None),
    }
    assert len(cells) == 5
    for cell in cells:
        assert set(cell_runner.REQUIRED_KEYS) <= set(cell)
        assert math.isfinite(cell["lppd"]) and cell["se"] > 0 and cell["seconds"] >= 0
        assert cell["agrees"] == agrees(cell["lppd"], cell["se"], cell["paper_lppd"], cell["paper_se"])
    many = {(c["method"], c["variant"]): c for c in cells}
    assert many[("mcmc", None)]["chains"] == TINY["chains"]
    assert many[("mcmc", "exact_quantile")]["chains"] == 6
    assert (many[("mcmc_single_chain", None)]["chains"], many[("mcmc_single_chain", None)]["draws"]) == (1, 4)
    assert many[("mcmc", None)]["gradients_per_chain"] > 0
    assert 0 <= many[("mcmc", None)]["max_depth_fraction"] <= 1

    on_disk = json.loads((tmp_path / "paper_table.json").read_text())["cells"]
    assert sorted(json.dumps(c, sort_keys=True) for c in on_disk) == sorted(
        json.dumps(c, sort_keys=True) for c in cells
    )
    md = (tmp_path / "paper_table.md").read_text()
    row = next(line for line in md.splitlines() if line.startswith("| izmailov |"))
    assert f"{many[('mcmc', None)]['lppd']:.2f} ({many[('mcmc', None)]['se']:.2f}) / 0.79 (0.06)" in row
    assert row.count("<br>") == 5
    assert "[5/5]" in capsys.readouterr().out


def test_rerun_skips_saved_cells_and_refuses_changed_settings(tmp_path, tiny_quick, monkeypatch, capsys):
    assert _run(tmp_path, "--methods", "de", "mcmc") == 0
    saved = {p.name: p.read_text() for p in (tmp_path / "cells").glob("*.json")}
    calls = []
    real = cell_runner.run_cell
    monkeypatch.setattr(command, "run_cell", lambda spec, **kw: calls.append(spec.key) or real(spec, **kw))
    assert _run(tmp_path, "--methods", "de", "mcmc") == 0
    assert calls == [] and "saved, skipped" in capsys.readouterr().out

    tiny_quick["chains"] = 5  # the many-chain cell's settings change: not silently reused
    assert _run(tmp_path, "--methods", "de", "mcmc") == command.EXIT_USAGE
    err = capsys.readouterr().err
    assert "f1_izmailov_mcmc.json" in err and "chains: 4 saved, 5 now" in err and "--rerun-changed" in err
    assert calls == [] and {p.name: p.read_text() for p in (tmp_path / "cells").glob("*.json")} == saved
    assert _run(tmp_path, "--methods", "de", "mcmc", "--rerun-changed") == 0
    assert calls == ["f1_izmailov_mcmc"]
    assert json.loads((tmp_path / "cells" / "f1_izmailov_mcmc.json").read_text())["chains"] == 5


def test_interrupt_keeps_finished_cells_and_exits_130(tmp_path, tiny_quick, monkeypatch):
    real = cell_runner.run_cell

    def stop_at_mcmc(spec, **kw):
        if spec.method == "mcmc":
            raise KeyboardInterrupt
        return real(spec, **kw)

    monkeypatch.setattr(command, "run_cell", stop_at_mcmc)
    assert _run(tmp_path, "--methods", "de", "mcmc") == command.EXIT_INTERRUPTED
    assert [c["method"] for c in CellStore(tmp_path).all_cells()] == ["de"]
    assert [c["method"] for c in json.loads((tmp_path / "paper_table.json").read_text())["cells"]] == ["de"]


def test_store_refuses_a_cell_saved_with_other_settings(tmp_path):
    spec = settings.CellSpec("izmailov", "f1", "de", settings=dict(members=10, seed=0))
    store = CellStore(tmp_path)
    assert store.finished(spec) is None
    store.save(dict(dataset="izmailov", arch="f1", method="de", variant=None, settings=dict(members=10, seed=1)))
    with pytest.raises(SettingsChanged, match="seed: 1 saved, 0 now"):
        store.finished(spec)
    assert not list((tmp_path / "cells").glob(".*tmp"))  # the atomic write left no temporary file


def test_markdown_marks_only_cells_outside_two_standard_errors():
    def cell(data, lppd, ok):
        return dict(
            dataset=data,
            arch="f1",
            method="mcmc",
            variant=None,
            lppd=lppd,
            se=0.05,
            paper_lppd=0.79,
            paper_se=0.06,
            agrees=ok,
            chains=1274,
            warmup=1024,
            draws=1,
            seconds=1473.2,
            note="",
        )

    md = table.markdown([cell("yacht", 0.2, False), cell("izmailov", 0.78, True)])
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert rows[1].startswith("| izmailov") and rows[2].startswith("| yacht")  # the paper's order
    assert table.OUTSIDE_MARK not in rows[1] and table.OUTSIDE_MARK in rows[2]
    assert "1274×1, warmup 1024, 1473 s" in rows[1]
    assert "1 of 2" in md
    distance = abs(0.2 - 0.79) / math.hypot(0.05, 0.06)
    assert f"- yacht: {distance:.1f} combined SEs from the paper's" in md


def test_command_line_errors_name_the_flag_and_add_parser_wires_run(capsys):
    with pytest.raises(SystemExit) as exc:
        command.main(["--threads", "0"])
    assert exc.value.code == 2 and "--threads" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        command.main(["--datasets", "protein"])
    assert "--datasets" in capsys.readouterr().err
    parser = argparse.ArgumentParser(prog="symhmc")
    command.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["reproduce", "--arch", "f2", "--max-chains-f2", "8"])
    assert args.func is command.run and args.arch == ["f2"] and args.max_chains_f2 == 8


def test_a_checkpoint_of_other_settings_is_refused_then_replaced_on_request(tmp_path, tiny_quick, capsys):
    # An interrupted cell leaves its checkpoint and no cell file; then the settings change.
    assert _run(tmp_path, "--methods", "mcmc") == 0
    for path in (tmp_path / "cells").glob("*.json"):
        path.unlink()
    tiny_quick["warmup"] = 40
    assert _run(tmp_path, "--methods", "mcmc") == command.EXIT_USAGE
    assert "checkpoint.npz holds chains of other settings" in capsys.readouterr().err
    assert _run(tmp_path, "--methods", "mcmc", "--rerun-changed") == 0
    assert {c["warmup"] for c in CellStore(tmp_path).all_cells()} == {40}


def test_an_interrupted_cell_resumes_from_its_checkpoint(tmp_path, tiny_quick):
    import symhmc

    spec = settings.cells_for("quick", datasets=["izmailov"], methods=["mcmc"])[-1]
    s = spec.settings
    data = symhmc.datasets.load("izmailov")
    model = symhmc.MLP(hidden=settings.ARCHS["f1"], n_inputs=data.n_features)
    store = CellStore(tmp_path / "resumed")
    # What an interruption after two of the four chains leaves behind.
    symhmc.sample(
        model,
        data.x_train,
        data.y_train,
        chains=2,
        warmup=s["warmup"],
        draws=s["draws"],
        adaptation=s["adaptation"],
        seed=s["seed"],
        progress=False,
        checkpoint=store.checkpoint_path(spec),
    )
    resumed = cell_runner.run_cell(spec, threads=2, checkpoint=store.checkpoint_path(spec))
    fresh = cell_runner.run_cell(spec, threads=2, checkpoint=CellStore(tmp_path / "fresh").checkpoint_path(spec))
    assert resumed["resumed_chains"] == 2 and "resumed_chains" not in fresh
    assert "2 chains read from its checkpoint" in resumed["note"]
    assert (resumed["lppd"], resumed["se"]) == (fresh["lppd"], fresh["se"])


@pytest.mark.parametrize("method", ["mola", "dei_mcmc", "de"])
def test_an_ensemble_interrupted_while_training_stops_the_cell(method, tiny_quick, monkeypatch):
    real = cell_runner.baselines.deep_ensemble

    def interrupted(*args, **kwargs):
        de = real(*args, **kwargs)
        de.partial = True  # what Ctrl-C during training returns
        return de

    monkeypatch.setattr(cell_runner.baselines, "deep_ensemble", interrupted)
    spec = settings.cells_for("quick", datasets=["izmailov"], methods=[method])[0]
    with pytest.raises(KeyboardInterrupt):
        cell_runner.run_cell(spec, threads=2)


def test_cells_patterns_select_cells(tmp_path, capsys):
    from symhmc.reproduce.command import build_parser, run as run_reproduce

    out = tmp_path / "out"
    args = build_parser().parse_args(
        ["--quick", "--datasets", "izmailov", "--cells", "f1_*_la", "--threads", "1", "--out", str(out)]
    )
    assert run_reproduce(args) == 0
    assert sorted(p.name for p in (out / "cells").glob("*.json")) == ["f1_izmailov_la.json"]
    args = build_parser().parse_args(["--quick", "--cells", "f9_*", "--out", str(out)])
    assert run_reproduce(args) == 2
    assert "--cells" in capsys.readouterr().err


def test_cell_files_get_the_umask_permissions(tmp_path):
    import os
    import stat

    from symhmc.reproduce.store import write_json_atomic

    cell = dict(
        dataset="izmailov",
        arch="f1",
        method="mcmc",
        lppd=0.80,
        se=0.06,
        paper_lppd=0.79,
        paper_se=0.06,
        agrees=True,
        chains=32,
        draws=1,
        warmup=200,
        seconds=13.6,
    )
    old = os.umask(0o022)
    try:
        write_json_atomic(tmp_path / "cell.json", {"a": 1})
        table.write_tables(tmp_path, [cell])
    finally:
        os.umask(old)
    for name in ("cell.json", "paper_table.json", "paper_table.md"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
    assert not list(tmp_path.glob(".*tmp"))  # each write renamed its own temporary file


# ----- the fast preset --------------------------------------------------------------------------


def test_fast_preset_keeps_the_papers_chain_counts_and_states_its_sampler_settings():
    fast = {c.key: c for c in settings.cells_for("fast", datasets=["yacht"])}
    full = {c.key: c for c in settings.cells_for("full", datasets=["yacht"])}
    assert fast.keys() == full.keys()
    main = fast["f1_yacht_mcmc"]
    assert main.settings == dict(chains=1274, warmup=256, draws=1, seed=0, adaptation="gradient", dtype="float32")
    assert "float32" in main.note and "warmup 256" in main.note and "gradient" in main.note
    exact = fast["f1_yacht_mcmc_exact_quantile"]
    assert exact.settings["chains"] == 54 and "exact 0.99-quantile" in exact.note and "float32" in exact.note
    assert "warmup 256" not in fast["f1_yacht_dei_mcmc"].note  # DEI-MCMC's short warmup is its design
    assert fast["f1_yacht_dei_mcmc"].settings["dtype"] == "float32"
    for key in ("f1_yacht_de", "f1_yacht_la", "f1_yacht_mola", "f2_yacht_la"):
        assert fast[key].settings == full[key].settings  # baselines are the same runs
    assert "dtype" not in full["f1_yacht_mcmc"].settings  # cells saved before float32 still match
    assert fast["f2_yacht_mcmc"].settings["chains"] == settings.DEFAULT_MAX_CHAINS_F2


@pytest.fixture
def tiny_full_and_fast(monkeypatch):
    monkeypatch.setitem(settings.PRESETS["full"], "f1", dict(TINY))
    monkeypatch.setitem(settings.PRESETS["fast"], "f1", dict(TINY, warmup=30, adaptation="gradient", dtype="float32"))
    monkeypatch.setattr(settings, "EXACT_QUANTILE_CHAINS", 6)


def test_fast_run_keeps_cells_saved_with_the_papers_settings_and_runs_the_rest_in_float32(
    tmp_path, tiny_full_and_fast, capsys
):
    common = ["--arch", "f1", "--datasets", "izmailov", "--methods", "mcmc", "--threads", "2", "--out", str(tmp_path)]
    assert command.main([*common, "--cells", "*_exact_quantile"]) == 0
    paper_cell = (tmp_path / "cells" / "f1_izmailov_mcmc_exact_quantile.json").read_text()
    capsys.readouterr()
    assert command.main(["--fast", *common]) == 0
    out = capsys.readouterr().out
    assert "f1 izmailov mcmc (exact_quantile): saved, skipped" in out
    assert (tmp_path / "cells" / "f1_izmailov_mcmc_exact_quantile.json").read_text() == paper_cell
    fast_cell = json.loads((tmp_path / "cells" / "f1_izmailov_mcmc.json").read_text())
    assert fast_cell["settings"]["dtype"] == "float32" and fast_cell["warmup"] == 30
    assert "float32" in fast_cell["note"] and math.isfinite(fast_cell["lppd"])
    row = next(line for line in (tmp_path / "paper_table.md").read_text().splitlines() if "| izmailov |" in line)
    assert "4×1, warmup 30, float32" in row and "6×1, warmup 50," in row
    with pytest.raises(SystemExit):
        command.main(["--fast", "--quick", *common])
    assert "not allowed with" in capsys.readouterr().err


# ----- several processes on one folder ----------------------------------------------------------


def test_a_claim_is_exclusive_and_a_dead_processs_claim_is_taken_over(tmp_path):
    import socket
    import subprocess
    import sys

    from symhmc.reproduce.claims import claim, release

    path = tmp_path / "cell.running"
    assert claim(path) is None
    held = claim(path)
    assert held is not None and f"pid {os.getpid()}" in held
    release(path)
    assert not path.exists() and claim(path) is None
    release(path)

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path.write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(), "started": "earlier"}))
    assert claim(path) is None and json.loads(path.read_text())["pid"] == os.getpid()  # taken over
    release(path)
    path.write_text(json.dumps({"pid": 1, "host": "another-machine", "started": "earlier"}))
    assert "another-machine" in claim(path)  # cannot tell whether it lives: left alone


def test_a_cell_running_in_another_process_is_skipped_and_named(tmp_path, tiny_quick, monkeypatch, capsys):
    from symhmc.reproduce.claims import claim

    store = CellStore(tmp_path)
    la = settings.cells_for("quick", datasets=["izmailov"], methods=["la"])[0]
    assert claim(store.claim_path(la)) is None  # "another process" (this one) runs the LA cell
    calls = []
    real = cell_runner.run_cell
    monkeypatch.setattr(command, "run_cell", lambda spec, **kw: calls.append(spec.key) or real(spec, **kw))
    assert _run(tmp_path, "--methods", "de", "la") == 0
    out = capsys.readouterr().out
    assert calls == ["f1_izmailov_de"]
    assert "f1 izmailov la: running in another process (pid" in out and "1 cells were running" in out
    assert not store.claim_path(settings.cells_for("quick", datasets=["izmailov"], methods=["de"])[0]).exists()


def test_laplace_cells_note_a_map_search_cut_short_and_a_degenerate_map():
    import types
    import warnings

    import numpy as np

    import symhmc

    model = symhmc.MLP(hidden=(3,))
    res = types.SimpleNamespace(mean=np.zeros((2, model.dim)))
    res.mean[1, -1] = np.log(2e-5)  # one expansion point with the noise sd gone to zero
    stopped = warnings.WarningMessage(
        "L-BFGS-B did not report convergence for the MAP (...)", RuntimeWarning, "f.py", 1
    )
    note = cell_runner._laplace_note(res, model, [stopped])
    assert "iteration limit" in note and "degenerate MAP: noise sd 2e-05" in note
    res.mean[1, -1] = 0.0
    assert cell_runner._laplace_note(res, model, []) == ""
    fixed = symhmc.MLP(hidden=(3,), noise_std=0.1)  # no log sigma in the vector: nothing to say
    assert cell_runner._laplace_note(types.SimpleNamespace(mean=np.zeros((1, fixed.dim))), fixed, []) == ""


def test_markdown_marks_an_agreement_that_rests_on_a_wide_standard_error():
    def cell(data, lppd, se):
        return dict(
            dataset=data,
            arch="f2",
            method="mcmc",
            variant=None,
            lppd=lppd,
            se=se,
            paper_lppd=3.31,
            paper_se=0.21,
            agrees=agrees(lppd, se, 3.31, 0.21),
            chains=16,
            warmup=256,
            draws=1,
            seconds=432.0,
            note="",
        )

    md = table.markdown([cell("yacht", -0.90, 2.34), cell("izmailov", 3.2, 0.2)])
    rows = {line.split("|")[1].strip(): line for line in md.splitlines() if line.startswith("| ")}
    assert table.WIDE_MARK in rows["yacht"] and table.WIDE_MARK not in rows["izmailov"]
    assert table.OUTSIDE_MARK not in rows["yacht"]
    assert "2 of 2 (1 of them (wide))" in md and "- yacht: our SE 2.34 against the paper's 0.21" in md
