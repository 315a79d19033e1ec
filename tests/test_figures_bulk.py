"""attnrmt_lib.figures.bulk: the figures of chapter 2 draw what they claim."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.figures.bulk import (plot_bulk_density, plot_bulk_limits, plot_bulk_simulation,
                                      plot_vocabulary_cost)


D = 400


def _simulate(delta, gamma, T=8, seed=0, d=D):
    return arl.simulate(d=d, delta=delta, gamma=gamma, weights=arl.mean_weights(T),
                        correlation=arl.iid(T), mu_norm2=0.0, seed=seed)


def _polygon_area(patch):
    """Area under a histogram drawn as one polygon (shoelace formula)."""
    x, y = patch.get_path().vertices.T
    return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))


def test_plot_bulk_density_annotates_atom():
    fig = plot_bulk_density(2.0, 0.5)
    # In the legend, where it cannot cover the density's hard edge at 0.
    legend = fig.axes[0].get_legend()
    assert any("atom 0.50" in t.get_text() for t in legend.get_texts())


def test_plot_bulk_simulation_counts_atom_and_normalises():
    r = _simulate(2.0, 0.5)
    fig = plot_bulk_simulation(r)
    ax = fig.axes[0]
    ev = r.eigenvalues / r.kappa
    zero = (ev <= 1e-9 * ev[-1]).mean()
    text = " ".join(t.get_text() for t in ax.texts)
    assert f"{zero:.3f}" in text and f"{arl.bulk_atom(r.delta, r.gamma):.3f}" in text
    area = sum(_polygon_area(p) for p in ax.patches)  # one stepfilled polygon
    assert area == pytest.approx(1 - zero, abs=1e-9)
    curves = {line.get_label(): line for line in ax.lines}
    x, y = next(c for lbl, c in curves.items() if "finite vocabulary" in lbl).get_data()
    assert np.allclose(y, arl.bulk_density(x, r.delta, r.gamma))
    x, y = next(c for lbl, c in curves.items() if "fresh" in lbl).get_data()
    assert np.allclose(y, arl.mp_density(x, r.gamma))
    assert plt.get_fignums() == []


def test_plot_bulk_simulation_zoom_and_checks():
    r = _simulate(1.0, 2.7)
    fig = plot_bulk_simulation(r, fresh_tokens=False, zoom=(0.0, 1.0))
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx((0.0, 1.0))
    assert not any("fresh" in line.get_label() for line in ax.lines)
    with pytest.raises(ValueError, match="zoom"):
        plot_bulk_simulation(r, zoom=(1.0, 0.5))
    with pytest.raises(ValueError, match="SimulationResult"):
        plot_bulk_simulation(np.ones(3))


@pytest.mark.parametrize("vary", ["delta", "gamma"])
def test_plot_bulk_limits_draws_family_and_limit(vary):
    fig = plot_bulk_limits(0.5, (0.3, 0.01), vary=vary, kappa=2.0)
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
        plot_bulk_limits(0.5, (0.1,), vary="kappa")
    with pytest.raises(ValueError, match="values"):
        plot_bulk_limits(0.5, (0.1, -1.0))


def test_plot_vocabulary_cost_edges_bound_and_first_order():
    gamma = 0.5
    fig = plot_vocabulary_cost(0.5, gamma)
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
