import numpy as np
import pytest

from symhmc import _core

# Harmonic oscillator: H = q^T diag(1/var) q / 2 + p^T M^-1 p / 2, a Gaussian target.
VAR = np.array([1.0, 0.25, 4.0])


def oscillator():
    return _core.testing.GaussianTarget(np.zeros(3), VAR)


def max_energy_error(step, total_time=3.0, inv_mass=None):
    n = int(round(total_time / step))
    q0, p0 = np.array([1.0, -0.5, 2.0]), np.array([0.3, 1.0, -0.7])
    _, _, energies = _core.leapfrog(oscillator(), q0, p0, step, n, inv_mass)
    return np.max(np.abs(energies - energies[0]))


@pytest.mark.parametrize("inv_mass", [None, np.array([0.5, 2.0, 1.5])])
def test_energy_error_shrinks_as_step_squared(inv_mass):
    steps = [0.1, 0.05, 0.025]
    errors = [max_energy_error(h, inv_mass=inv_mass) for h in steps]
    ratios = [errors[i] / errors[i + 1] for i in range(2)]
    # Second-order integrator: halving the step divides the energy error by 4 (+-15 %).
    for r in ratios:
        assert 3.4 < r < 4.6, (errors, ratios)


def test_energy_is_exact_at_start_and_matches_target():
    q, p = np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.2, 0.3])
    _, _, e = _core.leapfrog(oscillator(), q, p, 0.1, 0)
    expected = 0.5 * np.sum(q**2 / VAR) + 0.5 * np.log(2 * np.pi * VAR).sum() + 0.5 * np.sum(p**2)
    assert e.shape == (1,)
    assert e[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("inv_mass", [None, np.array([0.5, 2.0, 1.5])])
def test_time_reversibility(inv_mass):
    target = oscillator()
    q0, p0 = np.array([1.0, -0.5, 2.0]), np.array([0.3, 1.0, -0.7])
    q1, p1, _ = _core.leapfrog(target, q0, p0, 0.13, 50, inv_mass)
    q2, p2, _ = _core.leapfrog(target, q1, -p1, 0.13, 50, inv_mass)
    # Exact up to rounding.
    np.testing.assert_allclose(q2, q0, atol=1e-12)
    np.testing.assert_allclose(-p2, p0, atol=1e-12)
    # And a negative step runs time backwards.
    q3, p3, _ = _core.leapfrog(target, q1, p1, -0.13, 50, inv_mass)
    np.testing.assert_allclose(q3, q0, atol=1e-12)
    np.testing.assert_allclose(p3, p0, atol=1e-12)


def test_leapfrog_rejects_bad_arguments():
    t = oscillator()
    with pytest.raises(ValueError, match="q and p"):
        _core.leapfrog(t, np.zeros(2), np.zeros(3), 0.1, 1)
    with pytest.raises(ValueError, match="inv_mass"):
        _core.leapfrog(t, np.zeros(3), np.zeros(3), 0.1, 1, np.array([1.0, -1.0, 1.0]))
