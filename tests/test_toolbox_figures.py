"""Figures and explorer of the chapter "The random-matrix toolbox"."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from attnrmt_lib.figures import toolbox  # noqa: E402
from attnrmt_lib.free_probability import wishart_product_spectrum  # noqa: E402
from attnrmt_lib.spiked_wishart import determinant_lemma_outlier  # noqa: E402


def test_figure_functions_are_readable_and_return_figures():
    for name in toolbox.__all__:
        assert getattr(getattr(toolbox, name), "readable", False), name
    ev = wishart_product_spectrum(200, [0.5], seed=0)
    fig = toolbox.plot_stieltjes_inversion(ev, 0.5)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    # The right panel's two smoothings (sample and theory) nearly coincide at d = 200.
    sample, theory = (line.get_ydata() for line in fig.axes[1].get_lines()[:2])
    assert np.max(np.abs(sample - theory)) < 0.1
    product = wishart_product_spectrum(200, [0.5, 0.5], seed=0)
    fig = toolbox.plot_free_product(product, 0.5, 0.5)
    assert isinstance(fig, Figure) and len(fig.axes) == 1


def test_determinant_lemma_figure_marks_the_outlier_only_above_threshold():
    gamma = 0.5
    fig = toolbox.plot_determinant_lemma(2.0, gamma)
    left, right = fig.axes
    marked = [line for line in left.get_lines() if line.get_label().startswith("outlier")]
    assert len(marked) == 1
    assert marked[0].get_xdata()[0] == pytest.approx(determinant_lemma_outlier(2.0, gamma))
    assert "0.700" in right.get_title()
    below = toolbox.plot_determinant_lemma(0.5, gamma)
    assert not [ln for ln in below.axes[0].get_lines() if ln.get_label().startswith("outlier")]
    assert "no outlier" in below.axes[1].get_title()
    # Drawing into given axes (the explorer's path) uses them.
    fig2 = Figure()
    axes = fig2.subplots(1, 2)
    assert toolbox.plot_determinant_lemma(1.0, gamma, axes=axes) is fig2


def test_determinant_lemma_explorer_redraws_without_errors():
    pytest.importorskip("ipywidgets")
    from attnrmt_lib.widgets import determinant_lemma_explorer

    box = determinant_lemma_explorer(2.0, 0.5)
    first = box.image.value
    assert first
    for rho in (0.3, 0.71, 4.0):
        box.controls["rho"].value = rho
        assert box.message.value == ""
    box.controls["gamma"].value = 2.5
    assert box.message.value == ""
    assert box.image.value != first
