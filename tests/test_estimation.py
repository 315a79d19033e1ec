"""Tests of attnrmt_lib.estimation: inverse outlier map, outlier CLT, moment estimates."""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.bulk import bulk_atom, bulk_cdf, bulk_edges, bulk_quadrature
from attnrmt_lib.estimation import (
    bulk_parameters_from_moments,
    bulk_psi,
    bulk_stieltjes,
    bulk_trace,
    estimate_signal,
    invert_top_eigenvalue,
    outlier_fluctuation,
    outlier_slope,
    spectral_outlier_fluctuation,
)
from attnrmt_lib.outlier_test import edge_critical_point, top_eigenvalue_replicates

RATIOS = [(0.5, 0.5), (0.2, 1.5), (2.0, 0.3)]


@pytest.mark.parametrize("delta, gamma", RATIOS)
def test_inverse_map_round_trip_and_censoring(delta, gamma):
    rho2 = arl.thresholds(delta, gamma)[1]
    rhos = rho2 * np.array([1.001, 1.1, 2.0, 10.0])
    for kappa in (1.0, 0.3):
        back = invert_top_eigenvalue(kappa * arl.top_eigenvalue(rhos, delta, gamma), delta, gamma,
                                     kappa)
        assert np.allclose(back, rhos, rtol=1e-9)
    edge = bulk_edges(delta, gamma)[1]
    assert np.allclose(invert_top_eigenvalue([0.5 * edge, edge], delta, gamma), rho2)


@pytest.mark.parametrize("delta, gamma", RATIOS)
def test_stieltjes_transform_above_the_edge_by_quadrature(delta, gamma):
    t, w = bulk_quadrature(delta, gamma, nodes=400)
    edge = bulk_edges(delta, gamma)[1]
    for z in (1.05 * edge, 2 * edge, 10 * edge):
        direct = np.sum(w / (z - t)) + bulk_atom(delta, gamma) / z
        assert abs(bulk_stieltjes(z, delta, gamma) - direct) < 1e-9 * direct
    assert abs(bulk_psi(edge, delta, gamma) - edge_critical_point(delta, gamma)) < 1e-12


@pytest.mark.parametrize("delta, gamma", RATIOS)
def test_rank_two_determinant_lemma_reproduces_the_limits(delta, gamma):
    # The limit of f(z) = (1 - mB)^2 - m^2 A (beta + C) = 0 at the outlier, in units
    # kappa = alpha = 1: rho tau_10 (1 + gamma tau_11) = 1; normalising the eigenvector
    # gives the alignment a_2^2 tau_10^2 with a_2^-2 = gamma tau_21 tau_10^2 rho + tau_20.
    for rho in arl.thresholds(delta, gamma)[1] * np.array([1.1, 2.0, 6.0]):
        lam = arl.top_eigenvalue(rho, delta, gamma)
        t10, t11 = bulk_trace(lam, 1, 0, delta, gamma), bulk_trace(lam, 1, 1, delta, gamma)
        t20, t21 = bulk_trace(lam, 2, 0, delta, gamma), bulk_trace(lam, 2, 1, delta, gamma)
        assert abs(rho * t10 * (1 + gamma * t11) - 1) < 1e-10
        a2 = 1 / (gamma * t21 * t10**2 * rho + t20)
        assert abs(a2 * t10**2 - arl.overlap(rho, delta, gamma)) < 1e-10
        assert abs(t10 - bulk_stieltjes(lam, delta, gamma)) < 1e-10   # tau_10 = G
        assert abs(t11 - bulk_psi(lam, delta, gamma)) < 1e-10          # tau_11 = psi


def test_outlier_slope_is_the_derivative_of_the_outlier_map():
    for delta, gamma in RATIOS:
        rho = 2.5 * arl.thresholds(delta, gamma)[1]
        h = 1e-6 * rho
        numeric = (arl.top_eigenvalue(rho + h, delta, gamma)
                   - arl.top_eigenvalue(rho - h, delta, gamma)) / (2 * h)
        assert abs(outlier_slope(rho, delta, gamma) - numeric) < 1e-6 * numeric
        assert abs(outlier_slope(arl.thresholds(delta, gamma)[1], delta, gamma)) < 1e-9


@pytest.mark.parametrize("gamma, rho", [(0.25, 1.5), (0.5, 3.0), (1.0, 6.0)])
def test_fluctuation_reduces_to_pauls_gaussian_variance(gamma, rho):
    # delta -> 0, Gaussian signs: Paul (2007), sqrt(N)(lambda - l(1 + gamma/(l - 1))) ->
    # N(0, 2 l^2 (1 - gamma/(l - 1)^2)), l = 1 + rho; sqrt(d) = sqrt(gamma N).
    spike = 1 + rho
    paul = np.sqrt(gamma * 2 * spike**2 * (1 - gamma / rho**2))
    assert abs(outlier_fluctuation(rho, 1e-10, gamma) - paul) < 1e-6 * paul


