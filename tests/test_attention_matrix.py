"""Tests for attnrmt_lib.attention_matrix: the spectrum of a random softmax attention matrix.

Finite-size tolerances: the Kolmogorov distance between two independent spectra of size ℓ
(the "floor", measured) is O(1/ℓ); the systematic error of the Gaussian equivalence is
controlled by the Lindeberg ratio x = e^{β²}/√ℓ (∝ ℓ^{-1/2}), and the appendix measures
Kolmogorov ≈ (0.2-0.4) x for x < 0.2 at ℓ = 200-1600, so "floor + x/2" is the tolerance.
"""

import math

import numpy as np
import pytest
from scipy import special, stats

from attnrmt_lib import attention_matrix as am
from attnrmt_lib.marchenko_pastur import mp_quantiles


@pytest.fixture(scope="module")
def draw400():
    return am.draw_attention(400, seed=0)


@pytest.mark.parametrize("call, message", [
    (lambda: am.draw_attention(1), "ell"),
    (lambda: am.draw_attention(10, d=0), "d must"),
    (lambda: am.draw_attention(10, d_qk=2.5), "d_qk"),
    (lambda: am.draw_attention(10, seed=-1), "seed"),
    (lambda: am.draw_attention(10, seed=1.5), "seed"),
    (lambda: am.row_softmax(np.zeros((3, 3)), -1.0), "beta"),
    (lambda: am.row_softmax(np.zeros(3), 1.0), "scores"),
    (lambda: am.row_softmax(np.full((2, 2), np.nan), 1.0), "scores"),
    (lambda: am.squared_singular_values(np.eye(3), remove_top=3), "remove_top"),
    (lambda: am.hermite_noise_variance(-0.1), "beta"),
    (lambda: am.hermite_coefficients(1.0, -1), "kmax"),
    (lambda: am.gaussian_equivalent(np.eye(3), 1.0), "draw"),
    (lambda: am.fit_marchenko_pastur([1.0, 1.0, 1.0]), "values"),
    (lambda: am.fit_marchenko_pastur([1.0, 2.0], ratio=0.0), "ratio"),
    (lambda: am.quantile_error([1, 2], [1, 2], levels=[0.0, 0.5]), "levels"),
    (lambda: am.quantile_error([1, 2], [0, 0], levels=[0.5]), "reference"),
    (lambda: am.kolmogorov_distance([], [1.0]), "empty"),
    (lambda: am.lindeberg_ratio(1.0, 0), "ell"),
    (lambda: am.equivalence_thresholds(1), "ell"),
    (lambda: am.key_selection_rates("keys"), "draw"),
    (lambda: am.poisson_quantiles(0), "n"),
    (lambda: am.poisson_quantiles(5, mean=0.0), "mean"),
    (lambda: am.mixed_poisson_pmf([1.0], [-1]), "k"),
    (lambda: am.mixed_poisson_quantiles([], 5), "rates"),
    (lambda: am.equivalence_sweep([1.0], ells=(5,)), "ell"),
])
def test_bad_input_raises_value_error_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_same_seed_same_draw_and_independent_noise():
    a, b = am.draw_attention(50, 30, 20, seed=3), am.draw_attention(50, 30, 20, seed=3)
    assert np.array_equal(a.scores, b.scores)
    assert (a.ell, a.d, a.d_qk) == (50, 30, 20)
    assert not np.allclose(a.scores, am.draw_attention(50, 30, 20, seed=4).scores)
    gen = am.draw_attention(20, seed=np.random.default_rng(1))
    assert gen.scores.shape == (20, 20)
    y1 = am.gaussian_equivalent(a, 0.7, seed=3)
    assert np.array_equal(y1, am.gaussian_equivalent(b, 0.7, seed=3))
    # The noise of the linear model with the draw's own seed is not a copy of the tokens.
    ell = 200
    draw = am.draw_attention(ell, seed=5)
    beta = 1.0
    G = ((np.sqrt(ell) * am.gaussian_equivalent(draw, beta, seed=5) - 1 - beta * draw.scores)
         / np.sqrt(am.hermite_noise_variance(beta)))
    X = np.random.default_rng([5, 0]).standard_normal((ell, ell))
    assert abs(np.mean(G * X)) < 4 / ell  # independent: mean of ℓ² products, sd 1/ℓ
    assert abs(np.mean(G**2) - 1) < 4 * np.sqrt(2) / ell


