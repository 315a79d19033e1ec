"""Figures and explorers: they draw what they claim, and the explorers redraw on change."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import attnrmt_lib as arl  # noqa: E402
from attnrmt_lib import plotting  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return arl.simulate(d=200, delta=0.5, gamma=0.5, weights=arl.mean_weights(8),
                        correlation=arl.iid(8), mu_norm2=4.0, seed=0)


def test_plot_spectrum_shows_histogram_theory_and_outlier(result):
    fig = plotting.plot_spectrum(result)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "bulk law" in labels and "outlier (theory)" in labels and "outlier (simulated)" in labels
    curve = next(line for line in ax.lines if line.get_label() == "bulk law")
    x, y = curve.get_data()
    assert np.allclose(y, arl.bulk_density(x, result.delta, result.gamma))
    # Histogram bars (in units of κ) integrate to the bulk mass shown.
    area = sum(p.get_width() * p.get_height() for p in ax.patches)
    assert area == pytest.approx(1 - 1 / result.d, abs=0.02)
    assert plt.get_fignums() == []  # not registered with pyplot


def test_plot_phase_transition_marks_thresholds(result):
    fig = plotting.plot_phase_transition(0.5, 0.5, simulations=[result])
    rho1, rho2 = arl.thresholds(0.5, 0.5)
    for ax in fig.axes:
        vlines = {round(line.get_xdata()[0], 10) for line in ax.lines if len(set(line.get_xdata())) == 1}
        assert {round(rho1, 10), round(rho2, 10)} <= vlines
    sim = [line for line in fig.axes[1].lines if line.get_label() == "simulation"][0]
    assert sim.get_ydata()[0] == pytest.approx(result.overlap)


def test_plot_bulk_density_annotates_atom():
    fig = plotting.plot_bulk_density(2.0, 0.5)
    assert any("atom 0.50" in t.get_text() for t in fig.axes[0].texts)


def test_explorers_redraw_when_a_slider_moves(capsys):
    from attnrmt_lib import widgets

    for make in (widgets.bulk_explorer, widgets.transition_explorer, widgets.spectrum_explorer):
        box = make()
        controls, _ = box.children
        capsys.readouterr()
        first = controls.children[0]
        first.value = first.value * 1.2
        # Outside a kernel the Output widget passes the redrawn figure to stdout.
        assert "Figure(" in capsys.readouterr().out, make.__name__
