"""Edges and thresholds as critical points (attnrmt_lib.critical_points) and the limit of the
causal attention matrix (attnrmt_lib.causal.causal_attention_limit)."""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.bai_yao import bai_yao_map
from attnrmt_lib.causal import causal_attention_limit
from attnrmt_lib.critical_points import bulk_critical_points, bulk_inverse, outlier_curves

RATIOS = [(0.5, 0.5), (0.1, 2.0), (3.0, 0.2), (0.25, 1.0), (1.0, 2.7), (2.0, 2.0), (1.0, 1.0)]


def test_bulk_inverse_solves_the_cubic_and_gives_the_fuss_catalan_edge():
    eta = np.array([-3.3, -0.7, 0.2, 1.5])
    for delta, gamma in RATIOS:
        lam = bulk_inverse(eta, delta, gamma, kappa=2.0)
        assert np.allclose(eta * lam / 2.0, (1 + eta) * (1 + delta * eta) * (1 + gamma * eta))
    assert bulk_inverse(0.5, 1.0, 1.0) == pytest.approx(27 / 4, rel=1e-14)


@pytest.mark.parametrize("delta, gamma", RATIOS)
def test_critical_points_give_the_library_edges(delta, gamma):
    cp = bulk_critical_points(delta, gamma)
    lower, upper = arl.bulk_edges(delta, gamma)
    assert bulk_inverse(cp.upper, delta, gamma) == pytest.approx(upper, rel=1e-10)
    if np.isnan(cp.lower):
        assert lower == 0.0
    else:
        assert bulk_inverse(cp.lower, delta, gamma) == pytest.approx(lower, rel=1e-8, abs=1e-12)
    # every returned root is a critical point of lambda(eta)
    for e in (cp.upper, cp.lower, *cp.other):
        if np.isfinite(e):
            assert 2 * delta * gamma * e**3 + (delta + gamma + delta * gamma) * e**2 - 1 \
                == pytest.approx(0.0, abs=1e-9)
    assert sorted(cp.poles) == sorted(-q for q in (1.0, 1 / delta, 1 / gamma))


def test_lower_edge_is_a_maximum_and_upper_edge_a_minimum_of_lambda():
    cp = bulk_critical_points(0.5, 0.5)
    h = 1e-4
    up = bulk_inverse(np.array([cp.upper - h, cp.upper, cp.upper + h]), 0.5, 0.5)
    lo = bulk_inverse(np.array([cp.lower - h, cp.lower, cp.lower + h]), 0.5, 0.5)
    assert up[1] < up[0] and up[1] < up[2]
    assert lo[1] > lo[0] and lo[1] > lo[2]


def test_no_lower_critical_point_exactly_when_the_two_largest_ratios_tie():
    assert np.isnan(bulk_critical_points(0.25, 1.0).lower)   # 1 = gamma > delta
    assert np.isnan(bulk_critical_points(2.0, 2.0).lower)    # delta = gamma > 1
    assert np.isfinite(bulk_critical_points(1.0, 2.7).lower)  # delta = 1 < gamma: a gap


@pytest.mark.parametrize("delta, gamma", [(0.5, 0.5), (0.1, 2.0), (3.0, 0.2)])
def test_outlier_curves_are_the_library_outliers_on_their_physical_branches(delta, gamma):
    x = np.linspace(0.05, 6.0, 400)
    beta, lam, x_beta, x_lam = outlier_curves(x, delta, gamma)
    assert x_beta == pytest.approx(np.sqrt(delta))
    assert x_lam == pytest.approx(arl.thresholds(delta, gamma)[1] - delta)
    pop = x > x_beta
    assert np.allclose(beta[pop], arl.population_outlier(x[pop] + delta, delta))
    sample = x > x_lam * (1 + 1e-9)
    assert np.allclose(lam[sample], arl.top_eigenvalue(x[sample] + delta, delta, gamma))
    # Lambda is the Bai-Yao map of beta (computed independently from the MP Stieltjes transform)
    assert np.allclose(lam[pop], bai_yao_map(beta[pop], delta, gamma), rtol=1e-10)
    # the minima are the population edge and the upper bulk edge
    b_min, l_min, _, _ = outlier_curves(np.array([x_beta, x_lam]), delta, gamma)
    assert b_min[0] == pytest.approx((1 + np.sqrt(delta)) ** 2)
    assert l_min[1] == pytest.approx(arl.bulk_edges(delta, gamma)[1], rel=1e-10)
    assert beta.min() >= b_min[0] - 1e-12 and lam.min() >= l_min[1] - 1e-12


def test_outlier_curves_scale_with_kappa_and_accept_scalars():
    b1, l1, _, _ = outlier_curves(2.5, 0.5, 0.5)
    b3, l3, _, _ = outlier_curves(2.5, 0.5, 0.5, kappa=3.0)
    assert (b1, l1) == pytest.approx((4.2, 5.04))
    assert (b3, l3) == pytest.approx((3 * 4.2, 3 * 5.04))


@pytest.mark.parametrize("T, tau", [(1, 0.0), (5, 0.0), (16, 1.0), (16, 4.0), (8, 800.0)])
def test_causal_limit_matrix_is_the_softmax_of_the_identity_scores(T, tau):
    a = causal_attention_limit(T, tau)
    # independent construction: causal softmax of the limit scores tau * 1[t = s]
    scores = np.where(np.tril(np.ones((T, T))) > 0, tau * np.eye(T), -np.inf)
    ref = np.exp(scores - scores.max(axis=1, keepdims=True))
    ref /= ref.sum(axis=1, keepdims=True)
    assert np.allclose(a, ref, atol=1e-15)
    assert np.allclose(a.mean(axis=0), arl.harmonic_weights(T, min(tau, 700.0)), atol=1e-15)
    assert np.all(np.triu(a, 1) == 0.0)


def test_causal_limit_matrix_at_tau_zero_has_uniform_rows():
    a = causal_attention_limit(6)
    t = np.arange(1, 7)
    assert np.allclose(a, np.tril(np.ones((6, 6))) / t[:, None])


@pytest.mark.parametrize("call, name", [
    (lambda: bulk_inverse(0.0, 0.5, 0.5), "eta"),
    (lambda: bulk_inverse(1.0, -0.5, 0.5), "delta"),
    (lambda: bulk_inverse(1.0, 0.5, 0.5, kappa=0.0), "kappa"),
    (lambda: bulk_critical_points(0.5, 0.0), "gamma"),
    (lambda: outlier_curves([1.0, 0.0], 0.5, 0.5), "x"),
    (lambda: outlier_curves(1.0, 0.5, np.nan), "gamma"),
    (lambda: causal_attention_limit(0), "T"),
    (lambda: causal_attention_limit(4, -1.0), "tau"),
])
def test_bad_input_is_rejected_with_the_parameter_name(call, name):
    with pytest.raises(ValueError, match=name):
        call()
