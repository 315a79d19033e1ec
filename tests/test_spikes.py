"""attnrmt_lib.spikes: thresholds, outliers and alignments against the closed forms of chapter 3
(Baik, Ben Arous & Péché 2005; Bai & Yao 2012), their limits and independent integrals."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad

import attnrmt_lib as arl
from attnrmt_lib import (
    bulk_edges,
    mean_token_snr,
    mean_weights,
    mp_atom,
    mp_density,
    mp_edges,
    overlap,
    population_outlier,
    population_overlap,
    thresholds,
    top_eigenvalue,
)
from attnrmt_lib.pooling import pool_sequences

ratios = st.floats(min_value=np.log(1e-3), max_value=np.log(20.0)).map(np.exp)


def test_worked_numbers():
    rho1, rho2 = thresholds(0.5, 0.5)
    assert rho1 == pytest.approx(1.20711, abs=5e-6)
    assert rho2 == pytest.approx(1.78078, abs=5e-6)
    assert top_eigenvalue(3.0, 0.5, 0.5) == pytest.approx(5.04, rel=1e-12)
    assert overlap(3.0, 0.5, 0.5) == pytest.approx(0.64, rel=1e-12)
    assert population_outlier(3.0, 0.5) == pytest.approx(4.2, rel=1e-12)
    assert population_overlap(3.0, 0.5) == pytest.approx(0.92, rel=1e-12)
    assert top_eigenvalue(3.0, 0.5, 0.5, kappa=0.25) == pytest.approx(0.25 * 5.04, rel=1e-12)


@given(delta=ratios, gamma=ratios)
def test_rho2_is_a_root_and_exceeds_rho1(delta, gamma):
    rho1, rho2 = thresholds(delta, gamma)
    x = rho2 - delta
    s = delta + gamma + gamma * delta
    assert abs(x**3 - s * x - 2 * gamma * delta) <= 1e-12 * max(1.0, x**3)
    # The largest root: p is increasing beyond it.
    assert 3 * x**2 - s > 0
    assert rho2 > rho1


@given(delta=ratios, gamma=ratios)
def test_continuity_at_rho2(delta, gamma):
    _, rho2 = thresholds(delta, gamma)
    edge = bulk_edges(delta, gamma)[1]
    below, above = top_eigenvalue([rho2, rho2 * (1 + 1e-9)], delta, gamma)
    assert below == pytest.approx(edge, rel=1e-12)
    assert above == pytest.approx(edge, rel=1e-6)
    assert overlap(rho2, delta, gamma) == 0.0
    assert 0 <= overlap(rho2 * (1 + 1e-9), delta, gamma) < 1e-6
    rho = np.linspace(rho2, 10 * rho2, 200)
    assert np.all(np.diff(top_eigenvalue(rho, delta, gamma)) >= 0)
    assert np.all(np.diff(overlap(rho, delta, gamma)) >= 0)
    assert np.all(overlap(rho, delta, gamma) <= population_overlap(rho, delta) + 1e-12)


def test_thresholds_limits():
    for delta in (0.1, 0.5, 3.0):
        rho1, rho2 = thresholds(delta, 1e-10)
        assert rho2 == pytest.approx(rho1, rel=1e-4)
    for gamma in (0.1, 0.5, 3.0):
        assert thresholds(1e-12, gamma)[1] == pytest.approx(np.sqrt(gamma), rel=1e-5)


@pytest.mark.parametrize("gamma", [0.2, 1.0, 2.5])
def test_paul_limit(gamma):
    rho = np.linspace(np.sqrt(gamma) * 1.05, 8, 40)
    paul_value = (1 + rho) * (1 + gamma / rho)
    paul_vector = (1 - gamma / rho**2) / (1 + gamma / rho)
    assert np.allclose(top_eigenvalue(rho, 1e-9, gamma), paul_value, rtol=1e-7)
    assert np.allclose(overlap(rho, 1e-9, gamma), paul_vector, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("delta", [0.2, 0.5, 2.0])
def test_gamma_to_zero_gives_population(delta):
    rho = np.linspace(delta + np.sqrt(delta) + 0.05, 10, 40)
    assert np.allclose(top_eigenvalue(rho, delta, 1e-10), population_outlier(rho, delta), rtol=1e-6)
    assert np.allclose(overlap(rho, delta, 1e-10), population_overlap(rho, delta), atol=1e-6)


def _mp_integral(g, delta):
    # ∫ g(t) dMP_δ(t) over the continuous part, with QUADPACK's square-root edge weights.
    a, b = mp_edges(delta)

    def smooth(t):
        t = min(max(t, a + 1e-14), b - 1e-14)
        return g(t) * mp_density(t, delta).item() / np.sqrt((t - a) * (b - t))

    value, _ = quad(smooth, a, b, weight="alg", wvar=(0.5, 0.5), epsabs=1e-13, epsrel=1e-12)
    return value


@pytest.mark.parametrize("delta, gamma, rho", [(0.5, 0.5, 3.0), (0.2, 1.5, 4.0), (2.0, 0.3, 6.0)])
def test_outlier_is_bai_yao_map_of_population_outlier(delta, gamma, rho):
    """MODEL §4: λ_out = ψ(β) and alignment = (population alignment) · βψ'(β)/ψ(β)."""
    kappa = 1.0
    beta = population_outlier(rho, delta, kappa)
    # Population outlier solves the spike equation ρ ∫ t dH(t)/(β - t) = ... independently:
    # β is an eigenvalue of Σ_Z + ρuu^T iff 1 = ρ ∫ dH(t)/(β - t) (H = MP_δ, atom included).
    G = _mp_integral(lambda t: 1.0 / (beta - t), delta) + mp_atom(delta) / beta
    assert rho * G == pytest.approx(1.0, rel=1e-9)
    m1 = _mp_integral(lambda t: t / (beta - t), delta)
    m2 = _mp_integral(lambda t: t * t / (beta - t) ** 2, delta)
    psi = beta * (1.0 + gamma * m1)
    dpsi = 1.0 - gamma * m2
    assert top_eigenvalue(rho, delta, gamma, kappa) == pytest.approx(psi, rel=1e-9)
    expected = population_overlap(rho, delta) * beta * dpsi / psi
    assert overlap(rho, delta, gamma) == pytest.approx(expected, rel=1e-8)


