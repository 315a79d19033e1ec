"""The bulk law κ(MP_δ ⊠ MP_γ) against closed forms, special cases and moment identities."""

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad

import attnrmt_lib as arl
from attnrmt_lib import bulk_atom, bulk_cdf, bulk_density, bulk_edges, mp_density, mp_edges
from attnrmt_lib.bulk import upper_edge_bound, upper_edge_first_order

from conftest import integrate_on_support

ratios = st.floats(min_value=np.log(1e-3), max_value=np.log(20.0)).map(np.exp)


def test_worked_edges():
    lower, upper = bulk_edges(0.5, 0.5)
    assert lower == pytest.approx(0.02835, abs=5e-6)
    assert upper == pytest.approx(4.40915, abs=5e-6)


def test_edges_scale_with_kappa():
    lo1, up1 = bulk_edges(0.3, 0.7)
    lo2, up2 = bulk_edges(0.3, 0.7, kappa=2.5)
    assert (lo2, up2) == pytest.approx((2.5 * lo1, 2.5 * up1), rel=1e-12)
    x = np.linspace(0.1, 4, 7)
    assert np.allclose(bulk_density(2.5 * x, 0.3, 0.7, 2.5), bulk_density(x, 0.3, 0.7) / 2.5, rtol=1e-12)


@pytest.mark.parametrize("k, expected", [(0, 1), (1, 1), (2, 3), (3, 12), (4, 55), (5, 273)])
def test_fuss_catalan_moments(k, expected):
    # At δ = γ = 1 the law is Fuss–Catalan on [0, 27/4] with a λ^(-2/3) hard edge; QUADPACK's
    # algebraic-weight rule integrates it independently of the library's quadrature.
    lower, upper = bulk_edges(1.0, 1.0)
    assert lower == 0.0 and upper == pytest.approx(27 / 4, rel=1e-12)

    def smooth(lam):
        # QUADPACK samples the end points, where the ratio has a finite limit.
        lam = min(max(lam, 1e-12), upper * (1 - 1e-12))
        return lam ** (k + 2 / 3) * bulk_density(lam, 1.0, 1.0).item() / (upper - lam) ** 0.5

    value, _ = quad(smooth, 0.0, upper, weight="alg", wvar=(-2 / 3, 0.5), limit=200)
    assert value == pytest.approx(expected, rel=1e-7)


def test_density_against_40_digit_solution():
    delta, gamma = 0.5, 0.5
    mpmath.mp.dps = 40
    for lam in (0.1, 1.0, 2.5, 4.0):
        a = mpmath.mpf(delta) * gamma
        b = mpmath.mpf(delta) + gamma + a
        roots = mpmath.polyroots([1, 1 + delta + gamma - mpmath.mpf(lam), b, a], maxsteps=200, extraprec=80, asc=True)
        im = max(abs(mpmath.im(r)) for r in roots)
        exact = float(im / (mpmath.pi * lam))
        assert bulk_density(lam, delta, gamma) == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("delta, gamma", [(0.5, 0.5), (0.2, 3.0), (4.0, 0.25), (2.0, 2.0)])
def test_symmetric_in_delta_and_gamma(delta, gamma):
    x = np.linspace(0.01, 20, 301)
    assert np.allclose(bulk_density(x, delta, gamma), bulk_density(x, gamma, delta), rtol=1e-10, atol=1e-12)
    assert bulk_edges(delta, gamma) == pytest.approx(bulk_edges(gamma, delta), rel=1e-10)


@pytest.mark.parametrize("c", [0.3, 0.8, 2.5])
def test_one_ratio_to_zero_gives_marchenko_pastur(c):
    # δ → 0 gives κ MP_γ and γ → 0 gives κ MP_δ; the deviation is O(ε) inside the support.
    a, b = mp_edges(c)
    x = np.linspace(a + 0.1 * (b - a), b - 0.1 * (b - a), 50)
    errors = []
    for eps in (1e-3, 1e-5):
        f = bulk_density(x, eps, c)
        errors.append(np.max(np.abs(f / mp_density(x, c) - 1)))
        assert np.allclose(bulk_density(x, c, eps), f, rtol=1e-9)
    assert errors[1] < 1e-3 and errors[1] < errors[0] / 50
    lo, up = bulk_edges(1e-8, c)
    assert (lo, up) == pytest.approx((a, b), abs=1e-3)


def test_atom_and_hard_edge():
    assert bulk_atom(0.5, 0.5) == 0.0
    assert bulk_atom(2.0, 0.5) == 0.5
    assert bulk_atom(0.5, 4.0) == 0.75
    assert bulk_edges(1.0, 0.4)[0] == 0.0
    assert bulk_edges(3.0, 3.0)[0] == 0.0
    # δ = 2 > 1 with γ < 1: an atom at zero and a continuous part bounded away from it.
    assert bulk_edges(2.0, 0.5)[0] > 0.1


@given(delta=ratios, gamma=ratios, kappa=st.floats(0.1, 10.0))
def test_mass_mean_and_second_moment(delta, gamma, kappa):
    lower, upper = bulk_edges(delta, gamma, kappa)
    atom = bulk_atom(delta, gamma)

    def moment(k):
        return integrate_on_support(lambda x: x**k * bulk_density(x, delta, gamma, kappa), lower, upper)

    assert moment(0) == pytest.approx(1.0 - atom, abs=2e-6)
    assert moment(1) == pytest.approx(kappa, rel=2e-6)
    assert moment(2) == pytest.approx(kappa**2 * (1 + delta + gamma), rel=2e-6)


