import numpy as np

from symhmc import _core


def test_philox_known_answers():
    # Known-answer vectors of Random123 (kat_vectors, philox4x32_10).
    assert _core.philox4x32_10([0, 0, 0, 0], [0, 0]) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]
    assert _core.philox4x32_10([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2) == [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]
    assert _core.philox4x32_10([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0]) == [
        0xD16CFE09,
        0x94FDCCEB,
        0x5001E420,
        0x24126EA1,
    ]


def test_normal_and_uniform_moments():
    n = 200_000
    z = _core.rng_draws(123, 7, n, "normal")
    # MC tolerance: 5 standard errors (mean: 1/sqrt(n); variance: sqrt(2/n); kurtosis 3: sqrt(96/n)).
    assert abs(z.mean()) < 5 / np.sqrt(n)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    assert abs(np.mean(z**4) - 3) < 5 * np.sqrt(96 / n)
    u = _core.rng_draws(123, 7, n, "uniform")
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / n)


def test_streams_are_reproducible_and_distinct():
    a = _core.rng_draws(5, 0, 1000)
    assert np.array_equal(a, _core.rng_draws(5, 0, 1000))
    b = _core.rng_draws(5, 1, 1000)
    c = _core.rng_draws(6, 0, 1000)
    # Independent streams: sample correlation within 5 / sqrt(n).
    assert abs(np.corrcoef(a, b)[0, 1]) < 5 / np.sqrt(1000)
    assert abs(np.corrcoef(a, c)[0, 1]) < 5 / np.sqrt(1000)
    # A longer request starts with the same numbers.
    assert np.array_equal(_core.rng_draws(5, 0, 10), a[:10])
