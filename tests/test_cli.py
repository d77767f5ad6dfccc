import pytest

from symhmc import cli


def test_demo_prints_lppd_and_summary(capsys):
    assert cli.main(["demo", "--chains", "4", "--warmup", "50", "--no-progress", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "test LPPD:" in out
    assert "divergences" in out and "grad_evals_per_chain" in out


def test_run_reads_a_paper_data_set(capsys, tmp_path):
    # the package's own copy of the data: no folder needed
    assert cli.main(["run", "izmailov", "--chains", "2", "--warmup", "30", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "izmailov" in out and "320 train / 80 test" in out and "test LPPD" in out


def test_bad_settings_exit_with_a_message(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["demo", "--chains", "0", "--no-progress"])
    assert info.value.code == 2
    assert "chains must be >= 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["run", "izmailov", "--data-dir", "/nonexistent", "--no-progress"])
    assert "data_dir" in capsys.readouterr().err


def test_single_chain_draws_as_many_as_the_chains_asked_for(capsys, monkeypatch):
    seen = {}
    real = cli.sample

    def spy(*args, **kwargs):
        seen.update(chains=kwargs["chains"], draws=kwargs["draws"])
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, "sample", spy)
    assert cli.main(["demo", "--chains", "12", "--warmup", "40", "--single-chain", "--no-progress"]) == 0
    assert seen == {"chains": 1, "draws": 12}
    out = capsys.readouterr().out
    assert "test LPPD:" in out