def test_below_thresholds():
    rho1, rho2 = thresholds(0.5, 0.5)
    assert population_outlier(0.5 * rho1, 0.5) == pytest.approx((1 + np.sqrt(0.5)) ** 2)
    assert population_overlap(0.5 * rho1, 0.5) == 0.0
    assert overlap(0.99 * rho2, 0.5, 0.5) == 0.0
    assert top_eigenvalue(0.0, 0.5, 0.5) == pytest.approx(bulk_edges(0.5, 0.5)[1])


def test_mean_token_snr():
    # Mean pooling over T tokens: (Σw)² δ / κ = T δ.
    assert mean_token_snr(mean_weights(16), 0.5) == pytest.approx(8.0)
    assert mean_token_snr([1.0, 0.0, 0.0], 0.3) == pytest.approx(0.3)


def test_spurious_outlier_location_and_direction():
    d, Tm = 400, 16
    w = arl.mean_weights(Tm)
    data = pool_sequences(d=d, delta=0.5, gamma=0.5, weights=w, correlation=arl.iid(Tm),
                          mu_norm2=0.0, seed=2, center_table=False)
    vals, vecs = np.linalg.eigh(data.covariance())
    rho_spur = arl.mean_token_snr(w, data.delta)
    assert rho_spur == pytest.approx(Tm * data.delta)
    lam = arl.top_eigenvalue(rho_spur, data.delta, data.gamma)
    assert abs(vals[-1] / data.kappa - lam) < 4 * 3.5 / np.sqrt(d)
    e = data.zbar / np.linalg.norm(data.zbar)
    ov = arl.overlap(rho_spur, data.delta, data.gamma)
    assert abs((vecs[:, -1] @ e) ** 2 - ov) < 4 * 0.9 / np.sqrt(d)
    assert (vecs[:, -1] @ data.u) ** 2 < 4 * 0.9 / np.sqrt(d)
