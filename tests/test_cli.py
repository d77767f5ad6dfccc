from symhmc import cli


def test_demo_prints_lppd_and_summary(capsys):
    assert cli.main(["demo", "--chains", "4", "--warmup", "50", "--no-progress", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "test LPPD:" in out
    assert "divergences" in out and "grad_evals_per_chain" in out