@pytest.mark.parametrize("beta", [0.0, 1.0, 50.0, 1e4])
def test_attention_is_row_stochastic(draw400, beta):
    A = draw400.attention(beta)
    assert np.all(np.isfinite(A)) and np.all(A >= 0)
    assert np.allclose(A.sum(axis=1), 1.0, atol=1e-12)
    if beta == 0:
        assert np.allclose(A, 1 / 400)
    # ‖√ℓ A u‖² = ℓ for u = 1/√ℓ, so the top squared singular value is at least ℓ
    s2 = am.squared_singular_values(np.sqrt(400) * A)
    assert s2[-1] >= 400 * (1 - 1e-10)
    assert am.mean_squared_singular_value(draw400, beta) == pytest.approx(s2.mean(), rel=1e-10)


def test_hermite_noise_variance_against_quadrature():
    x, w = np.polynomial.hermite_e.hermegauss(120)
    w = w / w.sum()
    for beta in (0.05, 0.5, 1.0, 2.0):
        f = np.exp(beta * x - beta**2 / 2)
        residual = np.sum(w * (f - 1 - beta * x) ** 2)
        assert am.hermite_noise_variance(beta) == pytest.approx(residual, rel=1e-9)
        c = am.hermite_coefficients(beta, 60)
        k = np.arange(61)
        assert np.sum((c**2 * special.factorial(k))[2:]) == \
            pytest.approx(am.hermite_noise_variance(beta), rel=1e-10)
        for j in range(6):  # projections E[f(g) He_j(g)] / j! = β^j / j!
            he = np.polynomial.hermite_e.hermeval(x, np.eye(j + 1)[j])
            assert np.sum(w * f * he) / math.factorial(j) == pytest.approx(c[j], rel=1e-9,
                                                                              abs=1e-14)
    assert am.hermite_noise_variance(1e-4) == pytest.approx(1e-16 / 2, rel=1e-6)  # β⁴/2
    assert np.allclose(am.hermite_noise_variance([0.0, 1.0]), [0.0, np.e - 2])


def test_marchenko_pastur_fit_recovers_scale_and_ratio():
    values = 2.5 * mp_quantiles(0.4, 4000)
    fit = am.fit_marchenko_pastur(values)
    assert fit.scale == pytest.approx(2.5, rel=1e-3)
    assert fit.ratio == pytest.approx(0.4, rel=1e-2)
    assert am.fit_marchenko_pastur(values, ratio=1.0).ratio == 1.0
    assert np.allclose(fit.quantiles(10), 2.5 * mp_quantiles(fit.ratio, 10))


def test_quantile_error_and_kolmogorov_distance():
    a = np.arange(1.0, 101.0)
    assert am.quantile_error(a, a) == 0.0
    assert am.quantile_error(1.1 * a, a) == pytest.approx(0.1)
    assert am.kolmogorov_distance(a, a) == 0.0
    assert am.kolmogorov_distance(a, a + 1000) == 1.0


def _spectra(draw, other, beta, seed):
    ell = draw.ell
    att = am.squared_singular_values(np.sqrt(ell) * draw.attention(beta), remove_top=3)
    lin = am.squared_singular_values(am.gaussian_equivalent(draw, beta, seed=seed),
                                     remove_top=3)
    lin2 = am.squared_singular_values(am.gaussian_equivalent(other, beta, seed=seed + 1),
                                      remove_top=3)
    return att, lin, lin2


def test_linear_model_matches_attention_at_small_beta(draw400):
    """β = 0.5, ℓ = 400: Kolmogorov distance within floor + x/2 (x = e^{β²}/√ℓ = 0.064).

    The same statistic with a wrong noise variance (e^{β²} - 1, forgetting that the linear
    term carries β²) or with no noise must exceed the tolerance: the test can fail.
    """
    beta, ell = 0.5, 400
    other = am.draw_attention(ell, seed=1)
    att, lin, lin2 = _spectra(draw400, other, beta, 0)
    floor = am.kolmogorov_distance(lin2, lin)
    tolerance = floor + am.lindeberg_ratio(beta, ell) / 2
    assert am.kolmogorov_distance(att, lin) < tolerance
    noise = np.random.default_rng([0, 1]).standard_normal((ell, ell))
    for variance in (np.expm1(beta**2), 0.0):
        wrong = (1 + beta * draw400.scores + np.sqrt(variance) * noise) / np.sqrt(ell)
        wrong_s2 = am.squared_singular_values(wrong, remove_top=3)
        assert am.kolmogorov_distance(att, wrong_s2) > tolerance


