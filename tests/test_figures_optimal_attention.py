"""attnrmt_lib.figures.optimal_attention: the figures of chapter 4 draw what they claim."""

import time

import numpy as np
import pytest
from matplotlib.figure import Figure

from attnrmt_lib import (
    exchangeable,
    iid,
    label_model,
    markov,
    mean_weights,
    optimal_weights,
    simulate,
    thresholds,
)
from attnrmt_lib.detection import (alignment_at_signal, detection_threshold_table,
                                   standard_weightings)
from attnrmt_lib.figures.optimal_attention import (
    plot_alignment_vs_signal,
    plot_detection_thresholds,
    plot_purity_comparison,
    plot_weight_profiles,
)


DELTA, GAMMA = 0.5, 0.5


RHO2 = thresholds(DELTA, GAMMA)[1]


T = 16


def _geometric(T, s0, r):
    return s0 * r ** np.arange(T)


def test_plot_weight_profiles_draws_the_optimal_weights():
    models = {"label": label_model(_geometric(T, 0.9, 0.8)), "markov": markov(T, 0.6),
              "iid": iid(T)}
    fig = plot_weight_profiles(models)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    lines = ax.get_lines()
    for line, model in zip(lines, models.values()):
        assert np.allclose(line.get_ydata(), optimal_weights(model.R))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "not unique" in labels[2] and "not unique" not in labels[0]
    assert any("mean" in label for label in labels)


def test_plot_detection_thresholds_bar_heights():
    models = {"label": label_model(_geometric(T, 0.9, 0.8)), "exch": exchangeable(T, 0.2)}
    fig = plot_detection_thresholds(models, DELTA, GAMMA)
    ax = fig.axes[0]
    heights = np.array([p.get_height() for p in ax.patches]).reshape(5, 2)
    table = detection_threshold_table(standard_weightings(T), models, DELTA, GAMMA)
    assert np.allclose(heights, table)
    assert any(np.allclose(line.get_ydata(), RHO2) for line in ax.get_lines())
    with pytest.raises(ValueError):
        plot_detection_thresholds(models, DELTA, GAMMA, weightings={"bad": np.ones(T - 1)})


def test_plot_alignment_vs_signal_curves_and_simulations():
    model = label_model(_geometric(T, 0.9, 0.8))
    r = simulate(d=100, delta=DELTA, gamma=GAMMA, weights=mean_weights(T), correlation=model,
                 mu_norm2=2.0, seed=0)
    fig = plot_alignment_vs_signal(model, DELTA, GAMMA, simulations={"mean": [r]})
    ax = fig.axes[0]
    curve = ax.get_lines()[0]
    x = curve.get_xdata()
    assert np.allclose(curve.get_ydata(),
                       alignment_at_signal(x, mean_weights(T), model, DELTA, GAMMA))
    points = [line for line in ax.get_lines() if line.get_linestyle() == "None"]
    assert len(points) == 1 and points[0].get_xydata()[0] == pytest.approx([2.0, r.overlap])
    with pytest.raises(ValueError):
        plot_alignment_vs_signal(model, DELTA, GAMMA, simulations={"nope": [r]})


def test_purity_comparison_is_fast_enough_for_a_slider():
    for s0, r in ((0.9, 0.8), (0.5, 0.95), (0.0, 0.5), (1.0, 0.3)):
        fig = plot_purity_comparison(s0, r, T=32)
        assert isinstance(fig, Figure) and len(fig.axes) == 2
    # Theory-only views must rebuild in < 50 ms. CPU time of this process, best of several:
    # robust to other processes competing for the cores.
    times = []
    for _ in range(7):
        start = time.process_time()
        plot_purity_comparison(0.9, 0.8, T=16)
        times.append(time.process_time() - start)
    assert min(times) < 0.05