def test_fluctuation_against_simulation():
    # i.i.d. signs, mean pooling: excess kurtosis -2/T. Tolerance: 4 standard errors of a
    # standard deviation from n draws, 4/sqrt(2n), plus the O(d^(-1/2)) finite-size term.
    T, d, n = 8, 300, 80
    rhos = np.array([3.0, 5.0])
    x = top_eigenvalue_replicates(d=d, delta=0.5, gamma=0.5, weights=arl.mean_weights(T),
                                  correlation=arl.iid(T), rhos=rhos, n_replicates=n, seed=7)
    theory = outlier_fluctuation(rhos, 0.5, 0.5, excess_kurtosis=-2 / T)
    measured = np.sqrt(d) * x.std(axis=0, ddof=1)
    assert np.all(np.abs(measured / theory - 1) < 4 / np.sqrt(2 * n) + 1 / np.sqrt(d)), measured
    # A kurtosis of the wrong sign (-2 -> +6) moves the prediction by more than the tolerance.
    wrong = outlier_fluctuation(rhos, 0.5, 0.5, excess_kurtosis=6.0)
    assert np.all(np.abs(wrong / theory - 1) > 4 / np.sqrt(2 * n) + 1 / np.sqrt(d))


def test_spectral_fluctuation_from_the_law_quantiles():
    # The empirical version, fed with a fine sample of the bulk law (its quantiles), agrees
    # with the closed form.
    delta, gamma, rho = 0.5, 0.5, 3.0
    lo, hi = bulk_edges(delta, gamma)
    grid = np.linspace(lo, hi, 4000)
    F = bulk_cdf(grid, delta, gamma)
    q = np.interp((np.arange(20000) + 0.5) / 20000, F, grid)
    top = arl.top_eigenvalue(rho, delta, gamma)
    got = spectral_outlier_fluctuation(q, top, rho, gamma, excess_kurtosis=-0.25)
    assert abs(got / outlier_fluctuation(rho, delta, gamma, excess_kurtosis=-0.25) - 1) < 5e-3


def test_estimate_signal():
    d, delta, gamma = 1000, 0.5, 0.5
    est = estimate_signal(5.04 * 0.2, d=d, delta=delta, gamma=gamma, kappa=0.2, alpha=0.4)
    assert est.detected and abs(est.rho - 3.0) < 1e-10 and abs(est.alignment - 0.64) < 1e-10
    assert abs(est.mu_norm2 - 1.5) < 1e-10 and abs(est.mu_norm2_se - est.rho_se / 2) < 1e-12
    expected = outlier_fluctuation(3.0, delta, gamma) / (np.sqrt(d) * outlier_slope(3.0, delta, gamma))
    assert abs(est.rho_se - expected) < 1e-12
    below = estimate_signal(4.0, d=d, delta=delta, gamma=gamma)
    assert not below.detected and below.rho_se == np.inf and below.alignment == 0.0


def test_bulk_parameters_from_moments():
    T = 16
    r = arl.simulate(d=500, delta=0.2, gamma=0.8, weights=arl.mean_weights(T),
                     correlation=arl.iid(T), mu_norm2=3.0, seed=4)
    known = bulk_parameters_from_moments(r.eigenvalues, gamma=r.gamma)
    # kappa within 4 x its measured relative spread 0.3 % at d = 500, delta within 0.03.
    assert abs(known["kappa"] / r.kappa - 1) < 0.012
    assert abs(known["delta"] - r.delta) < 0.03
    pair = bulk_parameters_from_moments(r.eigenvalues)
    assert abs(pair["ratio_large"] - r.gamma) < 0.08 and abs(pair["ratio_small"] - r.delta) < 0.08
    # Exact moments give exact answers: four points with the law's first two moments...
    m = arl.bulk_moments(3, 0.2, 0.8, 2.0)
    spread = np.sqrt(m[2] - m[1] ** 2)
    two = bulk_parameters_from_moments(m[1] + spread * np.array([-1.0, -1.0, 1.0, 1.0]),
                                       gamma=0.8, exclude_top=0)
    assert abs(two["kappa"] - 2.0) < 1e-12 and abs(two["delta"] - 0.2) < 1e-12
    # ... and a fine sample of the law (its quantiles) recovers the pair from three moments.
    lo, hi = bulk_edges(0.2, 0.8, 2.0)
    grid = np.linspace(lo, hi, 4000)
    q = np.interp((np.arange(20000) + 0.5) / 20000, bulk_cdf(grid, 0.2, 0.8, 2.0), grid)
    three = bulk_parameters_from_moments(q, exclude_top=0)
    assert abs(three["kappa"] - 2.0) < 1e-4
    assert abs(three["ratio_large"] - 0.8) < 5e-3 and abs(three["ratio_small"] - 0.2) < 5e-3


@pytest.mark.parametrize("call, match", [
    (lambda: bulk_psi(1.0, 0.5, 0.5), "z must lie at or above the upper bulk edge"),
    (lambda: bulk_trace(1.0, 1, 0, 0.5, 0.5), "z must lie above the upper bulk edge"),
    (lambda: bulk_trace(5.0, -1, 0, 0.5, 0.5), "k must be an integer >= 0"),
    (lambda: invert_top_eigenvalue(5.0, 0.0, 0.5), "delta must be a finite number > 0"),
    (lambda: outlier_fluctuation(1.0, 0.5, 0.5), "rho must be > rho_2"),
    (lambda: outlier_fluctuation(3.0, 0.5, 0.5, excess_kurtosis=-3.0), "excess_kurtosis must be"),
    (lambda: outlier_slope(1.0, 0.5, 0.5), "rho must be >= rho_2"),
    (lambda: estimate_signal(5.0, d=0, delta=0.5, gamma=0.5), "d must be an integer >= 1"),
    (lambda: spectral_outlier_fluctuation([1.0, 2.0], 1.5, 3.0, 0.5), "top_eigenvalue must lie above"),
    (lambda: bulk_parameters_from_moments([1.0, 2.0, 3.0]), "at least exclude_top \\+ 3"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
