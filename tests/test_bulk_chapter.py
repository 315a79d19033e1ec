"""Chapter 2 (the bulk law): moments, limits, the cost of a finite vocabulary, the lower edge.

Finite-size checks use d = 400 with tolerances ∝ d^(-1/2).
"""

from math import comb

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import attnrmt_lib as arl  # noqa: E402
from attnrmt_lib import plotting  # noqa: E402
from attnrmt_lib.bulk_moments import bulk_moments, bulk_moments_quadrature  # noqa: E402

D = 400


def _simulate(delta, gamma, T=8, seed=0, d=D):
    return arl.simulate(d=d, delta=delta, gamma=gamma, weights=arl.mean_weights(T),
                        correlation=arl.iid(T), mu_norm2=0.0, seed=seed)


# --- moments ---------------------------------------------------------------------------

def test_fuss_catalan_moments_are_exact_integers():
    m = bulk_moments(10, 1.0, 1.0)
    assert m.tolist() == [comb(3 * k, k) / (2 * k + 1) for k in range(11)]


@pytest.mark.parametrize("delta, gamma, kappa", [(0.5, 0.5, 1.0), (0.2, 3.0, 2.0), (4.0, 0.1, 0.3)])
def test_first_moments_and_kappa_scaling(delta, gamma, kappa):
    m = bulk_moments(3, delta, gamma, kappa)
    assert m[0] == 1.0
    assert m[1] == pytest.approx(kappa, rel=1e-14)
    assert m[2] == pytest.approx(kappa**2 * (1 + delta + gamma), rel=1e-14)
    # Third moment from [w^2] P(w)^3 / 3 expanded by hand.
    e1, e2 = 1 + delta + gamma, delta + gamma + delta * gamma
    assert m[3] == pytest.approx(kappa**3 * (e1**2 + e2), rel=1e-14)


def test_moments_symmetric_in_delta_and_gamma():
    assert np.allclose(bulk_moments(8, 0.3, 2.5), bulk_moments(8, 2.5, 0.3), rtol=1e-14)


def test_small_delta_gives_narayana_moments_of_mp():
    # Moments of MP_γ: sum_j N(k, j) γ^(j-1), N(k, j) = binom(k, j) binom(k, j-1) / k.
    gamma = 0.7
    mp = [1.0] + [sum(comb(k, j) * comb(k, j - 1) / k * gamma ** (j - 1) for j in range(1, k + 1))
                  for k in range(1, 7)]
    assert np.allclose(bulk_moments(6, 1e-12, gamma),
                       mp, rtol=1e-9)
    # ... and a finite δ is visibly different.
    assert not np.allclose(bulk_moments(6, 0.05, gamma), mp, rtol=1e-2)


@pytest.mark.parametrize("delta, gamma", [
    (0.5, 0.5), (1.0, 1.0), (1.0, 2.7), (2.7, 1.0), (2.0, 0.5), (0.3, 1.0), (2.0, 2.0),
    (0.01, 3.0), (5.0, 5.0),
])
def test_quadrature_of_the_density_matches_exact_moments(delta, gamma):
    q = bulk_moments_quadrature(6, delta, gamma, 1.5)
    e = bulk_moments(6, delta, gamma, 1.5)
    assert q == pytest.approx(e, rel=1e-10)


def test_simulated_trace_moments_match():
    for delta, gamma in [(0.5, 0.5), (2.0, 0.5), (1.0, 2.7)]:
        r = _simulate(delta, gamma)
        ev = r.eigenvalues / r.kappa
        emp = np.array([np.mean(ev**k) for k in (1, 2, 3)])
        theory = bulk_moments(3, r.delta, r.gamma)[1:]
        assert np.all(np.abs(emp / theory - 1) < 3 / np.sqrt(r.d)), (delta, gamma)


def test_moment_input_checks():
    with pytest.raises(ValueError, match="k_max"):
        bulk_moments(-1, 0.5, 0.5)
    with pytest.raises(ValueError, match="delta"):
        bulk_moments(3, 0.0, 0.5)
    with pytest.raises(ValueError, match="nodes"):
        bulk_moments_quadrature(3, 0.5, 0.5, nodes=2)


# --- edges and atom claimed in the chapter -----------------------------------------------

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


# --- figures -------------------------------------------------------------------------

