"""attnrmt_lib.causal: finite-d convergence to the harmonic weights, harmonic vs mean (chapter 5)."""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.causal import (
    causal_weight_error,
    causal_weight_error_theory,
    harmonic_gain,
    harmonic_threshold,
)
from attnrmt_lib.labels import geometric_purity, label_snr
from attnrmt_lib.power_law import fit_power_law


def harmonic_number(k):
    return np.sum(1.0 / np.arange(1, k + 1))


def test_error_is_zero_at_tau_zero_for_every_d():
    for d in (3, 50, 700):
        assert causal_weight_error(9, 0.0, d, n=20, seed=d) < 1e-15
    assert causal_weight_error_theory(9, 0.0, 100) == 0.0


def test_error_matches_first_order_theory():
    T, n, d = 16, 400, 2000
    taus = np.array([0.5, 1.0, 3.0])
    measured = causal_weight_error(T, taus, d, n=n, seed=4)
    predicted = causal_weight_error_theory(T, taus, d)
    # Monte-Carlo spread of the rms over n sequences (relative sd ≈ 0.3/√n, measured) plus the
    # O(τ/√d) relative size of the neglected second-order term.
    tol = 4 * 0.3 / np.sqrt(n) + taus / np.sqrt(d)
    assert np.all(np.abs(measured / predicted - 1) < tol)


def test_error_decays_like_inverse_sqrt_d():
    ds = np.array([100, 400, 1600, 6400])
    errors = np.array([causal_weight_error(12, 1.0, int(d), n=150, seed=1) for d in ds])
    slope = fit_power_law(ds, errors).slope
    assert abs(slope + 0.5) < 0.05


def test_theory_constant_at_small_tau_and_decay_at_large_tau():
    T = 11
    t = np.arange(1, T + 1)
    # At τ = 0 every row is uniform, a_tj = 1/t, and Σ_j D_j a_tj²(1 - 2a_tj + ‖a_t‖²) = (t²-1)/t³.
    c0 = np.sqrt(np.sum((t**2 - 1.0) / t**3)) / T
    assert causal_weight_error_theory(T, 1e-6) / 1e-6 == pytest.approx(c0, rel=1e-5)
    # d-scaling is exactly 1/√d, and large τ freezes each query on itself.
    assert causal_weight_error_theory(T, 1.3, 400) == pytest.approx(
        causal_weight_error_theory(T, 1.3) / 20, rel=1e-14)
    assert causal_weight_error_theory(T, 30.0) < 1e-10
    grid = causal_weight_error_theory(T, np.array([0.5, 1.0, 2.0]), np.array([[100.0], [400.0]]))
    assert grid.shape == (2, 3)


def test_iid_ties_and_constant_purity_favours_mean():
    for T in (2, 9, 30):
        assert harmonic_gain(np.eye(T)) == pytest.approx(1.0, abs=1e-14)
        # Constant purity s_t = 1: α/κ = (Σw)²/‖w‖², T for mean, 1/‖h‖² = T²/(2T - H_T) harmonic.
        assert harmonic_gain(arl.exchangeable(T, 1.0).R) == pytest.approx(
            T / (2 * T - harmonic_number(T)), rel=1e-12)
        assert harmonic_gain(arl.exchangeable(T, 0.3).R) < 1


@pytest.mark.parametrize("T", [2, 3, 5, 16, 64])
def test_stationary_markov_with_positive_correlation_favours_mean(T):
    h = arl.harmonic_weights(T)
    # Lag by lag, the normalised autocorrelation of h is below (T-k)/T, that of mean pooling,
    # so α/κ = 1 + 2Σ_k φ^k A_k(w) is smaller for every φ in (0, 1).
    for k in range(1, T):
        assert h[:-k] @ h[k:] / (h @ h) < (T - k) / T
    for phi in (0.05, 0.5, 0.95):
        assert harmonic_gain(arl.markov(T, phi).R) < 1
    # Anti-correlated signs reverse the order (both poolings then fall below a single token).
    assert harmonic_gain(arl.markov(T, -0.5).R) > 1


@pytest.mark.parametrize("T,tau", [(3, 0.0), (8, 0.0), (16, 0.0), (16, 1.0), (40, 2.5)])
def test_threshold_separates_wins_from_losses(T, tau):
    r_star = harmonic_threshold(T, tau)
    assert 0 < r_star < 1
    w, m = arl.harmonic_weights(T, tau), arl.mean_weights(T)
    for s0 in (0.3, 1.0):  # the comparison does not depend on s0
        at = geometric_purity(T, s0, r_star)
        assert label_snr(w, at) == pytest.approx(label_snr(m, at), rel=1e-9)
        r = np.linspace(0.001, 0.999, 999)
        diff = label_snr(w, geometric_purity(T, s0, r)) - label_snr(m, geometric_purity(T, s0, r))
        assert np.all(diff[r < r_star - 1e-6] > 0) and np.all(diff[r > r_star + 1e-6] < 0)


def test_threshold_values_and_limits():
    assert harmonic_threshold(2) == 0.0  # T = 2: mean pooling always wins
    assert harmonic_threshold(16) == pytest.approx(0.90159, abs=1e-5)
    assert harmonic_threshold(16, 1.0) > harmonic_threshold(16, 0.5) > harmonic_threshold(16)
    assert harmonic_threshold(16, 60.0) == 1.0  # weights are mean pooling to rounding
    # The Markov/label comparison through the library's R matches the closed form.
    s = geometric_purity(16, 0.9, 0.8)
    assert harmonic_gain(arl.label_model(s).R) == pytest.approx(
        label_snr(arl.harmonic_weights(16), s) / label_snr(arl.mean_weights(16), s), rel=1e-12)
    assert harmonic_gain(arl.label_model(s).R) > 1


@pytest.mark.parametrize("call,name", [
    (lambda: causal_weight_error(0, 1.0, 10), "T"),
    (lambda: causal_weight_error(4, -1.0, 10), "tau"),
    (lambda: causal_weight_error(4, 1.0, 0), "d"),
    (lambda: causal_weight_error(4, [[1.0]], 10), "tau"),
    (lambda: causal_weight_error_theory(4, 1.0, 0.0), "d"),
    (lambda: harmonic_threshold(1), "T"),
    (lambda: harmonic_threshold(5, -0.1), "tau"),
    (lambda: harmonic_gain(-np.eye(3)), "R"),
])
def test_input_checks(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_the_label_model_names_moved_to_labels_and_still_work_with_a_warning():
    import attnrmt_lib.causal as causal

    with pytest.warns(DeprecationWarning, match="attnrmt_lib.labels"):
        old = causal.geometric_purity
    assert old is geometric_purity
    with pytest.warns(DeprecationWarning, match="attnrmt_lib.labels"):
        from attnrmt_lib.causal import label_snr as old_snr  # noqa: F401
    assert old_snr is label_snr
    with pytest.raises(AttributeError):
        causal.no_such_name
