"""Stieltjes transforms, inversion, the deterministic-equivalent fixed point and contour integrals."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from attnrmt_lib.bai_yao import mp_stieltjes
from attnrmt_lib.bulk import bulk_atom, bulk_quadrature
from attnrmt_lib.free_probability import wishart_product_spectrum
from attnrmt_lib.marchenko_pastur import mp_density, mp_quantiles
from attnrmt_lib.resolvent import (
    contour_integral,
    deterministic_equivalent,
    empirical_stieltjes,
    mp_stieltjes_transform,
    stieltjes_inversion,
)

ratios = st.floats(min_value=np.log(0.05), max_value=np.log(5.0)).map(np.exp)


def mp_quadratic_root(z, gamma):
    """The root of γzG² - (z + γ - 1)G + 1 = 0 that is a Stieltjes transform.

    Chosen independently of the fixed point: for Im z ≠ 0 the root with Im G of the
    opposite sign to Im z; for real z the root closer to 1/z (the product of the roots is
    1/(γz), so the other one tends to 1/γ as z → ∞).
    """
    z = np.asarray(z, dtype=complex)
    a, b = gamma * z, -(z + gamma - 1.0)
    disc = np.sqrt(b * b - 4.0 * a)
    r1, r2 = (-b + disc) / (2 * a), (-b - disc) / (2 * a)
    real = z.imag == 0
    pick1 = np.where(real, np.abs(r1 - 1 / z) < np.abs(r2 - 1 / z),
                     np.sign(r1.imag) == -np.sign(z.imag))
    return np.where(pick1, r1, r2)


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("gamma", [0.1, 0.5, 1.0, 2.5])
def test_mp_fixed_point_matches_the_quadratic(gamma):
    lo, hi = (1 - np.sqrt(gamma)) ** 2, (1 + np.sqrt(gamma)) ** 2
    x = np.linspace(-1.0, hi + 2.0, 41)
    z = np.concatenate([x + 0.3j, x + 0.03j, x - 0.2j, [hi * 1.2, hi + 5.0, -0.5, -3.0]])
    g = mp_stieltjes_transform(z, gamma)
    exact = mp_quadratic_root(z, gamma)
    assert np.allclose(g, exact, rtol=1e-9, atol=0)
    # The equation itself, and the book's form of it: G = 1/(z - 1/(1 - γG)).
    assert np.allclose(gamma * z * g**2 - (z + gamma - 1) * g + 1, 0, atol=1e-9)
    assert np.allclose(g, 1 / (z - 1 / (1 - gamma * g)), rtol=1e-9)
    assert lo < hi


@pytest.mark.parametrize("gamma", [0.2, 1.0, 3.0])
def test_real_axis_above_the_edge_matches_bai_yao_closed_form(gamma):
    edge = (1 + np.sqrt(gamma)) ** 2
    x = edge * np.array([1.05, 1.5, 3.0, 20.0])
    assert np.allclose(mp_stieltjes_transform(x, gamma).real, mp_stieltjes(x, gamma), rtol=1e-10)
    assert np.all(mp_stieltjes_transform(x, gamma).imag == 0)


@given(gamma=ratios, x=st.floats(-5, 10), eta=st.floats(1e-2, 5))
def test_stieltjes_transform_maps_upper_half_plane_to_lower(gamma, x, eta):
    g = mp_stieltjes_transform(x + 1j * eta, gamma)
    assert g.imag < 0
    # |G(z)| <= 1/Im z for any probability law.
    assert abs(g) <= 1 / eta * (1 + 1e-12)
    assert mp_stieltjes_transform(x - 1j * eta, gamma) == pytest.approx(np.conj(g), rel=1e-12)


@pytest.mark.parametrize("gamma", [0.3, 2.0])
def test_large_z_expansion_gives_the_moments(gamma):
    # G(z) = 1/z + m1/z² + m2/z³ + ..., m1 = 1, m2 = 1 + γ for MP_γ.
    z = 1e3 * np.exp(1j * np.array([0.3, 1.2, 2.0]))
    g = mp_stieltjes_transform(z, gamma)
    m1 = (z * g - 1) * z
    assert np.allclose(m1, 1.0, atol=5e-3)
    m2 = ((z * g - 1) * z - 1.0) * z
    assert np.allclose(m2, 1.0 + gamma, rtol=5e-2)


def test_atom_at_zero_for_gamma_above_one():
    # z G(z) → mass of the atom, 1 - 1/γ, as z → 0 along the imaginary axis.
    gamma = 2.5
    eta = 1e-6
    g = mp_stieltjes_transform(1j * eta, gamma)
    assert (1j * eta * g).real == pytest.approx(1 - 1 / gamma, rel=1e-4)
    assert (1j * eta * mp_stieltjes_transform(1j * eta, 0.4)).real == pytest.approx(0, abs=1e-5)


def test_general_population_special_cases():
    z = np.array([0.7 + 0.4j, 3.0 + 0.05j, 6.0, -1.0])
    gamma = 0.4
    # Σ = I written as five equal eigenvalues.
    assert np.allclose(deterministic_equivalent(z, gamma, [1.0] * 5),
                       mp_stieltjes_transform(z, gamma), rtol=1e-10)
    # Σ = 2I: the law 2 MP_γ, whose G is G_MP(z/2)/2.
    assert np.allclose(deterministic_equivalent(z, gamma, [2.0, 2.0]),
                       mp_stieltjes_transform(z / 2, gamma) / 2, rtol=1e-10)
    # Zero eigenvalues of Σ add an atom at 0: H = (δ_0 + δ_1)/2 gives (δ_0 + ν)/2, where ν
    # is the law for H = δ_1 at ratio γ/2 (only half of the dimensions see the samples).
    half = deterministic_equivalent(z, gamma, [0.0, 1.0])
    assert np.allclose(half, 0.5 / z + 0.5 * mp_stieltjes_transform(z, gamma / 2), rtol=1e-10)


@pytest.mark.parametrize("p", [250, 1000])
def test_population_mp_delta_gives_the_bulk_law(p):
    # H = MP_δ (p quantiles) must give the book's bulk law MP_δ ⊠ MP_γ, computed
    # independently by quadrature of the closed-form density plus the atom. The quantile
    # discretisation of H costs O(1/p).
    delta, gamma = 0.5, 0.7
    z = np.linspace(0.05, 5.0, 40) + 0.2j
    g = deterministic_equivalent(z, gamma, mp_quantiles(delta, p))
    points, weights = bulk_quadrature(delta, gamma, nodes=1500)
    exact = (weights[None, :] / (z[:, None] - points[None, :])).sum(axis=1)
    exact += bulk_atom(delta, gamma) / z
    assert np.abs(g - exact).max() < 1.0 / p


# --------------------------------------------------------------------------- inversion


def test_inversion_of_a_point_mass_is_the_cauchy_kernel():
    x = np.linspace(-3, 3, 13)
    eta = 0.4
    f = stieltjes_inversion(lambda z: 1 / (z - 1.0), x, eta)
    assert np.allclose(f, eta / (np.pi * ((x - 1.0) ** 2 + eta**2)), rtol=1e-13)


@pytest.mark.parametrize("gamma", [0.25, 0.5])
def test_inversion_recovers_the_mp_density_as_eta_shrinks(gamma):
    lo, hi = (1 - np.sqrt(gamma)) ** 2, (1 + np.sqrt(gamma)) ** 2
    x = np.linspace(lo + 0.2 * (hi - lo), hi - 0.2 * (hi - lo), 15)  # away from the edges
    exact = mp_density(x, gamma)
    errors = []
    for eta in (0.1, 0.01, 0.001):
        smooth = stieltjes_inversion(lambda z: mp_stieltjes_transform(z, gamma), x, eta)
        errors.append(np.abs(smooth - exact).max())
    # Poisson smoothing of a smooth density is first order in η.
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 10 * 0.001
    # Mass is conserved at any η: ∫ -Im G(x + iη)/π dx = 1.
    grid = np.linspace(-200, 200, 400_001)
    f = stieltjes_inversion(lambda z: mp_stieltjes_transform(z, gamma), grid, 0.5)
    tail = 2 * 0.5 / (np.pi * 200)  # Cauchy tails beyond ±200
    assert np.trapezoid(f, grid) == pytest.approx(1.0 - tail, abs=2e-4)


def test_empirical_stieltjes_is_the_trace_and_quadratic_form_of_the_resolvent():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 30))
    S = X.T @ X / 60
    values, vectors = np.linalg.eigh(S)
    u = rng.standard_normal(30)
    u /= np.linalg.norm(u)
    for z in (1.0 + 0.3j, 5.0, -0.5 - 2j):
        Q = np.linalg.inv(z * np.eye(30) - S)
        assert empirical_stieltjes(values, z) == pytest.approx(np.trace(Q) / 30, rel=1e-10)
        proj = (vectors.T @ u) ** 2
        assert empirical_stieltjes(values, z, proj) == pytest.approx(u @ Q @ u, rel=1e-10)
    zs = np.array([[1 + 1j, 2 + 1j], [3 + 1j, 4 + 1j]])
    assert empirical_stieltjes(values, zs).shape == (2, 2)


def test_many_points_and_many_atoms_are_solved_in_blocks():
    # 3000 points x 500 atoms is more than one block; the result must not depend on it.
    z = np.linspace(0.1, 5.0, 3000) + 0.3j
    population = mp_quantiles(0.5, 500)
    whole = deterministic_equivalent(z, 0.4, population)
    assert np.allclose(whole[::250], deterministic_equivalent(z[::250], 0.4, population),
                       rtol=1e-10)


def test_simulated_resolvent_trace_converges_like_one_over_d():
    # (1/d) tr Q(z) - G(z) = O(1/d) at fixed distance from the axis (fluctuations of a
    # linear spectral statistic, and the bias, are O(1/d)): going from d = 200 to 800 must
    # shrink the error by clearly more than the factor 2 of a d^(-1/2) law.
    gamma = 0.5
    z = np.linspace(0.05, 3.5, 40) + 0.1j
    theory = mp_stieltjes_transform(z, gamma)
    wrong = mp_stieltjes_transform(z, 0.6)  # negative control: a nearby ratio

    sample = {d: [empirical_stieltjes(wishart_product_spectrum(d, [gamma], seed=s), z)
                  for s in range(3)] for d in (200, 800)}

    def error(d, G):
        return np.mean([np.abs(g - G).max() for g in sample[d]])

    e200, e800 = error(200, theory), error(800, theory)
    assert e800 < 1 / np.sqrt(800)
    assert e800 < e200 / 2.5
    assert error(800, wrong) > 1 / np.sqrt(800)


# --------------------------------------------------------------------------- contours


def test_contour_integral_residues():
    f = lambda z: 2.0 / (z - 1.0) + 5.0 / (z - 3.0) + z**2  # noqa: E731
    assert contour_integral(f, 1.0, 0.5) == pytest.approx(2.0, abs=1e-12)
    assert contour_integral(f, 3.2, 0.5) == pytest.approx(5.0, abs=1e-12)
    assert contour_integral(f, 2.0, 3.0, nodes=256) == pytest.approx(7.0, abs=1e-10)
    assert contour_integral(f, 2.0, 0.3) == pytest.approx(0.0, abs=1e-12)
    # A double pole has residue zero; exp has none.
    assert contour_integral(lambda z: 1 / (z - 1j) ** 2, 1j, 0.4) == pytest.approx(0, abs=1e-12)


def test_contour_integral_of_a_sample_resolvent_picks_the_projections_inside():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 20))
    values, vectors = np.linalg.eigh(X.T @ X / 50)
    u = np.eye(20)[0]
    proj = (vectors.T @ u) ** 2
    gap = values[-1] - values[-2]
    inside = contour_integral(lambda z: empirical_stieltjes(values, z, proj), values[-1],
                              gap / 2, nodes=256)
    assert inside.real == pytest.approx(proj[-1], abs=1e-8)
    everything = contour_integral(lambda z: empirical_stieltjes(values, z, proj),
                                  values.mean(), values[-1] + 1.0, nodes=512)
    assert everything.real == pytest.approx(1.0, abs=1e-8)


# --------------------------------------------------------------------------- errors


def test_solver_failure_raises_runtime_error_with_residual():
    with pytest.raises(RuntimeError, match=r"deterministic_equivalent.*residual"):
        mp_stieltjes_transform(1.0 + 1e-6j, 0.5, max_iter=50)
    with pytest.raises(RuntimeError, match="did not converge"):
        deterministic_equivalent([2.0 + 1e-7j, 10.0 + 1j], 0.5, [1.0, 2.0], max_iter=5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(z=1.0 + 1j, gamma=0.0), "gamma"),
        (dict(z=1.0 + 1j, gamma=-1.0), "gamma"),
        (dict(z=1.0 + 1j, gamma=np.nan), "gamma"),
        (dict(z=1.0 + 1j, gamma=0.5, tol=0.0), "tol"),
        (dict(z=1.0 + 1j, gamma=0.5, max_iter=0), "max_iter"),
        (dict(z=1.0 + 1j, gamma=0.5, max_iter=2.5), "max_iter"),
        (dict(z=1.0, gamma=0.5), "real z"),
        (dict(z=0.0, gamma=2.0), "real z"),
        (dict(z=np.nan + 1j, gamma=0.5), "z must contain only finite"),
        (dict(z="a", gamma=0.5), "z must be"),
        (dict(z=1j, gamma=0.5, population=[]), "population"),
        (dict(z=1j, gamma=0.5, population=[[1.0, 2.0]]), "population"),
        (dict(z=1j, gamma=0.5, population=[-1.0, 2.0]), "population"),
        (dict(z=1j, gamma=0.5, population=[0.0, 0.0]), "population"),
        (dict(z=1j, gamma=0.5, population=[np.inf]), "population"),
        (dict(z=1j, gamma=0.5, population="abc"), "population"),
    ],
)
def test_deterministic_equivalent_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        deterministic_equivalent(**kwargs)


def test_real_z_inside_a_general_support_is_rejected():
    with pytest.raises(ValueError, match="upper edge"):
        deterministic_equivalent(2.0, 0.5, [1.0, 2.0])


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (([], 1j), {}, "eigenvalues"),
        (([1.0, np.nan], 1j), {}, "eigenvalues"),
        (([1.0, 2.0], 1j), dict(weights=[1.0]), "weights"),
        (([1.0, 2.0], 1j), dict(weights=[1.0, -1.0]), "weights"),
        (([1.0, 2.0], 2.0), {}, "coincide"),
        (([1.0, 2.0], np.inf), {}, "z"),
    ],
)
def test_empirical_stieltjes_rejects_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        empirical_stieltjes(*args, **kwargs)


def test_inversion_and_contour_reject_bad_input():
    with pytest.raises(ValueError, match="stieltjes"):
        stieltjes_inversion(3.0, [1.0], 0.1)
    for eta in (0.0, -1.0, np.nan):
        with pytest.raises(ValueError, match="eta"):
            stieltjes_inversion(lambda z: 1 / z, [1.0], eta)
    with pytest.raises(ValueError, match="x"):
        stieltjes_inversion(lambda z: 1 / z, [np.nan], 0.1)
    with pytest.raises(ValueError, match="f must"):
        contour_integral(None, 0.0, 1.0)
    with pytest.raises(ValueError, match="center"):
        contour_integral(lambda z: z, "0", 1.0)
    with pytest.raises(ValueError, match="center"):
        contour_integral(lambda z: z, np.inf, 1.0)
    with pytest.raises(ValueError, match="radius"):
        contour_integral(lambda z: z, 0.0, 0.0)
    with pytest.raises(ValueError, match="nodes"):
        contour_integral(lambda z: z, 0.0, 1.0, nodes=2)
