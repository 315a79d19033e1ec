"""attnrmt_lib.figures.causal_attention: the figures of chapter 5 draw what they claim."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.causal import harmonic_threshold
from attnrmt_lib.figures.causal_attention import (plot_causal_profile, plot_causal_weight_error,
                                                  plot_causal_weights, plot_harmonic_gain,
                                                  plot_pooling_alignment)
from attnrmt_lib.labels import geometric_purity


def test_figures_draw_what_they_claim():
    fig = plot_causal_weights(T=8, taus=(0.0, 2.0))
    line = fig.axes[0].lines[0]
    assert np.allclose(line.get_ydata(), arl.harmonic_weights(8))
    fig = plot_causal_weight_error(T=6, taus=(1.0,), ds=(50, 200), tau_grid=(1.0, 2.0),
                                            d_tau=100, n=10)
    assert len(fig.axes) == 2
    fig = plot_harmonic_gain(T=8, s0=(0.5,), markov_T=(4,), phis=[0.0, 0.5])
    assert any(round(line.get_xdata()[0], 6) == round(harmonic_threshold(8), 6)
               for line in fig.axes[0].lines if len(set(line.get_xdata())) == 1)
    model = arl.label_model(geometric_purity(6, 0.9, 0.6))
    runs = [arl.simulate(d=60, delta=0.5, gamma=0.5, weights=arl.CausalAttention(0.0),
                         correlation=model, mu_norm2=m, seed=1) for m in (1.0, 3.0)]
    fig = plot_pooling_alignment({"causal": runs})
    assert len(fig.axes) == 2
    for r in (0.0, 0.8, 1.0):
        fig = plot_causal_profile(tau=0.5, r=r, s0=0.9, T=10)
        assert np.allclose(fig.axes[0].lines[0].get_ydata(), arl.harmonic_weights(10, 0.5))
    assert plt.get_fignums() == []
    with pytest.raises(ValueError, match="at least one"):
        plot_pooling_alignment({})
