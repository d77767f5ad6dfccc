"""Tests for the command line (symhmc.cli), run in-process through main(argv) with tiny settings."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import symhmc
from symhmc import cli
from symhmc.cli import run as run_cmd

TINY = ["--chains", "4", "--warmup", "30", "--no-progress", "--threads", "1"]


def _usage_error(capsys, argv):
    """The stderr of a usage error (exit code 2)."""
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    return capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"symhmc {symhmc.__version__}"


@pytest.mark.parametrize("command", [[], ["run"], ["demo"], ["bound"], ["plot"]])
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([*command, "--help"])
    assert info.value.code == 0
    assert "usage: symhmc" in capsys.readouterr().out


def test_bound_shows_the_papers_counts(capsys):
    assert cli.main(["bound"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: int(line.split()[1]) for line in out.splitlines() if line.startswith("  ")}
    assert rows["markov"] == 1274 and rows["exact"] == 54
    assert rows["union"] >= rows["exact"]
    assert "12.73" in out


def test_bound_json_follows_the_flags(capsys):
    assert cli.main(["bound", "--modes", "3", "--prob", "0.9", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["chains"]["markov"] == 128 and doc["chains"]["exact"] == 27
    assert cli.main(["bound", "--probs", "0.5", "0.5", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # two equally likely modes: P(G <= g) = 1 - 2^(1-g) >= 0.99 first at g = 8; E[G] = 3
    assert doc["modes"] == 2 and doc["expected_chains"] == pytest.approx(3.0)
    assert doc["chains"] == {"markov": 300, "exact": 8, "union": 8}


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["bound", "--modes", "0"], "--modes"),
        (["bound", "--prob", "1.5"], "--prob"),
        (["bound", "--probs", "0.5", "0.6"], "--probs"),
        (["bound", "--probs", "0.5", "-0.5", "1.0"], "--probs"),
        (["bound", "--modes", "2", "--probs", "0.2", "0.3", "0.5"], "--probs"),
    ],
)
def test_bound_errors_name_the_flag(argv, flag, capsys):
    err = _usage_error(capsys, argv)
    assert f"argument {flag}" in err


def test_run_writes_results_summary_and_figures(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the figures need matplotlib")
    out_dir = tmp_path / "out"
    assert cli.main(["run", "izmailov", *TINY, "--output", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert "320 train / 80 test" in out and "test LPPD" in out
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["settings"]["chains"] == 4 and summary["settings"]["warmup"] == 30
    assert summary["data"]["name"] == "izmailov" and summary["model"]["hidden"] == [3]
    loaded = symhmc.load(out_dir / "results.npz")
    assert loaded.n_chains == 4
    test = symhmc.datasets.load("izmailov")
    assert summary["test"]["lppd"] == pytest.approx(loaded.lppd(test.x_test, test.y_test).mean)
    pngs = sorted(p.name for p in out_dir.glob("*.png"))
    assert {"predictive_band.png", "kl_convergence.png", "density_by_chains.png"} <= set(pngs)
    assert all((out_dir / p).stat().st_size > 1000 for p in pngs)
    assert sorted(summary["files"]["figures"]) == sorted(str(out_dir / p) for p in pngs)


def test_run_json_is_the_only_stdout(capsys):
    assert cli.main(["run", "izmailov", *TINY, "--json", "--activation", "relu", "--hidden", "2", "2"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["model"] == {"hidden": [2, 2], "activation": "relu", "n_params": 2 * 1 + 2 + 2 * 2 + 2 + 2 + 1}
    assert np.isfinite(doc["test"]["lppd"]) and doc["test"]["se"] > 0
    assert doc["sampler"]["chains"] == 4 and doc["partial"] is False


def test_run_chains_bound_and_auto(monkeypatch, capsys):
    seen = []
    real = run_cmd.sample

    def spy(*args, **kwargs):
        seen.append({k: kwargs.get(k) for k in ("chains", "bound", "auto")})
        return real(*args, **{**kwargs, "chains": 2, "bound": None, "auto": None})  # stay fast

    monkeypatch.setattr(run_cmd, "sample", spy)
    assert cli.main(["run", "izmailov", "--chains", "bound", "--bound-method", "exact", *TINY[2:]]) == 0
    assert cli.main(["run", "izmailov", "--chains", "auto", "--tol", "0.01", "--round-size", "8", *TINY[2:]]) == 0
    assert seen == [
        {"chains": "bound", "bound": {"method": "exact"}, "auto": None},
        {"chains": "auto", "bound": None, "auto": {"round_size": 8, "tol": 0.01}},
    ]
    capsys.readouterr()
    assert "need --chains bound" in _usage_error(capsys, ["run", "izmailov", "--modes", "4", *TINY])


def test_run_chain_rules_end_to_end(capsys):
    assert (
        cli.main(
            ["run", "izmailov", "--chains", "bound", "--modes", "1", "--bound-method", "exact", *TINY[2:], "--json"]
        )
        == 0
    )
    rule = json.loads(capsys.readouterr().out)["settings"]["chains_rule"]
    assert rule["rule"] == "bound" and rule["chains"] == 1  # one mode: the first chain visits it
    assert (
        cli.main(["run", "izmailov", "--chains", "auto", "--round-size", "2", "--max-chains", "4", *TINY[2:], "--json"])
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["settings"]["chains_rule"]["rule"] == "auto" and doc["settings"]["chains"] == 4  # two rounds to compare


def test_run_on_a_csv_file(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (60, 2))
    y = np.sin(x[:, 0]) + 0.5 * x[:, 1] + 0.1 * rng.normal(size=60)
    path = tmp_path / "mine.csv"
    rows = ["price,a,b"] + [f"{t:.6f},{u:.6f},{v:.6f}" for t, u, v in zip(y, x[:, 0], x[:, 1])]
    path.write_text("\n".join(rows) + "\n")
    assert cli.main(["run", str(path), "--target", "price", *TINY, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["data"]["source"] == "csv" and (doc["data"]["n_train"], doc["data"]["n_test"]) == (48, 12)
    assert doc["data"]["n_features"] == 2
    assert cli.main(["run", str(path), "--target", "nope", *TINY]) == 1
    assert "--target" in capsys.readouterr().err


def test_run_on_a_semicolon_csv_file_names_the_delimiter_flag(tmp_path, capsys):
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, 40)
    path = tmp_path / "semi.csv"
    path.write_text("x;y\n" + "".join(f"{u:.6f};{np.sin(u):.6f}\n" for u in x))
    assert cli.main(["run", str(path), *TINY]) == 1
    err = capsys.readouterr().err
    assert "line 2" in err and "pass --delimiter ';'" in err and "delimiter=" not in err
    assert cli.main(["run", str(path), "--delimiter", ";", *TINY, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["data"]["n_features"] == 1
    tabbed = tmp_path / "tab.csv"
    tabbed.write_text(path.read_text().replace(";", "\t"))
    assert cli.main(["run", str(tabbed), *TINY]) == 1
    assert "pass --delimiter tab" in capsys.readouterr().err
    assert cli.main(["run", str(tabbed), "--delimiter", "tab", *TINY, "--json"]) == 0
    capsys.readouterr()
    assert "argument --delimiter" in _usage_error(capsys, ["run", "izmailov", "--delimiter", ";"])


def test_usage_errors_name_the_flag(capsys):
    assert "argument --chains" in _usage_error(capsys, ["demo", "--chains", "0"])
    assert "argument --chains" in _usage_error(capsys, ["demo", "--chains", "many"])
    assert "--no-such-flag" in _usage_error(capsys, ["demo", "--no-such-flag"])
    assert "argument --data-dir" in _usage_error(capsys, ["run", "izmailov", "--data-dir", "/nonexistent"])
    assert "argument DATA" in _usage_error(capsys, ["run", "no_such_set"])
    # a value only the core checks: its keyword is translated to the flag
    err = _usage_error(capsys, ["demo", *TINY, "--target-accept", "1.5"])
    assert "--target-accept" in err and "target_accept" not in err


def test_demo_runs_on_the_papers_sinusoidal_file(monkeypatch, capsys):
    seen = {}
    real = run_cmd.sample

    def spy(model, x, y, **kwargs):
        seen.update(n=len(y), **{k: kwargs[k] for k in ("chains", "warmup", "draws")})
        return real(model, x, y, **{**kwargs, "chains": 2, "warmup": 30})

    monkeypatch.setattr(run_cmd, "sample", spy)
    assert cli.main(["demo", "--no-progress"]) == 0
    assert seen == {
        "n": len(symhmc.datasets.load("sinusoidal").y_train),
        "chains": 128,
        "warmup": run_cmd.DEMO_WARMUP,
        "draws": 1,
    }
    assert "data: sinusoidal" in capsys.readouterr().out


def test_demo_into_a_log_writes_plain_progress_lines_and_the_last_once(monkeypatch, capsys):
    # capsys's stderr is no terminal, as a redirected log is: no carriage returns, and with a
    # short interval at most a line per interval plus the final line exactly once.
    real = run_cmd.sample
    monkeypatch.setattr(run_cmd, "sample", lambda m, x, y, **kw: real(m, x, y, **{**kw, "chains": 8, "warmup": 60}))
    assert cli.main(["demo"]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = [line for line in err.splitlines() if line.startswith("NUTS:")]
    assert lines and lines[-1].startswith("NUTS: 100% ") and "chains=8/8" in lines[-1]
    assert sum("100%" in line for line in lines) == 1


def test_a_closed_pipe_ends_the_command_quietly():
    # The reading end is closed before the command starts (as after ``| head -1``), so every
    # write fails with EPIPE whatever the timing: exit 0 and nothing on stderr.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "symhmc", "bound"], stdout=write_end, stderr=subprocess.PIPE, timeout=120
        )
    finally:
        os.close(write_end)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""


def test_single_chain_draws_as_many_as_the_chains_asked_for(capsys, monkeypatch):
    seen = {}
    real = run_cmd.sample

    def spy(*args, **kwargs):
        seen.update(chains=kwargs["chains"], draws=kwargs["draws"])
        return real(*args, **kwargs)

    monkeypatch.setattr(run_cmd, "sample", spy)
    assert cli.main(["demo", "--chains", "12", "--warmup", "40", "--single-chain", "--no-progress"]) == 0
    assert seen == {"chains": 1, "draws": 12}
    assert "test LPPD:" in capsys.readouterr().out


def _interrupted_after(n_finished):
    """A stand-in for sample() whose run was stopped by Ctrl-C after ``n_finished`` chains."""

    def fake(model, x, y, **kwargs):
        results = symhmc.sample(model, x, y, **{**kwargs, "chains": max(n_finished, 1)})
        if n_finished == 0:
            none = {k: getattr(results, k)[:0] for k in ("draws", "step_size", "inv_mass", "n_grad_evals", "chain_ids")}
            return symhmc.SampleResults(
                **none,
                stats={k: v[:0] for k, v in results.stats.items()},
                wall_time=0.1,
                settings=results.settings,
                seed=results.seed,
                partial=True,
                model=results.model,
                x=results.x,
                y=results.y,
            )
        results.partial = True
        results.settings["chains"] = 10
        return results

    return fake


def test_ctrl_c_before_any_chain_gives_a_clean_message(monkeypatch, capsys):
    monkeypatch.setattr(run_cmd, "sample", _interrupted_after(0))
    assert cli.main(["run", "izmailov", *TINY]) == 130
    captured = capsys.readouterr()
    assert "interrupted before any chain finished" in captured.err and "Traceback" not in captured.err
    assert captured.out == ""

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_cmd, "sample", stop)
    assert cli.main(["run", "izmailov", *TINY]) == 130
    assert capsys.readouterr().err.strip() == "symhmc: interrupted"


def test_ctrl_c_after_some_chains_saves_them(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(run_cmd, "sample", _interrupted_after(3))
    assert cli.main(["run", "izmailov", *TINY, "--output", str(tmp_path), "--no-plots"]) == 130
    captured = capsys.readouterr()
    assert "3 of 10 chains finished" in captured.err and "[partial run]" in captured.out
    assert symhmc.load(tmp_path / "results.npz").n_chains == 3
    assert json.loads((tmp_path / "summary.json").read_text())["partial"] is True


def test_plot_draws_the_figures_of_a_saved_run(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the figures need matplotlib")
    assert cli.main(["run", "izmailov", *TINY, "--output", str(tmp_path / "run"), "--no-plots"]) == 0
    assert not list((tmp_path / "run").glob("*.png"))
    capsys.readouterr()
    assert (
        cli.main(["plot", str(tmp_path / "run"), "--output", str(tmp_path / "figs"), "--format", "svg", "--json"]) == 0
    )
    figures = json.loads(capsys.readouterr().out)["figures"]
    assert {"predictive_band.svg", "kl_convergence.svg", "equioutput_count.svg"} <= {p.split("/")[-1] for p in figures}
    assert all((tmp_path / "figs" / p.split("/")[-1]).read_text().lstrip().startswith("<?xml") for p in figures)
    assert "argument RESULTS" in _usage_error(capsys, ["plot", str(tmp_path / "missing.npz")])
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a results file")
    assert cli.main(["plot", str(bad)]) == 1
    assert "RESULTS" in capsys.readouterr().err
