"""Chapter 3 additions: Bai–Yao map, phase-diagram grid, Paul's limit, their figures."""

import matplotlib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import attnrmt_lib as arl  # noqa: E402
from attnrmt_lib import plotting  # noqa: E402
from attnrmt_lib.bai_yao import bai_yao_derivative, bai_yao_map, mp_stieltjes  # noqa: E402
from attnrmt_lib.detection import detection_threshold  # noqa: E402
from attnrmt_lib.phase_diagram import paul_overlap, paul_top_eigenvalue, threshold_grid  # noqa: E402

ratios = st.floats(min_value=np.log(1e-3), max_value=np.log(20.0)).map(np.exp)


def _p(x, delta, gamma):
    return x**3 - (delta + gamma + gamma * delta) * x - 2 * gamma * delta


# ----------------------------------------------------------------------------- Bai–Yao map


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


# ----------------------------------------------------------------------------- phase diagram


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


def test_detection_threshold_by_simulation():
    # A label model with decaying purity and harmonic weights: α/κ > 1. Just above the
    # detection threshold in ‖μ‖² the outlier follows theory; well below, the top
    # eigenvalue stays at the bulk edge (tolerances ∝ d^(-1/2)).
    T, d, delta, gamma = 8, 400, 0.5, 0.5
    model = arl.label_model(0.9 * 0.7 ** np.arange(T))
    w = arl.harmonic_weights(T)
    gain = arl.snr(w, model.R)
    assert gain > 1
    need = detection_threshold(w, model, delta, gamma)
    assert need == pytest.approx(arl.thresholds(delta, gamma)[1] / gain, rel=1e-12)
    edge = arl.bulk_edges(delta, gamma)[1]
    above = arl.simulate(d=d, delta=delta, gamma=gamma, weights=w, correlation=model,
                         mu_norm2=2.0 * need, seed=3)
    assert above.rho == pytest.approx(2.0 * arl.thresholds(delta, gamma)[1], rel=1e-12)
    lam = above.top_eigenvalue / above.kappa
    assert lam == pytest.approx(arl.top_eigenvalue(above.rho, delta, gamma), abs=4 * 3.5 / np.sqrt(d))
    assert lam > edge + 0.5
    assert above.overlap == pytest.approx(arl.overlap(above.rho, delta, gamma), abs=4 * 0.9 / np.sqrt(d))
    below = arl.simulate(d=d, delta=delta, gamma=gamma, weights=w, correlation=model,
                         mu_norm2=0.5 * need, seed=3)
    assert below.top_eigenvalue / below.kappa == pytest.approx(edge, abs=4 * 3.5 / np.sqrt(d))
    assert below.overlap < 4 * 0.9 / np.sqrt(d)


# ----------------------------------------------------------------------------- Paul's limit


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


# ----------------------------------------------------------------------------- figures


def test_plot_phase_diagram_draws_the_threshold_grid():
    fig = plotting.plot_phase_diagram(("rho2", "relative_gap", "gap", "rho1"), n=40,
                                      delta_range=(0.01, 5.0), gamma_range=(0.02, 3.0),
                                      mark=[(0.5, 0.5), (0.1, 1.0)])
    panels = [ax for ax in fig.axes if ax.get_xlabel()]
    assert len(panels) == 4
    deltas, gammas = np.geomspace(0.01, 5.0, 40), np.geomspace(0.02, 3.0, 40)
    rho1, rho2 = threshold_grid(deltas, gammas)
    expected = [rho2, 1 - rho1 / rho2, rho2 - rho1, rho1]
    for ax, z in zip(panels, expected):
        mesh = ax.collections[0]
        assert np.allclose(np.asarray(mesh.get_array()).reshape(z.shape), z, rtol=1e-12)
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        stars = [line for line in ax.lines if line.get_marker() == "*"]
        assert [tuple(s.get_xydata()[0]) for s in stars] == [(0.5, 0.5), (0.1, 1.0)]
    assert plt.get_fignums() == []


def test_plot_phase_diagram_rejects_bad_input():
    with pytest.raises(ValueError, match="quantity"):
        plotting.plot_phase_diagram("rho3")
    with pytest.raises(ValueError, match="delta_range"):
        plotting.plot_phase_diagram(delta_range=(1.0, 0.1))
    with pytest.raises(ValueError, match="n must"):
        plotting.plot_phase_diagram(n=1)


def test_plot_bai_yao_map_marks_the_critical_point():
    fig = plotting.plot_bai_yao_map(0.5, 0.5)
    ax = fig.axes[0]
    _, rho2 = arl.thresholds(0.5, 0.5)
    point = [line for line in ax.lines if line.get_marker() == "o"][0]
    beta2, edge = point.get_xydata()[0]
    assert beta2 == pytest.approx(arl.population_outlier(rho2, 0.5))
    assert edge == pytest.approx(arl.bulk_edges(0.5, 0.5)[1])
    solid, dashed = ax.lines[0], ax.lines[1]
    xs, ys = solid.get_data()
    ok = np.isfinite(ys)
    assert np.all(xs[ok] > beta2 * (1 - 1e-3)) and np.all(np.diff(ys[ok]) > 0)
    xd, yd = dashed.get_data()
    okd = np.isfinite(yd)
    assert okd.any() and np.all(xd[okd] < beta2 * (1 + 1e-3))
    with pytest.raises(ValueError, match="beta_max"):
        plotting.plot_bai_yao_map(0.5, 0.5, beta_max=2.0)


def test_plot_paul_limit_draws_both_families():
    fig = plotting.plot_paul_limit(0.5, deltas=(0.3, 0.01))
    ax_val, ax_vec = fig.axes
    paul = [line for line in ax_vec.lines if line.get_label().startswith("Paul")][0]
    rho, val = paul.get_data()
    assert np.allclose(val, paul_overlap(rho, 0.5))
    labels = [line.get_label() for line in ax_val.lines]
    assert any("0.3" in s for s in labels) and any("0.01" in s for s in labels)


def test_plot_finite_size_transition_averages_per_dimension():
    sims = [arl.simulate(d=d, delta=0.5, gamma=0.5, weights=arl.mean_weights(4),
                         correlation=arl.iid(4), mu_norm2=rho, seed=s)
            for d in (60, 120) for rho in (1.0, 3.0) for s in range(3)]
    fig = plotting.plot_finite_size_transition(sims)
    ax_val, ax_vec = fig.axes
    containers = ax_vec.containers
    assert len(containers) == 2
    for container, d in zip(containers, (60, 120)):
        means = container.lines[0].get_ydata()
        for k, rho in enumerate((1.0, 3.0)):
            group = [s.overlap for s in sims if s.d == d and s.rho == rho]
            assert means[k] == pytest.approx(np.mean(group))
    with pytest.raises(ValueError, match="at least one"):
        plotting.plot_finite_size_transition([])


def test_transition_simulation_explorer_redraws(capsys):
    from attnrmt_lib import widgets

    box = widgets.transition_simulation_explorer(d=100, n_rho=3)
    controls, _ = box.children
    assert controls.children[2].max <= 400  # simulation views stay small
    capsys.readouterr()
    controls.children[0].value = 0.6
    assert "Figure(" in capsys.readouterr().out
