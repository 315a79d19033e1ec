"""S-transforms and free products of Marchenko–Pastur laws, against closed forms and simulation."""

from math import comb

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from attnrmt_lib.bulk import bulk_atom, bulk_cdf, bulk_density, bulk_edges
from attnrmt_lib.bulk_moments import bulk_moments
from attnrmt_lib.distances import kolmogorov_distance
from attnrmt_lib.free_probability import (
    free_mp_product_atom,
    free_mp_product_density,
    free_mp_product_s_transform,
    free_mp_product_upper_edge,
    mp_s_transform,
    s_transform_coefficients,
    wishart_product_spectrum,
)
from attnrmt_lib.marchenko_pastur import mp_atom, mp_density, mp_edges

ratios = st.floats(min_value=np.log(0.05), max_value=np.log(5.0)).map(np.exp)


def density_quadrature(ratios_, nodes=400):
    """Points and weights integrating against the density of ⊠ MP_{c_i} on [0, edge].

    Gauss–Legendre in θ after λ = m sin⁶(θ/2) on [0, m] and the mirror image on [m, edge]
    (m the midpoint), which makes the integrand smooth at square-root edges and at hard
    edges λ^(-k/(k+1)) (as in conftest.integrate_on_support; one density call in all).
    """
    edge = free_mp_product_upper_edge(ratios_)
    t, w = np.polynomial.legendre.leggauss(nodes)
    h = (t + 1.0) * np.pi / 4.0
    s, c = np.sin(h), np.cos(h)
    mid = edge / 2
    jac = 3.0 * s**5 * c * (np.pi / 2.0) * w * mid
    points = np.concatenate([mid * s**6, edge - mid * s**6])
    return points, np.concatenate([jac, jac]) * free_mp_product_density(points, ratios_)


def narayana_moments(k_max, c):
    """Moments m_1..m_k of MP_c: m_k = Σ_j c^j/(j + 1) C(k, j) C(k - 1, j)."""
    return np.array([sum(c**j * comb(k, j) * comb(k - 1, j) / (j + 1) for j in range(k))
                     for k in range(1, k_max + 1)])


# --------------------------------------------------------------------------- S-transforms


@given(c=ratios)
def test_s_transform_of_mp_from_its_moments(c):
    s = s_transform_coefficients(narayana_moments(7, c))
    assert np.allclose(s, (-c) ** np.arange(7), rtol=1e-9, atol=1e-12)
    z = np.array([0.1, -0.2, 0.3 + 0.1j])
    assert np.allclose(mp_s_transform(z, c), 1 / (1 + c * z))


@given(delta=ratios, gamma=ratios)
def test_s_transforms_multiply_for_the_bulk_law(delta, gamma):
    # Moments of MP_δ ⊠ MP_γ from Lagrange inversion (bulk_moments), S from the series
    # reversion: the coefficients are the Cauchy product of (-δ)^i and (-γ)^j.
    s = s_transform_coefficients(bulk_moments(6, delta, gamma)[1:])
    product = np.convolve((-delta) ** np.arange(6), (-gamma) ** np.arange(6))[:6]
    assert np.allclose(s, product, rtol=1e-8, atol=1e-10 * max(1.0, delta, gamma) ** 6)
    z = np.array([0.05, -0.1, 0.2j])
    assert np.allclose(free_mp_product_s_transform(z, [delta, gamma]),
                       mp_s_transform(z, delta) * mp_s_transform(z, gamma))


def test_s_transform_scaling_and_first_coefficients():
    m = np.array([2.0, 7.0, 30.0, 150.0])
    s = s_transform_coefficients(m)
    m1, m2, m3 = m[:3]
    assert s[0] == pytest.approx(1 / m1)
    assert s[1] == pytest.approx((m1**2 - m2) / m1**3)
    assert s[2] == pytest.approx((2 * m2**2 - m1 * m3 - m1**2 * m2) / m1**5)
    # κν has moments κ^k m_k and S-transform S/κ.
    kappa = 3.0
    scaled = s_transform_coefficients(m * kappa ** np.arange(1, 5))
    assert np.allclose(scaled, s / kappa)
    assert np.allclose(free_mp_product_s_transform(0.2, [0.5], kappa=kappa),
                       mp_s_transform(0.2, 0.5) / kappa)
    assert len(s_transform_coefficients(m, order=2)) == 2


