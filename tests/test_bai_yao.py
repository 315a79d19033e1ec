"""attnrmt_lib.bai_yao: the Bai–Yao map ψ and the MP Stieltjes transform (chapter 3)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad

import attnrmt_lib as arl
from attnrmt_lib.bai_yao import bai_yao_derivative, bai_yao_map, mp_stieltjes


ratios = st.floats(min_value=np.log(1e-3), max_value=np.log(20.0)).map(np.exp)


def _p(x, delta, gamma):
    return x**3 - (delta + gamma + gamma * delta) * x - 2 * gamma * delta


@pytest.mark.parametrize("delta", [0.1, 0.5, 2.0])
def test_mp_stieltjes_matches_quadrature(delta):
    a, b = arl.mp_edges(delta)
    for z in (b * 1.01, b + 1.0, 10 * b):
        integral = quad(lambda t: arl.mp_density(t, delta) / (z - t), a, b, limit=200)[0]
        atom = arl.mp_atom(delta) / z
        assert mp_stieltjes(z, delta) == pytest.approx(integral + atom, rel=1e-7)


def test_bai_yao_map_matches_quadrature_of_its_definition():
    # ψ(β) = β(1 + γ∫ t dH/(β - t)), H = κ MP_δ, integrated directly (the atom at 0 has t = 0).
    delta, gamma, kappa = 0.5, 0.7, 2.0
    a, b = arl.mp_edges(delta)
    for beta in (kappa * b * 1.02, kappa * 4.0, kappa * 9.0):
        first = quad(lambda s: kappa * s * arl.mp_density(s, delta) / (beta - kappa * s), a, b)[0]
        second = quad(lambda s: (kappa * s) ** 2 * arl.mp_density(s, delta)
                      / (beta - kappa * s) ** 2, a, b)[0]
        assert bai_yao_map(beta, delta, gamma, kappa) == pytest.approx(
            beta * (1 + gamma * first), rel=1e-7)
        assert bai_yao_derivative(beta, delta, gamma, kappa) == pytest.approx(
            1 - gamma * second, rel=1e-6, abs=1e-9)


@given(delta=ratios, gamma=ratios, excess=st.floats(min_value=1e-3, max_value=30.0))
def test_bai_yao_at_the_population_outlier_gives_the_closed_forms(delta, gamma, excess):
    rho1, rho2 = arl.thresholds(delta, gamma)
    rho = rho1 * (1 + excess)
    x = rho - delta
    beta = arl.population_outlier(rho, delta)
    assert beta == pytest.approx(rho * (1 + 1 / x), rel=1e-12)
    psi = bai_yao_map(beta, delta, gamma)
    assert psi == pytest.approx(rho * (x + 1) * (x + gamma) / x**2, rel=1e-9)
    dpsi = bai_yao_derivative(beta, delta, gamma)
    assert dpsi == pytest.approx(_p(x, delta, gamma) / (x * (x**2 - delta)), rel=1e-6, abs=1e-9)
    # The outlier exists exactly where ψ' > 0, i.e. above ρ₂ ...
    if rho > rho2 * (1 + 1e-6):
        assert dpsi > 0
        assert psi == pytest.approx(arl.top_eigenvalue(rho, delta, gamma), rel=1e-9)
        # ... and the alignment factors as population alignment × βψ'(β)/ψ(β).
        assert arl.population_overlap(rho, delta) * beta * dpsi / psi == pytest.approx(
            arl.overlap(rho, delta, gamma), rel=1e-6, abs=1e-12)
    elif rho < rho2 * (1 - 1e-6):
        assert dpsi < 0


def test_bai_yao_minimum_is_the_upper_bulk_edge():
    delta, gamma, kappa = 0.5, 0.5, 1.5
    _, rho2 = arl.thresholds(delta, gamma)
    beta2 = arl.population_outlier(rho2, delta, kappa)
    assert bai_yao_derivative(beta2, delta, gamma, kappa) == pytest.approx(0, abs=1e-9)
    assert bai_yao_map(beta2, delta, gamma, kappa) == pytest.approx(
        arl.bulk_edges(delta, gamma, kappa)[1], rel=1e-12)
    beta = np.linspace(kappa * (1 + np.sqrt(delta)) ** 2 * 1.0001, 3 * beta2, 2000)
    assert np.min(bai_yao_map(beta, delta, gamma, kappa)) >= arl.bulk_edges(
        delta, gamma, kappa)[1] * (1 - 1e-12)


def test_bai_yao_rejects_points_inside_the_population_support():
    with pytest.raises(ValueError, match="beta must lie above"):
        bai_yao_map(2.0, 0.5, 0.5)  # (1 + √0.5)² = 2.91
    with pytest.raises(ValueError, match="beta must lie above"):
        bai_yao_derivative([5.0, 2.9], 0.5, 0.5)
    with pytest.raises(ValueError, match="z must lie above"):
        mp_stieltjes(1.0, 0.5)
    with pytest.raises(ValueError, match="gamma"):
        bai_yao_map(5.0, 0.5, 0.0)
