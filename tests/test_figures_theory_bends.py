"""attnrmt_lib.figures.theory_bends: the figures of appendix A3 draw."""

import pandas as pd
import pytest

import attnrmt_lib as arl
from attnrmt_lib.figures.theory_bends import (
    plot_critical_window,
    plot_effective_length,
    plot_mean_token_outlier,
    plot_short_sequences,
    plot_top_noise_drift,
)
from attnrmt_lib.sweep import sweep


DELTA = GAMMA = 0.5


def test_appendix_figures_draw():
    setup = dict(d=60, delta=DELTA, gamma=GAMMA, weights=arl.mean_weights(2),
                 correlation=arl.iid(2), mu_norm2=0.0, seed=0)
    fig = plot_short_sequences([arl.simulate(**setup)],
                               [arl.count_spectrum(arl.pool_sequences(**setup))])
    assert len(fig.axes) == 1
    with pytest.raises(ValueError, match="count_spectra"):
        plot_short_sequences([], [])
    table = pd.DataFrame({"weighting": ["a", "a", "b"], "T_eff": [1, 2, 1.5],
                          "ks": [0.04, 0.01, 0.02]})
    assert len(plot_effective_length(table, noise_floor={1000: 0.003}).axes) == 1
    sims = pd.DataFrame({"weighting": ["a"] * 2, "d": [100, 200], "top": [4.5, 4.6],
                         "delta": DELTA, "gamma": GAMMA})
    pred = pd.DataFrame({"weighting": ["a"], "d": [100], "top": [4.7]})
    assert len(plot_top_noise_drift(sims, pred).axes) == 1


def test_uncentered_and_window_figures_draw():
    sims = pd.DataFrame({"weighting": ["mean"], "delta": [0.5], "top": [9.5]})
    fig = plot_mean_token_outlier(sims, {"mean": arl.mean_weights(16)}, 0.5)
    assert len(fig.axes) == 1
    frame = sweep({"rho": [1.0, 3.0]}, n_seeds=2, n_jobs=1, progress=False, d=60,
                  delta=DELTA, gamma=GAMMA, weights=arl.mean_weights(4),
                  correlation=arl.iid(4))
    assert len(plot_critical_window(frame).axes) == 2
