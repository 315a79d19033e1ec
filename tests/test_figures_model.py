"""attnrmt_lib.figures.model: the figures of chapter 1 draw what they claim."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.figures.model import (plot_centering_comparison, plot_correlation_matrices,
                                       plot_pooled_projections)
from attnrmt_lib.pooling import pool_sequences


T = 8


LABEL = arl.label_model(0.9 * 0.8 ** np.arange(T))


def _kwargs(**over):
    kw = dict(d=120, delta=0.5, gamma=0.7, weights=arl.harmonic_weights(T), correlation=LABEL,
              mu_norm2=3.0, seed=3)
    kw.update(over)
    return kw


def test_plot_correlation_matrices_draws_each_R():
    models = {"iid": arl.iid(T), "Markov": arl.markov(T, 0.7), "label": LABEL}
    fig = plot_correlation_matrices(models)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 3
    for ax, (name, model) in zip(panels, models.items()):
        image = ax.images[0]
        assert np.allclose(image.get_array(), model.R)
        assert image.get_clim() == (-1.0, 1.0)
        assert ax.get_title().startswith(name)
        assert f"{np.linalg.eigvalsh(model.R)[-1]:.3g}" in ax.get_title()
    assert plt.get_fignums() == []
    with pytest.raises(ValueError):
        plot_correlation_matrices([arl.iid(T)], titles=["a", "b"])


def test_plot_pooled_projections_places_points_at_the_projections():
    data = pool_sequences(**_kwargs(d=60))
    v = np.random.default_rng(1).standard_normal(data.d)
    fig = plot_pooled_projections(data, direction=v)
    points = fig.axes[0].collections[0]
    xy = points.get_offsets()
    v = v - (v @ data.u) * data.u
    v /= np.linalg.norm(v)
    assert np.allclose(xy[:, 0], data.C @ data.u / np.sqrt(data.kappa))
    assert np.allclose(xy[:, 1], data.C @ v / np.sqrt(data.kappa))
    assert np.allclose(points.get_array(), data.signal)
    with pytest.raises(ValueError):
        plot_pooled_projections(data, direction=data.u)


@pytest.mark.parametrize("position, spurious", [(None, True), (0, False)])
def test_plot_centering_comparison_marks_the_spurious_outlier(position, spurious):
    Tm = 16
    w = arl.mean_weights(Tm) if position is None else arl.token_weights(Tm, position)
    kw = dict(d=200, delta=0.5, gamma=0.5, weights=w, correlation=arl.iid(Tm), mu_norm2=3.0)
    fig = plot_centering_comparison(arl.simulate(**kw),
                                             arl.simulate(**kw, center_table=False))
    ax_c, ax_u = fig.axes[:2]
    lines = [line for line in ax_u.lines if line.get_label().startswith("spurious")]
    assert bool(lines) == spurious
    assert not any(line.get_label().startswith("spurious") for line in ax_c.lines)
    if spurious:
        expected = arl.top_eigenvalue(arl.mean_token_snr(w, 200 / 400), 0.5, 0.5)
        assert lines[0].get_xdata()[0] == pytest.approx(expected)
        assert ax_u.get_xlim()[1] > expected
    assert ax_c.get_xlim() == ax_u.get_xlim()