def test_free_and_classical_second_moments_differ():
    # m2 of a free product: m2(a) m1(b)² + m1(a)² m2(b) - m1(a)² m1(b)²; for MP laws
    # 1 + δ + γ, against (1 + δ)(1 + γ) for commuting (classical) products.
    delta, gamma = 0.5, 0.3
    m = bulk_moments(2, delta, gamma)
    assert m[2] == pytest.approx((1 + delta) + (1 + gamma) - 1)
    assert m[2] != pytest.approx((1 + delta) * (1 + gamma))


# --------------------------------------------------------------------------- density


@pytest.mark.parametrize("c", [0.2, 1.0, 3.0])
def test_one_factor_is_marchenko_pastur(c):
    lo, hi = mp_edges(c)
    x = np.linspace(0.001, hi * 1.1, 500)
    assert np.allclose(free_mp_product_density(x, [c]), mp_density(x, c), atol=1e-9)
    assert free_mp_product_upper_edge([c]) == pytest.approx(hi, rel=1e-12)
    assert free_mp_product_atom([c]) == mp_atom(c)
    assert lo >= 0


@pytest.mark.parametrize("delta, gamma", [(0.5, 0.5), (0.3, 0.8), (1.0, 0.5), (2.0, 0.5),
                                          (1.0, 1.0), (0.05, 4.0)])
def test_two_factors_are_the_books_bulk_law(delta, gamma):
    lo, hi = bulk_edges(delta, gamma)
    x = np.linspace(1e-3, hi * 1.1, 1500)
    # Two independent solvers of the same cubic: companion matrices vs real Cardano.
    assert np.allclose(free_mp_product_density(x, [delta, gamma]), bulk_density(x, delta, gamma),
                       rtol=1e-7, atol=1e-8)
    assert free_mp_product_upper_edge([delta, gamma]) == pytest.approx(hi, rel=1e-12)
    assert free_mp_product_atom([delta, gamma]) == bulk_atom(delta, gamma)
    kappa = 0.25
    assert np.allclose(free_mp_product_density(x * kappa, [delta, gamma], kappa),
                       bulk_density(x, delta, gamma) / kappa, rtol=1e-7, atol=1e-7)
    assert lo <= hi


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_fuss_catalan_edges_and_moments(k):
    # k square factors: support [0, (k + 1)^(k+1)/k^k], moments C((k+1)n, n)/(kn + 1).
    ratios_ = [1.0] * k
    edge = (k + 1) ** (k + 1) / k**k
    assert free_mp_product_upper_edge(ratios_) == pytest.approx(edge, rel=1e-12)
    if k >= 3:  # the cases not covered by the MP and bulk-law tests
        points, weights = density_quadrature(ratios_, nodes=600)
        for n in range(4):
            exact = comb((k + 1) * n, n) / (k * n + 1)
            assert np.dot(weights, points**n) == pytest.approx(exact, rel=2e-4)


def test_density_is_zero_outside_the_support_and_at_nonpositive_points():
    ratios_ = [0.5, 0.3, 0.2]
    edge = free_mp_product_upper_edge(ratios_)
    x = np.array([-1.0, 0.0, edge * 1.001, edge * 2])
    assert np.all(free_mp_product_density(x, ratios_) == 0)
    assert free_mp_product_density(edge * 0.99, ratios_) > 0
    assert free_mp_product_density(np.ones((2, 3)), ratios_).shape == (2, 3)


# --------------------------------------------------------------------------- simulation


def test_simulated_product_follows_the_free_product_not_mp_of_summed_ratios():
    # Kolmogorov distance of d eigenvalues to their law: O(d^(-1/2)) or less. MP_(δ+γ) has the
    # same mean and variance as MP_δ ⊠ MP_γ and must still fail (negative control).
    d, delta, gamma = 600, 0.5, 0.5
    ev = wishart_product_spectrum(d, [delta, gamma], seed=1)
    tol = 1 / np.sqrt(d)
    assert kolmogorov_distance(ev, lambda y: bulk_cdf(y, delta, gamma)) < tol
    assert kolmogorov_distance(ev, lambda y: bulk_cdf(y, 1e-9, delta + gamma)) > tol
    assert np.mean(ev) == pytest.approx(1.0, abs=tol)
    assert np.mean(ev**2) == pytest.approx(1 + delta + gamma, abs=3 * tol)