@given(delta=ratios, gamma=ratios)
def test_density_nonnegative_and_edges_bracket_support(delta, gamma):
    lower, upper = bulk_edges(delta, gamma)
    x = np.linspace(-1.0, 2 * upper, 4001)
    f = bulk_density(x, delta, gamma)
    assert np.all(f >= 0) and np.all(np.isfinite(f))
    assert np.all(f[(x < lower * (1 - 1e-6)) | (x > upper * (1 + 1e-6))] == 0)
    inside = np.linspace(lower, upper, 203)[1:-1]
    assert np.all(bulk_density(inside, delta, gamma) > 0)


@given(delta=ratios, gamma=ratios)
def test_cdf_is_a_distribution_function(delta, gamma):
    lower, upper = bulk_edges(delta, gamma)
    x = np.linspace(lower, upper, 101)
    F = bulk_cdf(x, delta, gamma)
    assert np.all(np.diff(F) >= -1e-12)
    assert F[0] == pytest.approx(bulk_atom(delta, gamma), abs=1e-9)
    assert F[-1] == pytest.approx(1.0, abs=1e-5)
    assert bulk_cdf(-1.0, delta, gamma) == 0.0


D = 400


def _simulate(delta, gamma, T=8, seed=0, d=D):
    return arl.simulate(d=d, delta=delta, gamma=gamma, weights=arl.mean_weights(T),
                        correlation=arl.iid(T), mu_norm2=0.0, seed=seed)


@pytest.mark.parametrize("delta, gamma", [(1.0, 2.7), (2.7, 1.0), (1.0, 1.5), (2.0, 0.5),
                                          (0.5, 0.5), (3.0, 2.0)])
def test_gap_above_zero_unless_two_largest_ratios_tie(delta, gamma):
    lower, _ = arl.bulk_edges(delta, gamma)
    assert lower > 1e-3


@pytest.mark.parametrize("delta, gamma", [(1.0, 0.5), (0.5, 1.0), (1.0, 1.0), (2.0, 2.0)])
def test_hard_edge_when_two_largest_ratios_tie(delta, gamma):
    assert arl.bulk_edges(delta, gamma)[0] == 0.0


def test_delta_one_below_gamma_has_atom_and_gap_in_simulation():
    r = _simulate(1.0, 2.7)
    ev = r.eigenvalues / r.kappa
    zero = ev <= 1e-9 * ev[-1]
    assert zero.mean() == pytest.approx(1 - r.N / r.d, abs=1e-12)
    assert zero.mean() == pytest.approx(arl.bulk_atom(r.delta, r.gamma), abs=1 / r.d)
    lower = arl.bulk_edges(r.delta, r.gamma)[0]
    assert lower == pytest.approx(0.18, abs=0.01)
    assert abs(ev[~zero].min() - lower) < 1 / np.sqrt(r.d)


def test_upper_edge_closed_form_at_equal_ratios():
    # γ = δ: 2s² + δ s - δ = 0 with s = δψ, and λ₊ = (δ + s)(1 + s)²/s.
    for delta in (0.1, 0.5, 1.0, 3.0):
        s = (np.sqrt(delta**2 + 8 * delta) - delta) / 4
        assert arl.bulk_edges(delta, delta)[1] == pytest.approx((delta + s) * (1 + s) ** 2 / s,
                                                                rel=1e-12)


@pytest.mark.parametrize("gamma", [0.1, 0.5, 2.0])
def test_the_upper_edge_lies_below_the_product_of_the_mp_edges(gamma):
    deltas = np.geomspace(1e-3, 5.0, 25)
    upper = np.array([bulk_edges(d, gamma)[1] for d in deltas])
    bound = upper_edge_bound(deltas, gamma)
    assert np.all(upper <= bound * (1 + 1e-12))
    assert np.all(bound - upper > 1e-6)  # strict: equality only as δ → 0
    assert upper_edge_bound(0.5, gamma, kappa=3.0) == pytest.approx(3 * upper_edge_bound(0.5, gamma))


@pytest.mark.parametrize("gamma", [0.1, 0.5, 2.0])
def test_the_first_order_edge_is_exact_to_order_delta_squared(gamma):
    """The remainder edge - first order, divided by δ², tends to a constant."""
    deltas = np.array([1e-2, 1e-3, 1e-4])
    upper = np.array([bulk_edges(d, gamma)[1] for d in deltas])
    ratio = (upper - upper_edge_first_order(deltas, gamma)) / deltas**2
    assert abs(ratio[-1] - ratio[-2]) < 0.05 * abs(ratio[-1]) + 1e-6
    assert upper_edge_first_order(0.0, gamma) == pytest.approx(mp_edges(gamma)[1])


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_edge_approximations_refuse_a_bad_delta(bad):
    with pytest.raises(ValueError, match="delta"):
        upper_edge_bound(bad, 0.5)
    if bad != 0.0:
        with pytest.raises(ValueError, match="delta"):
            upper_edge_first_order(bad, 0.5)
