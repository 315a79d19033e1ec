"""attnrmt_lib.weights: pooling weights, the Rayleigh quotient α/κ and the weights that maximise it."""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib import (
    causal_attention_weights,
    harmonic_weights,
    label_model,
    markov,
    mean_weights,
    optimal_weights,
    snr,
    token_weights,
)


def test_harmonic_weights_closed_form():
    T = 7
    H = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, T + 1))])
    assert np.allclose(harmonic_weights(T), (H[T] - H[:T]) / T, rtol=0, atol=1e-15)
    for tau in (0.0, 0.7, 3.0):
        w = harmonic_weights(T, tau)
        assert w.sum() == pytest.approx(1.0, abs=1e-14)
        assert np.all(np.diff(w) < 0)
    # τ → ∞: every query attends only to itself, i.e. mean pooling.
    assert np.allclose(harmonic_weights(T, 40.0), mean_weights(T), atol=1e-12)


def test_harmonic_equals_causal_softmax_at_tau_zero_exactly():
    X = np.random.default_rng(3).standard_normal((5, 12, 40))
    assert np.allclose(causal_attention_weights(X, 0.0), harmonic_weights(12), rtol=0, atol=1e-15)


def test_finite_d_causal_weights_approach_limit_like_tau_over_sqrt_d():
    T, tau, rng = 16, 1.0, np.random.default_rng(0)
    errors = {}
    for d in (250, 4000):
        X = rng.standard_normal((200, T, d))
        errors[d] = np.mean(np.abs(causal_attention_weights(X, tau) - harmonic_weights(T, tau)))
    # The scores τX_t·X_s/d deviate from τ1[t = s] by O(τ/√d): 16× more d, 4× less error.
    assert 3.0 < errors[250] / errors[4000] < 5.5
    assert errors[4000] < 0.05 * tau / np.sqrt(4000)


def test_mean_and_token_weights():
    assert np.allclose(mean_weights(4), 0.25)
    assert np.array_equal(token_weights(4, 0), [1, 0, 0, 0])
    assert np.array_equal(token_weights(4, -1), [0, 0, 0, 1])


def test_snr_is_rayleigh_quotient_and_optimal_weights_maximise_it():
    R = label_model(0.9 * 0.7 ** np.arange(10)).R
    w_opt = optimal_weights(R)
    assert np.linalg.norm(w_opt) == pytest.approx(1.0)
    assert w_opt.sum() > 0
    best = snr(w_opt, R)
    assert best == pytest.approx(np.linalg.eigvalsh(R)[-1], rel=1e-12)
    rng = np.random.default_rng(1)
    for _ in range(200):
        assert snr(rng.standard_normal(10), R) <= best + 1e-12
    assert snr(3.0 * w_opt, R) == pytest.approx(best)
    # i.i.d. signs: every pooling has α/κ = 1.
    assert snr(harmonic_weights(10), np.eye(10)) == pytest.approx(1.0)


def test_harmonic_beats_mean_exactly_when_its_rayleigh_quotient_is_larger():
    T = 12
    early = label_model(0.8 * 0.8 ** np.arange(T)).R
    late = label_model(0.8 * 0.8 ** np.arange(T)[::-1]).R
    assert snr(harmonic_weights(T), early) > snr(mean_weights(T), early)
    assert snr(harmonic_weights(T), late) < snr(mean_weights(T), late)
    # Stationary Markov signs favour the flat profile.
    assert snr(harmonic_weights(T), markov(T, 0.6).R) < snr(mean_weights(T), markov(T, 0.6).R)


def harmonic_number(k):
    return np.sum(1.0 / np.arange(1, k + 1))


def test_harmonic_kappa_closed_form():
    for T in (1, 2, 7, 50):
        w = arl.harmonic_weights(T)
        assert w @ w == pytest.approx((2 * T - harmonic_number(T)) / T**2, rel=1e-13)


def test_top_eigenvalue_is_simple_and_the_sign_convention():
    from attnrmt_lib.weights import positive_sign, top_eigenvalue_is_simple

    assert top_eigenvalue_is_simple(markov(8, 0.6).R)
    assert not top_eigenvalue_is_simple(np.eye(8))  # R = I: every weighting is optimal
    assert top_eigenvalue_is_simple(np.eye(1))
    w = np.array([0.3, -0.9, 0.1])
    assert np.array_equal(positive_sign(w), -w) and np.array_equal(positive_sign(-w), -w)
    assert optimal_weights(markov(8, 0.6).R).sum() > 0