def test_plot_bulk_simulation_counts_atom_and_normalises():
    r = _simulate(2.0, 0.5)
    fig = plotting.plot_bulk_simulation(r)
    ax = fig.axes[0]
    ev = r.eigenvalues / r.kappa
    zero = (ev <= 1e-9 * ev[-1]).mean()
    text = " ".join(t.get_text() for t in ax.texts)
    assert f"{zero:.3f}" in text and f"{arl.bulk_atom(r.delta, r.gamma):.3f}" in text
    area = sum(p.get_width() * p.get_height() for p in ax.patches)
    assert area == pytest.approx(1 - zero, abs=1e-9)
    curves = {line.get_label(): line for line in ax.lines}
    x, y = next(c for lbl, c in curves.items() if "finite vocabulary" in lbl).get_data()
    assert np.allclose(y, arl.bulk_density(x, r.delta, r.gamma))
    x, y = next(c for lbl, c in curves.items() if "fresh" in lbl).get_data()
    assert np.allclose(y, arl.mp_density(x, r.gamma))
    assert plt.get_fignums() == []


def test_plot_bulk_simulation_zoom_and_checks():
    r = _simulate(1.0, 2.7)
    fig = plotting.plot_bulk_simulation(r, fresh_tokens=False, zoom=(0.0, 1.0))
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx((0.0, 1.0))
    assert not any("fresh" in line.get_label() for line in ax.lines)
    with pytest.raises(ValueError, match="zoom"):
        plotting.plot_bulk_simulation(r, zoom=(1.0, 0.5))
    with pytest.raises(ValueError, match="SimulationResult"):
        plotting.plot_bulk_simulation(np.ones(3))


@pytest.mark.parametrize("vary", ["delta", "gamma"])
def test_plot_bulk_limits_draws_family_and_limit(vary):
    fig = plotting.plot_bulk_limits(0.5, (0.3, 0.01), vary=vary, kappa=2.0)
    ax = fig.axes[0]
    assert len(ax.lines) == 3
    x, y = ax.lines[-1].get_data()
    assert np.allclose(y, arl.mp_density(x / 2.0, 0.5) / 2.0)
    # The curves approach the limit in L1 as the varying ratio shrinks.
    grid = np.linspace(0.0, 2.0 * x.max(), 20001)
    limit = np.interp(grid, x, y, left=0, right=0)
    l1 = [np.trapezoid(np.abs(np.interp(grid, *line.get_data(), left=0, right=0) - limit), grid)
          for line in ax.lines[:2]]
    assert l1[1] < 0.05 and l1[1] < l1[0] / 5
    with pytest.raises(ValueError, match="vary"):
        plotting.plot_bulk_limits(0.5, (0.1,), vary="kappa")
    with pytest.raises(ValueError, match="values"):
        plotting.plot_bulk_limits(0.5, (0.1, -1.0))


def test_plot_vocabulary_cost_edges_bound_and_first_order():
    gamma = 0.5
    fig = plotting.plot_vocabulary_cost(0.5, gamma)
    ax = fig.axes[1]
    lines = {line.get_label(): line for line in ax.lines}
    grid, upper = lines["upper edge"].get_data()
    assert np.allclose(upper, [arl.bulk_edges(dl, gamma)[1] for dl in grid])
    assert np.all(np.diff(upper) > 0)  # a larger vocabulary ratio always widens the bulk
    _, bound = next(c for lbl, c in lines.items() if lbl.startswith("bound")).get_data()
    assert np.all(bound >= upper)
    # Tangent at δ = 0: slope (1 + √γ)²/√γ.
    b = (1 + np.sqrt(gamma)) ** 2
    slope = (arl.bulk_edges(1e-6, gamma)[1] - b) / 1e-6
    assert slope == pytest.approx(b / np.sqrt(gamma), rel=1e-4)
    # Inset: the lower edge touches zero at δ = 1 (tie of the two largest of 1, δ, γ) only.
    x, y = ax.child_axes[0].lines[0].get_data()
    assert np.allclose(y, [arl.bulk_edges(dl, gamma)[0] for dl in x])
    assert y[np.argmin(np.abs(x - 1.0))] == 0.0 and np.all(y[np.abs(x - 1.0) > 0.05] > 0)


def test_new_explorers_redraw_when_a_slider_moves(capsys):
    from attnrmt_lib import widgets

    for make in (widgets.bulk_simulation_explorer, widgets.vocabulary_explorer):
        box = make()
        controls, _ = box.children
        capsys.readouterr()
        first = controls.children[0]
        first.value = first.value * 1.2
        assert "Figure(" in capsys.readouterr().out, make.__name__
    d_slider = widgets.bulk_simulation_explorer(d=1000).children[0].children[3]
    assert d_slider.value <= 400 and d_slider.max <= 400
