"""The figures that draw a derivation: the pipeline (ch. 1), λ(η) (ch. 2), β(x) and Λ(x)
(ch. 3) and the limit causal attention matrix (ch. 5). Each must draw what it claims."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import attnrmt_lib as arl  # noqa: E402
from attnrmt_lib.causal import causal_attention_limit  # noqa: E402
from attnrmt_lib.critical_points import bulk_critical_points  # noqa: E402
from attnrmt_lib.figures.bulk import plot_bulk_inverse  # noqa: E402
from attnrmt_lib.figures.causal_attention import plot_causal_attention_limit  # noqa: E402
from attnrmt_lib.figures.model import plot_pipeline  # noqa: E402
from attnrmt_lib.figures.transitions import plot_outlier_curves  # noqa: E402
from attnrmt_lib.pooling import pool_sequences  # noqa: E402


def _markers(ax):
    """(x, y) of the single-point marker lines of an axes."""
    return [(float(l.get_xdata()[0]), float(l.get_ydata()[0])) for l in ax.get_lines()
            if len(l.get_xdata()) == 1 and l.get_marker() not in (None, "None", "")]


def test_figures_are_readable_functions():
    for f in (plot_pipeline, plot_bulk_inverse, plot_outlier_curves, plot_causal_attention_limit):
        assert getattr(f, "readable", False), f.__name__


def test_pipeline_draws_table_tokens_pooled_covariance_and_spectrum():
    T = 8
    data = pool_sequences(d=30, delta=0.5, gamma=0.5, weights=arl.mean_weights(T),
                          correlation=arl.iid(T), mu_norm2=3.0, seed=1)
    fig = plot_pipeline(data, rows=12)
    axes = fig.axes
    assert len(axes) == 5
    assert np.allclose(axes[0].images[0].get_array(), data.Z[:12])
    assert np.allclose(axes[2].images[0].get_array(), data.C[:12])
    assert np.allclose(axes[3].images[0].get_array(), data.covariance())
    top = np.linalg.eigvalsh(data.covariance())[-1] / data.kappa
    assert any(np.isclose(l.get_xdata()[0], top) for l in axes[4].get_lines()
               if len(l.get_xdata()) == 2)


@pytest.mark.parametrize("delta, gamma", [(0.15, 0.15), (0.5, 0.5), (0.25, 1.0)])
def test_bulk_inverse_marks_the_edges_at_the_critical_points(delta, gamma):
    fig = plot_bulk_inverse(delta, gamma)
    ax = fig.axes[0]
    lower, upper = arl.bulk_edges(delta, gamma)
    cp = bulk_critical_points(delta, gamma)
    marks = _markers(ax)
    assert any(np.isclose(x, cp.upper) and np.isclose(y, upper) for x, y in marks)
    assert any(np.isclose(x, cp.lower) and np.isclose(y, lower) for x, y in marks) \
        == bool(np.isfinite(cp.lower))


def test_outlier_curves_turn_at_the_two_thresholds():
    delta = gamma = 0.5
    fig = plot_outlier_curves(delta, gamma)
    ax = fig.axes[0]
    rho1, rho2 = arl.thresholds(delta, gamma)
    marks = _markers(ax)
    assert any(np.isclose(x, rho1 - delta) and np.isclose(y, (1 + np.sqrt(delta)) ** 2)
               for x, y in marks)
    assert any(np.isclose(x, rho2 - delta) and np.isclose(y, arl.bulk_edges(delta, gamma)[1])
               for x, y in marks)
    solid = [l for l in ax.get_lines() if l.get_linestyle() == "-" and len(l.get_xdata()) > 2]
    x = solid[1].get_xdata()
    ok = np.isfinite(solid[1].get_ydata())
    assert np.allclose(solid[1].get_ydata()[ok], arl.top_eigenvalue(x[ok] + delta, delta, gamma))
    with pytest.raises(ValueError, match="x_max"):
        plot_outlier_curves(delta, gamma, x_max=0.5)


def test_causal_attention_heat_maps_are_the_limit_matrices():
    fig = plot_causal_attention_limit(T=10, taus=(0.0, 1.5))
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 2
    for ax, tau in zip(panels, (0.0, 1.5)):
        shown = np.ma.filled(ax.images[0].get_array(), np.nan)
        a = causal_attention_limit(10, tau)
        assert np.allclose(np.nan_to_num(shown), a)
    weights = [l for l in fig.axes[2].get_lines() if len(l.get_xdata()) == 10]
    assert np.allclose(weights[1].get_ydata(), arl.harmonic_weights(10, 1.5))
    with pytest.raises(ValueError, match="taus"):
        plot_causal_attention_limit(taus=())
