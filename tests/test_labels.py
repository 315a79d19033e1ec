"""attnrmt_lib.labels: the label model, its purity profiles, α/κ in closed form and its optimum."""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib import label_model, mean_weights, optimal_weights, snr
from attnrmt_lib.labels import geometric_purity, label_model_optimum, label_snr
from attnrmt_lib.sampling import labels_and_signs

T = 16


def _geometric(T, s0, r):
    return s0 * r ** np.arange(T)


def test_label_model_optimum_matches_the_eigensolver():
    rng = np.random.default_rng(7)
    for T_ in (2, 3, 9, 40):
        for _ in range(5):
            s = rng.uniform(-1, 1, T_)
            lam, w = label_model_optimum(s)
            R = label_model(s).R
            assert lam == pytest.approx(np.linalg.eigvalsh(R)[-1], rel=1e-12)
            assert np.allclose(w, optimal_weights(R), atol=1e-9)
            assert np.linalg.norm(w) == pytest.approx(1.0)
            # Sign convention: positive sum, or first weight positive when they cancel.
            assert w.sum() > 1e-12 or (abs(w.sum()) < 1e-12 and w[0] > 0)
            assert np.allclose(R @ w, lam * w, atol=1e-10)


def test_label_model_optimum_follows_the_purity():
    s = _geometric(T, 0.9, 0.8)
    lam, w = label_model_optimum(s)
    assert np.all(s**2 < lam - 1)  # no dominant token: weights increase with purity
    assert np.all(np.diff(w) < 0)
    assert np.allclose(w, s / (lam - 1 + s**2) / np.linalg.norm(s / (lam - 1 + s**2)))
    # Weak purities: w is proportional to s to first order (error O(max s^2 / ||s||^2)).
    weak = 0.05 * _geometric(200, 1.0, 0.99)
    _, w_weak = label_model_optimum(weak)
    cosine = w_weak @ weak / np.linalg.norm(weak)
    assert 1 - cosine < 1e-3
    # Two tokens: R has unit diagonal, so equal weights are optimal whatever the purities.
    for s2 in ([1.0, 0.1], [0.9, 0.3], [0.2, 0.7]):
        assert np.allclose(label_model_optimum(s2)[1], [2**-0.5, 2**-0.5])


def test_step_purity_gives_uniform_weights_on_the_pure_tokens():
    T_, k, s0 = 12, 4, 0.7
    s = np.where(np.arange(T_) < k, s0, 0.0)
    lam, w = label_model_optimum(s)
    assert lam == pytest.approx(1 + (k - 1) * s0**2, rel=1e-12)
    assert np.allclose(w, np.where(np.arange(T_) < k, 1 / np.sqrt(k), 0.0), atol=1e-12)
    assert snr(mean_weights(T_), label_model(s).R) == pytest.approx(1 + s0**2 * k * (k - 1) / T_)


def test_label_model_optimum_rejects_degenerate_and_invalid_profiles():
    for bad in ([0.0, 0.0, 0.0], [0.5, 0.0], [[0.1, 0.2]], [1.2, 0.1], [np.nan, 0.3]):
        with pytest.raises(ValueError):
            label_model_optimum(bad)


def test_label_snr_matches_rayleigh_quotient():
    rng = np.random.default_rng(0)
    for _ in range(20):
        T = int(rng.integers(1, 12))
        s = rng.uniform(-1, 1, T)
        w = rng.standard_normal(T)
        assert label_snr(w, s) == pytest.approx(arl.snr(w, arl.label_model(s).R), rel=1e-12)
    profiles = geometric_purity(6, 0.8, np.array([0.2, 0.5, 0.9]))
    assert profiles.shape == (3, 6)
    assert np.allclose(profiles[1], 0.8 * 0.5 ** np.arange(6))
    vals = label_snr(arl.harmonic_weights(6), profiles)
    assert vals.shape == (3,)
    assert vals[2] == pytest.approx(label_snr(arl.harmonic_weights(6), profiles[2]))


