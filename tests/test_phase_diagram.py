"""attnrmt_lib.phase_diagram: the thresholds over the (δ, γ) plane and Paul's δ → 0 limit."""

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.phase_diagram import paul_overlap, paul_top_eigenvalue, threshold_grid


def _p(x, delta, gamma):
    return x**3 - (delta + gamma + gamma * delta) * x - 2 * gamma * delta


def test_threshold_grid_layout_and_values():
    deltas = np.geomspace(1e-3, 30, 17)
    gammas = np.geomspace(2e-3, 10, 13)
    rho1, rho2 = threshold_grid(deltas, gammas)
    assert rho1.shape == rho2.shape == (13, 17)
    for i, g in enumerate(gammas):
        for j, d in enumerate(deltas):
            r1, r2 = arl.thresholds(d, g)
            assert rho1[i, j] == pytest.approx(r1, rel=1e-14)
            assert rho2[i, j] == pytest.approx(r2, rel=1e-12)
    x = rho2 - deltas[None, :]
    s = deltas[None, :] + gammas[:, None] * (1 + deltas[None, :])
    assert np.all(np.abs(_p(x, deltas[None, :], gammas[:, None])) <= 1e-11 * np.maximum(1, x**3))
    assert np.all(3 * x**2 - s > 0)  # the largest root
    assert np.all(rho2 > rho1)
    # ρ₂ - δ is symmetric in (δ, γ): p is.
    d_, g_ = np.geomspace(0.01, 5, 9), np.geomspace(0.01, 5, 9)
    _, r2 = threshold_grid(d_, g_)
    x = r2 - d_[None, :]
    assert np.allclose(x, x.T, rtol=1e-12)


def test_threshold_limits_first_order():
    # ρ₂ = √γ + δ(2 + (1 + γ)/(2√γ)) + O(δ²) and ρ₂ = ρ₁ + γ(1 + (1 + δ)/(2√δ)) + O(γ²):
    # x* is symmetric in (δ, γ) but ρ₂ = δ + x* adds δ once more.
    for small in (1e-3, 1e-4):
        g = 0.5
        _, r2 = threshold_grid([small], [g])
        assert r2[0, 0] - np.sqrt(g) == pytest.approx(small * (2 + (1 + g) / (2 * np.sqrt(g))),
                                                      rel=20 * small)
        d = 0.5
        r1, r2 = threshold_grid([d], [small])
        assert r2[0, 0] - r1[0, 0] == pytest.approx(small * (1 + (1 + d) / (2 * np.sqrt(d))),
                                                    rel=20 * small)


def test_threshold_grid_rejects_bad_axes():
    with pytest.raises(ValueError, match="deltas"):
        threshold_grid([0.5, -1.0], [0.5])
    with pytest.raises(ValueError, match="gammas"):
        threshold_grid([0.5], [[0.5]])
    with pytest.raises(ValueError, match="deltas"):
        threshold_grid([], [0.5])


def test_paul_formulas():
    g = 0.5
    assert paul_top_eigenvalue(2.0, g) == pytest.approx(3.75)
    assert paul_overlap(2.0, g) == pytest.approx(0.7)
    # Continuous at √γ: value (1 + √γ)², alignment 0.
    r = np.sqrt(g)
    assert paul_top_eigenvalue(r * (1 + 1e-10), g) == pytest.approx((1 + r) ** 2, rel=1e-9)
    assert paul_top_eigenvalue(0.1, g, kappa=2.0) == pytest.approx(2 * (1 + r) ** 2)
    assert paul_overlap(np.array([0.0, 0.5, r]), g).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="rho"):
        paul_overlap(-1.0, g)


def test_library_curves_converge_to_paul_linearly_in_delta():
    g = 0.5
    rho = np.linspace(0.0, 5.0, 2001)
    errors = []
    for delta in (1e-3, 1e-4):
        err_val = np.max(np.abs(arl.top_eigenvalue(rho, delta, g) - paul_top_eigenvalue(rho, g)))
        err_vec = np.max(np.abs(arl.overlap(rho, delta, g) - paul_overlap(rho, g)))
        errors.append((err_val, err_vec))
        assert err_val < 6 * delta and err_vec < 6 * delta
    assert errors[0][0] / errors[1][0] == pytest.approx(10, rel=0.05)
    assert errors[0][1] / errors[1][1] == pytest.approx(10, rel=0.05)