def test_simulated_s_coefficients_multiply():
    # Empirical moments have O(1/d) errors, so the S-coefficients do too; s_2 separates
    # the free product (δ² + δγ + γ²) from MP_(δ+γ) ((δ + γ)²) by δγ.
    d, delta, gamma = 800, 0.5, 0.5
    ev = wishart_product_spectrum(d, [delta, gamma], seed=2)
    s = s_transform_coefficients([np.mean(ev**k) for k in range(1, 4)])
    tol = 1 / np.sqrt(d)
    assert np.allclose(s, [1.0, -(delta + gamma), delta**2 + delta * gamma + gamma**2], atol=tol)
    assert abs(s[2] - (delta + gamma) ** 2) > tol


def test_three_factors_simulation():
    d, ratios_ = 600, [0.5, 0.3, 0.2]
    ev = wishart_product_spectrum(d, ratios_, seed=0)
    tol = 1 / np.sqrt(d)
    assert np.mean(ev) == pytest.approx(1.0, abs=tol)
    assert np.mean(ev**2) == pytest.approx(1 + sum(ratios_), abs=3 * tol)
    assert ev[-1] == pytest.approx(free_mp_product_upper_edge(ratios_), abs=5 * tol)
    # The density integrates (with the empty atom) to one, and its mean is one. (The
    # interior lower edge is not a quadrature node, hence the looser tolerance.)
    points, weights = density_quadrature(ratios_, nodes=1000)
    assert weights.sum() == pytest.approx(1.0, abs=2e-3)
    assert np.dot(weights, points) == pytest.approx(1.0, abs=2e-3)


def test_rank_deficient_factor_gives_the_atom_and_reproducibility():
    d = 200
    ev = wishart_product_spectrum(d, [2.0, 0.5], seed=5)
    assert np.mean(ev < 1e-9 * ev[-1]) == pytest.approx(free_mp_product_atom([2.0, 0.5]),
                                                          abs=1 / d)
    assert np.array_equal(ev, wishart_product_spectrum(d, [2.0, 0.5], seed=5))
    assert np.all(np.diff(ev) >= 0) and ev.shape == (d,)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: mp_s_transform(0.1, 0.0), "ratio"),
        (lambda: mp_s_transform(-2.0, 0.5), "pole"),
        (lambda: mp_s_transform(np.nan, 0.5), "finite"),
        (lambda: free_mp_product_s_transform(0.1, []), "ratios"),
        (lambda: free_mp_product_s_transform(0.1, [0.5], kappa=0.0), "kappa"),
        (lambda: s_transform_coefficients([]), "moments"),
        (lambda: s_transform_coefficients([0.0, 1.0]), "m_1"),
        (lambda: s_transform_coefficients([1.0, np.nan]), "moments"),
        (lambda: s_transform_coefficients([1.0, 2.0], order=3), "order"),
        (lambda: s_transform_coefficients([1.0, 2.0], order=0), "order"),
        (lambda: free_mp_product_density([1.0], [0.5, -0.3]), r"ratios\[1\]"),
        (lambda: free_mp_product_density([1.0], "0.5"), "ratios"),
        (lambda: free_mp_product_density([1.0], [[0.5, 0.3]]), "ratios"),
        (lambda: free_mp_product_density([np.nan], [0.5]), "x"),
        (lambda: free_mp_product_density([1.0], [0.5], kappa=-1), "kappa"),
        (lambda: free_mp_product_upper_edge([np.inf]), r"ratios\[0\]"),
        (lambda: free_mp_product_atom([]), "ratios"),
        (lambda: free_mp_product_atom([[0.5], [0.3, 0.2]]), "ratios"),
        (lambda: wishart_product_spectrum(0, [0.5]), "d"),
        (lambda: wishart_product_spectrum(10, [0.0]), r"ratios\[0\]"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_a_negative_seed_is_refused_by_name():
    with pytest.raises(ValueError, match="seed must be None, an integer >= 0"):
        wishart_product_spectrum(20, [0.5, 0.5], seed=-1)
