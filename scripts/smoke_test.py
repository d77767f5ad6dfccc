"""Smoke test of an installed symhmc (a wheel, in a fresh environment): it imports, says which
kernels it runs, and a tiny sampling run gives finite draws. Needs numpy only.

    python scripts/smoke_test.py          # SYMHMC_KERNELS=baseline|avx2|avx512 to force a table

Run it from outside the source tree, so that the installed package is the one imported.
"""

import sys
import warnings

import numpy as np

warnings.filterwarnings("error", message="SYMHMC_KERNELS")  # a forced table the CPU cannot run

import symhmc  # noqa: E402
from symhmc import _core  # noqa: E402


def main() -> int:
    print(f"symhmc {symhmc.__version__} from {symhmc.__file__}")
    print(
        f"build {_core.build_arch}, kernels {_core.kernel_isa}, tables {_core.kernel_tables}, "
        f"OpenMP {_core.openmp_available} ({_core.max_threads()} threads)"
    )
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 30)
    y = np.sin(x) + 0.1 * rng.normal(size=30)
    r = symhmc.sample(symhmc.MLP(hidden=(3,)), x, y, chains=4, warmup=50, draws=10, seed=0, progress=False)
    assert r.draws.shape == (4, 10, symhmc.MLP(hidden=(3,)).dim), r.draws.shape
    assert np.isfinite(r.draws).all()
    print(f"sampled {r.draws.shape}: mean acceptance {float(np.mean(r.stats['acceptance_rate'])):.2f}")
    # the paper's data ship inside the wheel, checked against their checksums on load
    shapes = {name: symhmc.datasets.load(name).x_train.shape for name in ("izmailov", "concrete")}
    assert shapes == {"izmailov": (320, 1), "concrete": (824, 8)}, shapes
    print(f"data sets from the package: {shapes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
