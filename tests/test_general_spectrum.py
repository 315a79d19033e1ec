"""Tests for attnrmt_lib.general_spectrum: H ⊠ MP_γ for a finite population list, and the
general-table spike formulas of appendix A2 (Benaych-Georges & Nadakuditi 2011; Bai & Yao 2012)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from attnrmt_lib import general_spectrum as gsm
from attnrmt_lib.bulk import bulk_density, bulk_edges
from attnrmt_lib.general_spectrum import (
    general_overlap,
    general_population_outlier,
    general_top_eigenvalue,
    sample_atom,
    sample_density,
    sample_support,
)
from attnrmt_lib.marchenko_pastur import mp_atom, mp_density, mp_edges, mp_quantiles

LAWS = [(0.5, 0.5), (0.2, 1.5), (2.0, 0.3)]


def _psi(u, H, gamma):
    """Bai–Yao map ψ(u) = u (1 + γ mean(t/(u - t))), written independently of the module."""
    H = np.asarray(H, dtype=float)
    return u * (1.0 + gamma * np.mean(H / (u - H)))


def _mass(H, gamma, panels=50, nodes=20):
    """Continuous mass per support interval. Substituting x = a + (b - a)(1 - cos θ)/2
    makes the integrand smooth at square-root edges; composite Gauss–Legendre in θ over
    ``panels`` equal panels also resolves the sharp features next to narrow gaps."""
    z, wq = np.polynomial.legendre.leggauss(nodes)
    cuts = np.linspace(0.0, np.pi, panels + 1)
    half = (cuts[1] - cuts[0]) / 2.0
    theta = (cuts[:-1, None] + half * (z[None, :] + 1.0)).ravel()
    weights = np.tile(wq * half, panels)
    masses = []
    for a, b in sample_support(H, gamma):
        x = a + (b - a) * (1.0 - np.cos(theta)) / 2.0
        jac = (b - a) / 2.0 * np.sin(theta)
        masses.append(float(np.sum(sample_density(x, H, gamma) * jac * weights)))
    return masses


# --------------------------------------------------------------- agreement with the bulk law


@pytest.mark.parametrize("delta, gamma", LAWS)
def test_density_converges_to_bulk_density(delta, gamma):
    lo, hi = bulk_edges(delta, gamma)
    x = np.linspace(lo + 0.05 * (hi - lo), hi - 0.05 * (hi - lo), 101)
    ref = bulk_density(x, delta, gamma)
    errs = []
    for p in (500, 2000):
        f = sample_density(x, mp_quantiles(delta, p), gamma)
        errs.append(np.max(np.abs(f - ref)) / ref.max())
    # Discretisation error of H by p quantiles: at least as fast as 1/p (here ~p^-1.7).
    assert errs[1] <= 0.25 * errs[0]
    assert errs[1] < 5e-5


@pytest.mark.parametrize("kappa", [1.0, 3.0])
def test_density_scales_with_kappa(kappa):
    delta, gamma = 0.5, 0.5
    H = mp_quantiles(delta, 500)
    x = np.linspace(0.1, 4.0, 40)
    np.testing.assert_allclose(
        sample_density(kappa * x, kappa * H, gamma),
        sample_density(x, H, gamma) / kappa,
        rtol=1e-12,
        atol=1e-14,
    )


@pytest.mark.parametrize("delta, gamma", LAWS)
def test_support_converges_to_bulk_edges(delta, gamma):
    lo, hi = bulk_edges(delta, gamma)
    errs = []
    for p in (500, 2000):
        support = sample_support(mp_quantiles(delta, p), gamma)
        assert len(support) == 1
        (a, b), = support
        errs.append(np.array([abs(a - lo), abs(b - hi)]) / (hi - lo))
    assert np.all(errs[1] <= 0.4 * errs[0])
    assert np.all(errs[1] < 5e-4)


def test_single_atom_is_scaled_marchenko_pastur():
    for sigma2 in (1.0, 2.5):
        for gamma in (0.3, 1.0, 2.5):
            H = [sigma2] * 7  # repeated values are one atom of mass 1
            a, b = mp_edges(gamma)
            x = sigma2 * np.linspace(max(a, 1e-6), b, 203)[1:-1]
            np.testing.assert_allclose(
                sample_density(x, H, gamma),
                mp_density(x / sigma2, gamma) / sigma2,
                rtol=1e-11,
            )
            ((lo, hi),) = sample_support(H, gamma)
            assert lo == pytest.approx(sigma2 * a, rel=1e-12, abs=1e-15)
            assert hi == pytest.approx(sigma2 * b, rel=1e-12)
            assert sample_atom(H, gamma) == pytest.approx(mp_atom(gamma), abs=1e-15)


# --------------------------------------------------------------------- support and gaps


def test_two_clusters_give_two_intervals_and_an_empty_gap():
    H = [1.0] * 50 + [10.0] * 50
    gamma = 0.05
    support = sample_support(H, gamma)
    assert len(support) == 2
    # Independent edges: ψ'(u) = 0 is the quartic
    # (u-1)²(u-10)² - (γ/2)[(u-10)² + 100 (u-1)²] = 0, whose four real roots give the edges.
    P = np.polynomial.Polynomial
    quartic = P([-1, 1]) ** 2 * P([-10, 1]) ** 2 - gamma / 2 * (
        P([-10, 1]) ** 2 + 100 * P([-1, 1]) ** 2
    )
    roots = np.sort(quartic.roots().real)
    edges = sorted(_psi(r, [1.0, 10.0], gamma) for r in roots)
    np.testing.assert_allclose(np.ravel(support), edges, rtol=1e-10)
    (a1, b1), (a2, b2) = support
    gap = np.linspace(b1, a2, 50)
    assert np.all(sample_density(gap, H, gamma) == 0.0)
    outside = np.array([-1.0, 0.0, a1 * 0.999, b2 * 1.001, 100.0])
    assert np.all(sample_density(outside, H, gamma) == 0.0)
    assert np.all(sample_density([a1 * 1.001, b1 * 0.999, a2 * 1.001, b2 * 0.999], H, gamma) > 0)
    # Each cluster carries exactly half of the mass.
    np.testing.assert_allclose(_mass(H, gamma), [0.5, 0.5], atol=1e-12)


@pytest.mark.parametrize(
    "H, gamma",
    [
        ([1.0] * 50 + [10.0] * 50, 0.05),
        (np.random.default_rng(3).exponential(size=200), 2.0),
        (np.r_[np.zeros(50), np.random.default_rng(4).lognormal(size=150)], 0.3),
    ],
)
def test_edges_are_square_root_edges(H, gamma):
    """At each computed edge the density vanishes like sqrt(distance): f(e + 4h)/f(e + h) → 2.

    An edge misplaced by more than ~h would break the ratio, so this checks the
    critical-point edges independently of how they were found."""
    for a, b in sample_support(H, gamma):
        h = 1e-8 * (b - a)
        near = sample_density([a + h, a + 4 * h, b - h, b - 4 * h], H, gamma)
        assert np.all(near > 0)
        assert near[1] / near[0] == pytest.approx(2.0, rel=1e-4)
        assert near[3] / near[2] == pytest.approx(2.0, rel=1e-4)


def test_hard_edge_when_effective_ratio_is_one():
    # γ(1 - h0) = 1: the continuous part reaches 0.
    assert sample_support([0.0, 1.0], 2.0)[0][0] == 0.0
    assert sample_support([1.0], 1.0) == [(0.0, pytest.approx(4.0, rel=1e-12))]
    assert sample_atom([0.0, 1.0], 2.0) == 0.5


# ------------------------------------------------------------------------- mass and atom


@pytest.mark.parametrize(
    "H, gamma, atom",
    [
        (mp_quantiles(0.5, 300), 0.5, 0.0),
        (np.random.default_rng(1).exponential(size=200), 2.0, 0.5),  # 1 - 1/γ
        (np.r_[np.zeros(30), np.random.default_rng(2).uniform(1, 2, 70)], 2.0, 0.5),  # 1 - 1/γ
        (np.r_[np.zeros(60), np.random.default_rng(2).uniform(1, 2, 40)], 2.0, 0.6),  # h0
        (np.r_[np.zeros(25), np.random.default_rng(2).uniform(1, 2, 75)], 0.5, 0.25),  # h0
    ],
)
def test_total_mass_is_one(H, gamma, atom):
    assert sample_atom(H, gamma) == pytest.approx(atom, abs=1e-15)
    assert sum(_mass(H, gamma)) + atom == pytest.approx(1.0, abs=1e-12)


def test_separated_clusters_keep_their_mass():
    # Exact separation: each interval of the support carries the mass of its cluster.
    rng = np.random.default_rng(6)
    H = np.r_[rng.uniform(1, 2, 40), rng.uniform(5, 6, 30), rng.uniform(20, 22, 30)]
    assert len(sample_support(H, 0.1)) == 3
    np.testing.assert_allclose(_mass(H, 0.1), [0.4, 0.3, 0.3], atol=1e-12)


# ------------------------------------------------------------- high-precision reference


@pytest.mark.parametrize(
    "H, gamma",
    [
        (np.r_[np.zeros(10), np.random.default_rng(11).lognormal(size=60)], 0.7),
        # Many small atoms near zero and a support reaching down to ~1e-3: without the
        # upper-half-plane guard Newton stalls here at ~1e-6 relative error.
        (np.random.default_rng(7).exponential(size=378), 0.68),
    ],
)
def test_density_matches_high_precision_silverstein_solution(H, gamma):
    support = sample_support(H, gamma)
    x = np.array(
        [a + frac * (b - a) for a, b in (support[0], support[-1]) for frac in (0.01, 0.3, 0.8)]
    )
    f = sample_density(x, H, gamma)
    # The Newton solution itself (private), u = -1/m̃, to seed the high-precision solve.
    u = gsm._solve_on_axis(x, gsm._Population(H), gamma, support[-1][1])
    m_newton = -1.0 / u
    np.testing.assert_allclose(f, m_newton.imag / (gamma * np.pi), rtol=1e-14)
    with mpmath.workdps(30):
        t = [mpmath.mpf(float(v)) for v in H]
        g = mpmath.mpf(gamma)
        for xi, fi, mi in zip(x, f, m_newton):
            z = mpmath.mpf(float(xi))

            def silverstein(m, z=z):
                # z = -1/m̃ + γ ∫ t dH(t)/(1 + t m̃)
                return -1 / m + g * mpmath.fsum(tj / (1 + tj * m) for tj in t) / len(t) - z

            start = mpmath.mpc(mi.real * (1 + 1e-4), mi.imag * (1 - 1e-4))
            m = mpmath.findroot(silverstein, start, tol=mpmath.mpf(10) ** -50)
            assert abs(silverstein(m)) < mpmath.mpf(10) ** -25 * abs(z)
            # Im m̃ > 0: the unique solution in the upper half plane.
            assert mpmath.im(m) > 0
            ref = float(mpmath.im(m) / (g * mpmath.pi))
            assert fi == pytest.approx(ref, rel=1e-12)


# ------------------------------------------ general-table spikes (appendix A2)


@pytest.mark.parametrize("kappa", [1.0, 2.0])
def test_spike_formulas_reduce_to_closed_forms(kappa):
    delta = gamma = 0.5
    H = kappa * mp_quantiles(delta, 4000)
    # ρ = 3: the worked numbers of chapter 3 (Two phase transitions).
    rho = 3.0
    assert general_population_outlier(H, rho * kappa) == pytest.approx(4.2 * kappa, rel=1e-5)
    assert general_top_eigenvalue(H, rho * kappa, gamma) == pytest.approx(5.04 * kappa, rel=1e-5)
    assert general_overlap(H, rho * kappa, gamma) == pytest.approx(0.64, abs=1e-5)
    # Other ρ above ρ₂ = 1.78078: the closed forms with x = ρ - δ.
    for rho in (2.0, 5.0):
        x = rho - delta
        p = x**3 - (delta + gamma + gamma * delta) * x - 2 * gamma * delta
        assert general_population_outlier(H, rho * kappa) == pytest.approx(
            kappa * rho * (1 + 1 / x), rel=1e-5
        )
        assert general_top_eigenvalue(H, rho * kappa, gamma) == pytest.approx(
            kappa * rho * (x + 1) * (x + gamma) / x**2, rel=1e-5
        )
        assert general_overlap(H, rho * kappa, gamma) == pytest.approx(
            p / (x**2 * (x + gamma)), abs=1e-4
        )
    # ρ = 1.5 lies below ρ₂: no sample outlier, the top eigenvalue sticks to the bulk edge.
    assert general_overlap(H, 1.5 * kappa, gamma) == 0.0
    assert general_top_eigenvalue(H, 1.5 * kappa, gamma) == pytest.approx(
        bulk_edges(delta, gamma, kappa)[1], rel=1e-4
    )


def test_spike_formulas_single_atom_are_paul_2007():
    gamma = 0.5
    for theta in (1.0, 2.0, 4.0):
        assert general_population_outlier([1.0], theta) == pytest.approx(1 + theta, rel=1e-14)
        assert general_top_eigenvalue([1.0], theta, gamma) == pytest.approx(
            (1 + theta) * (1 + gamma / theta), rel=1e-13
        )
        assert general_overlap([1.0], theta, gamma) == pytest.approx(
            (1 - gamma / theta**2) / (1 + gamma / theta), rel=1e-12
        )
    # Below θ = √γ: top eigenvalue = upper MP edge, alignment 0.
    assert general_top_eigenvalue([1.0], 0.5, gamma) == pytest.approx(mp_edges(gamma)[1])
    assert general_overlap([1.0], 0.5, gamma) == 0.0


def test_population_outlier_always_exists_for_a_finite_list():
    rng = np.random.default_rng(5)
    H = np.r_[np.zeros(5), rng.exponential(size=300)]
    for theta in (1e-3, 0.1, 10.0):
        beta = general_population_outlier(H, theta)
        assert beta > H.max()
        assert np.mean(1.0 / (beta - H)) == pytest.approx(1.0 / theta, rel=1e-10)


# ------------------------------------------------------------------------ input checks


@pytest.mark.parametrize("gamma", [0.0, -1.0, float("nan"), float("inf"), "1", True])
def test_bad_gamma(gamma):
    with pytest.raises(ValueError, match="gamma"):
        sample_density([1.0], [1.0], gamma)
    with pytest.raises(ValueError, match="gamma"):
        sample_support([1.0], gamma)
    with pytest.raises(ValueError, match="gamma"):
        sample_atom([1.0], gamma)
    with pytest.raises(ValueError, match="gamma"):
        general_top_eigenvalue([1.0], 1.0, gamma)
    with pytest.raises(ValueError, match="gamma"):
        general_overlap([1.0], 1.0, gamma)


@pytest.mark.parametrize(
    "H",
    [[], [1.0, -0.5], [1.0, float("nan")], [float("inf")], [0.0, 0.0], [[1.0, 2.0]], ["a"]],
)
def test_bad_population(H):
    with pytest.raises(ValueError, match="population_eigenvalues"):
        sample_density([1.0], H, 0.5)
    with pytest.raises(ValueError, match="population_eigenvalues"):
        sample_support(H, 0.5)
    with pytest.raises(ValueError, match="population_eigenvalues"):
        general_population_outlier(H, 1.0)


@pytest.mark.parametrize("theta", [0.0, -2.0, float("nan")])
def test_bad_theta(theta):
    with pytest.raises(ValueError, match="theta"):
        general_population_outlier([1.0], theta)
    with pytest.raises(ValueError, match="theta"):
        general_overlap([1.0], theta, 0.5)


def test_bad_x():
    with pytest.raises(ValueError, match="x"):
        sample_density([1.0, float("nan")], [1.0], 0.5)


def test_shape_and_zero_outside():
    x = np.linspace(-1.0, 5.0, 12).reshape(3, 4)
    f = sample_density(x, [1.0, 2.0], 0.5)
    assert f.shape == (3, 4)
    assert np.all(f[x <= 0] == 0.0)
    assert np.all(f >= 0.0)
    assert np.ndim(sample_density(1.0, [1.0], 0.5)) == 0


def test_bisection_without_a_sign_change_raises():
    # Every bracket the library bisects comes from a proven bound; if a bound ever failed,
    # bisection would collapse onto an end of the bracket and return it as a root.
    with pytest.raises(RuntimeError, match="no sign change"):
        gsm._bisect(lambda s: s + 1.0, [0.0, 0.0], [1.0, 1.0], np.array([True, True]))
    with pytest.raises(RuntimeError, match="no sign change"):
        gsm._bisect(lambda s: s - 0.5, [0.0], [1.0], np.array([False]))
    root = gsm._bisect(lambda s: s * s - 2.0, [0.0], [2.0], np.array([True]))
    assert root[0] == pytest.approx(np.sqrt(2.0), rel=1e-15)
