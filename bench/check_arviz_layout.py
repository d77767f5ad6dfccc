"""What ArviZ reports for many one-draw chains in the pooled layout of ``to_arviz``: its R-hat of
the network outputs ``f`` next to symhmc's nested R-hat over the same superchains, and raw
against canonical weights (the numbers quoted in the README's ArviZ section). Runs with ArviZ 0.x
(InferenceData) and ArviZ 1.x (DataTree).

    PYTHONPATH=python python bench/check_arviz_layout.py
"""

from __future__ import annotations

import warnings

import numpy as np

import symhmc
from symhmc import diagnostics


def main(chains: int = 64, warmup: int = 200, seed: int = 0) -> None:
    import arviz as az

    rng = np.random.default_rng(0)  # the test suite's toy data: y = sin(x) + noise, 20 points
    x = rng.uniform(-2, 2, 20)
    y = np.sin(x) + 0.1 * rng.normal(size=20)
    r = symhmc.sample(symhmc.MLP(hidden=(3,)), x, y, chains=chains, warmup=warmup, seed=seed, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pareto k and shape warnings of a small toy run
        for weights in ("raw", "canonical"):
            idata = r.to_arviz(weights=weights)
            table = az.summary(idata)
            f, w0 = table.filter(like="f[", axis=0), table.filter(like="W0[", axis=0)
            print(
                f"{weights:9s} ArviZ chains {idata.posterior.sizes['chain']}: f ess_bulk median "
                f"{f['ess_bulk'].median():.1f}, r_hat max {f['r_hat'].max():.3f}; W0 |mean| median "
                f"{w0['mean'].abs().median():.3f}, r_hat max {w0['r_hat'].max():.3f}"
            )
        k = idata.posterior.sizes["chain"]
        outputs = r.model.predict(r.flat_draws(), x).reshape(chains, 1, -1)
        nested = np.nanmax(diagnostics.nested_rhat(outputs, superchains=k))
        print(f"symhmc nested R-hat of f ({k} superchains), max {nested:.3f}")
        loo = az.loo(r.to_arviz())
        elpd = loo.elpd_loo if hasattr(loo, "elpd_loo") else loo.elpd  # ArviZ 1.x names it elpd
        print(f"az.loo elpd_loo {elpd:.2f}")


if __name__ == "__main__":
    main()