@pytest.mark.parametrize("call,name", [
    (lambda: geometric_purity(4, 1.5, 0.5), "s0"),
    (lambda: geometric_purity(4, 0.5, 1.5), "r"),
    (lambda: label_snr([1.0, 1.0], [0.5, 0.5, 0.5]), "s"),
    (lambda: label_snr([1.0, 1.0], [0.5, 1.5]), "s"),
    (lambda: label_model([0.5, 1.5]), "s"),
    (lambda: label_model([[0.5]]), "s"),
])
def test_input_checks(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_the_label_model_signs_agree_with_the_label_at_the_purity():
    # P(ξ_t = y) = (1 + s_t)/2, so E[ξ_t y] = s_t: a mean of n = 40,000 ±1 products, error
    # sd ≤ 1/√n = 0.005; and the signs reproduce R (the same draws as label_model(s).sample).
    s = np.array([0.9, 0.5, 0.0, -0.4])
    n = 40_000
    y, signs = labels_and_signs(s, n, seed=3)
    assert set(np.unique(y)) == {-1.0, 1.0} and set(np.unique(signs)) == {-1.0, 1.0}
    assert np.allclose((signs * y[:, None]).mean(axis=0), s, atol=4 / np.sqrt(n))
    sampled = label_model(s).sample(n, seed=3)
    assert np.array_equal(sampled, signs)
    assert np.allclose(sampled.T @ sampled / n, label_model(s).R, atol=4 / np.sqrt(n))
    # A wrong purity law, ξ_t = y with probability s_t, fails the same check.
    assert not np.allclose((signs * y[:, None]).mean(axis=0), 2 * s - 1, atol=4 / np.sqrt(n))


def test_geometric_profiles_give_the_closed_form_alpha_over_kappa_of_the_book():
    # Chapter 4's label model, s_t = 0.9·0.8^(t-1), T = 16: mean pooling reaches
    # α/κ = 1 + ((Σs)² - Σs²)/T, the optimum λ_max(R) > that, and the optimum's
    # secular equation holds.
    s = geometric_purity(T, 0.9, 0.8)
    assert np.allclose(s, _geometric(T, 0.9, 0.8))
    mean = label_snr(mean_weights(T), s)
    assert mean == pytest.approx(1 + (s.sum() ** 2 - (s**2).sum()) / T, rel=1e-12)
    assert mean == pytest.approx(snr(mean_weights(T), label_model(s).R), rel=1e-12)
    lam, w = label_model_optimum(s)
    assert lam > mean
    assert np.sum(s**2 / (lam - 1 + s**2)) == pytest.approx(1.0, rel=1e-12)
    assert np.allclose(w, optimal_weights(label_model(s).R), atol=1e-9)
    assert arl.label_model_optimum is label_model_optimum and arl.label_model is label_model


def test_label_model_optimum_still_imports_from_detection_with_a_warning():
    with pytest.warns(DeprecationWarning, match="attnrmt_lib.labels"):
        from attnrmt_lib.detection import label_model_optimum as old
    assert old is label_model_optimum


def test_label_max_snr_is_the_optimum_and_bounds_every_weighting():
    from attnrmt_lib.labels import label_max_snr, label_model_optimum
    from attnrmt_lib.weights import harmonic_weights, mean_weights

    T = 12
    profiles = geometric_purity(T, 0.9, np.linspace(0.05, 1.0, 7))
    best = label_max_snr(profiles)
    assert best.shape == (7,)
    for s, lam in zip(profiles, best):
        assert lam == pytest.approx(label_model_optimum(s)[0], rel=1e-10)
        for w in (mean_weights(T), harmonic_weights(T), np.random.default_rng(0).normal(size=T)):
            assert label_snr(w, s) <= lam * (1 + 1e-12)
    assert label_max_snr(np.zeros(T)) == pytest.approx(1.0)  # R = I
    with pytest.raises(ValueError, match="purity"):
        label_max_snr([0.5, 1.5])
