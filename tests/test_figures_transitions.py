"""attnrmt_lib.figures.transitions: the figures of chapter 3 draw what they claim."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.figures.transitions import (plot_bai_yao_map, plot_finite_size_transition,
                                             plot_paul_limit, plot_phase_diagram,
                                             plot_phase_transition)
from attnrmt_lib.phase_diagram import paul_overlap, threshold_grid


@pytest.fixture(scope="module")
def result():
    return arl.simulate(d=200, delta=0.5, gamma=0.5, weights=arl.mean_weights(8),
                        correlation=arl.iid(8), mu_norm2=4.0, seed=0)


def test_plot_phase_transition_marks_thresholds(result):
    fig = plot_phase_transition(0.5, 0.5, simulations=[result])
    rho1, rho2 = arl.thresholds(0.5, 0.5)
    for ax in fig.axes:
        vlines = {round(line.get_xdata()[0], 10) for line in ax.lines if len(set(line.get_xdata())) == 1}
        assert {round(rho1, 10), round(rho2, 10)} <= vlines
    sim = [line for line in fig.axes[1].lines if line.get_label() == "simulation"][0]
    assert sim.get_ydata()[0] == pytest.approx(result.overlap)


def test_plot_phase_diagram_draws_the_threshold_grid():
    fig = plot_phase_diagram(("rho2", "relative_gap", "gap", "rho1"), n=40,
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
        plot_phase_diagram("rho3")
    with pytest.raises(ValueError, match="delta_range"):
        plot_phase_diagram(delta_range=(1.0, 0.1))
    with pytest.raises(ValueError, match="n must"):
        plot_phase_diagram(n=1)


def test_plot_bai_yao_map_marks_the_critical_point():
    fig = plot_bai_yao_map(0.5, 0.5)
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
        plot_bai_yao_map(0.5, 0.5, beta_max=2.0)


def test_plot_paul_limit_draws_both_families():
    fig = plot_paul_limit(0.5, deltas=(0.3, 0.01))
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
    fig = plot_finite_size_transition(sims)
    ax_val, ax_vec = fig.axes
    containers = ax_vec.containers
    assert len(containers) == 2
    for container, d in zip(containers, (60, 120)):
        means = container.lines[0].get_ydata()
        for k, rho in enumerate((1.0, 3.0)):
            group = [s.overlap for s in sims if s.d == d and s.rho == rho]
            assert means[k] == pytest.approx(np.mean(group))
    with pytest.raises(ValueError, match="at least one"):
        plot_finite_size_transition([])