def test_linear_model_fails_at_beta_two(draw400):
    """β = 2 > √(log(ℓ)/2) = 1.73 at ℓ = 400: the row second moments no longer self-average.

    The mean squared singular value falls well below the linear model's e^{β²} (whose own
    value is e^{β²} up to O(ℓ^{-1/2})), and the spectra differ by far more than their floor.
    """
    beta, ell = 2.0, 400
    other = am.draw_attention(ell, seed=1)
    att, lin, lin2 = _spectra(draw400, other, beta, 0)
    assert am.kolmogorov_distance(att, lin) > 10 * am.kolmogorov_distance(lin2, lin)
    assert am.quantile_error(att, lin) > 0.5
    assert am.mean_squared_singular_value(draw400, beta) / np.exp(beta**2) < 0.6
    linear = np.sum(am.gaussian_equivalent(draw400, beta, seed=0) ** 2) / ell
    assert linear / np.exp(beta**2) == pytest.approx(1.0, abs=4 / np.sqrt(ell))


def test_equivalence_sweep_table():
    table = am.equivalence_sweep([0.25, 2.0], ells=(100,), seed=2)
    assert list(table.columns[:3]) == ["ell", "beta", "lindeberg"]
    assert len(table) == 2
    small, large = table.iloc[0], table.iloc[1]
    assert large.error > small.error and large.kolmogorov > small.kolmogorov
    assert small.second_moment == pytest.approx(np.exp(0.25**2), rel=0.05)


def test_large_beta_squared_singular_values_are_argmax_counts():
    ell = 300
    draw = am.draw_attention(ell, seed=0)
    counts = am.argmax_counts(draw.scores)
    assert counts.sum() == ell
    one_hot = np.zeros((ell, ell))
    one_hot[np.arange(ell), draw.scores.argmax(axis=1)] = 1.0
    assert np.allclose(am.squared_singular_values(one_hot), np.sort(counts), atol=1e-9)
    # finite β: a row whose top two scores differ by Δ loses 1/(2 cosh²(βΔ/2)) of its
    # squared norm, so the loss averages to f_Δ(0)/β with f_Δ(0) ≲ √(2 log ℓ) the density
    # of the top gap at 0; sorted s² differ from the counts by about twice that.
    for beta in (100.0, 1000.0):
        s2 = am.squared_singular_values(draw.attention(beta))
        assert np.mean(np.abs(s2 - np.sort(counts))) < 4 * np.sqrt(2 * np.log(ell)) / beta


def test_counts_are_mixed_poisson_with_the_predicted_rates():
    ell, queries = 200, 20_000
    draw = am.draw_attention(ell, seed=1)
    rates = am.key_selection_rates(draw)
    assert rates.sum() == pytest.approx(ell)
    # Fresh queries pick key j with probability λ_j/ℓ: a chi-square per key of 1 ± √(2/ℓ)
    # for exact rates, 1 + (queries/ℓ) Var(λ) for uniform ones. The rates must explain at
    # least 90 % of the variance of the true rates.
    rng = np.random.default_rng(7)
    q = rng.standard_normal((queries, draw.d)) @ draw.query_map
    hits = np.bincount((q @ draw.keys.T).argmax(axis=1), minlength=ell)
    expected = queries * rates / ell
    chi2 = np.mean((hits - expected) ** 2 / expected)
    chi2_uniform = np.mean((hits - queries / ell) ** 2 / (queries / ell))
    assert chi2 - 1 < 0.1 * (chi2_uniform - 1)
    # the counts of the ℓ queries of the draw itself: zeros and variance of the mixed law
    counts = am.argmax_counts(draw.scores)
    p0 = np.mean(np.exp(-rates))
    assert abs(np.mean(counts == 0) - p0) < 4 * np.sqrt(p0 * (1 - p0) / ell)
    assert abs(counts.var() - (1 + rates.var())) < 4 * np.sqrt(3 / ell)


def test_poisson_and_mixed_poisson_quantiles():
    n = 1000
    q = am.poisson_quantiles(n)
    assert np.mean(q == 0) == pytest.approx(stats.poisson.cdf(0, 1), abs=1 / n)
    assert np.array_equal(am.mixed_poisson_quantiles(np.ones(50), n), q)
    pmf = am.mixed_poisson_pmf([0.5, 1.5], np.arange(40))
    assert pmf.sum() == pytest.approx(1.0)
    assert pmf[0] == pytest.approx((np.exp(-0.5) + np.exp(-1.5)) / 2)


def test_thresholds_and_lindeberg_ratio():
    th = am.equivalence_thresholds(800)
    assert th.self_averaging == pytest.approx(np.sqrt(np.log(800) / 2))
    assert th.self_averaging < th.frobenius < th.one_hot
    # at β = √(log(ℓ)/2) the Lindeberg ratio is exactly one
    assert am.lindeberg_ratio(th.self_averaging, 800) == pytest.approx(1.0)
    assert am.lindeberg_ratio(th.frobenius, 800) == pytest.approx(np.sqrt(800))
