"""attnrmt_lib.figures.spectrum: a simulated spectrum against the bulk law and the outlier."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.figures.spectrum import plot_density_estimate, plot_spectrum


@pytest.fixture(scope="module")
def result():
    return arl.simulate(d=200, delta=0.5, gamma=0.5, weights=arl.mean_weights(8),
                        correlation=arl.iid(8), mu_norm2=4.0, seed=0)


def test_plot_spectrum_shows_histogram_theory_and_outlier(result):
    fig = plot_spectrum(result)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "bulk law" in labels and "outlier (theory)" in labels and "outlier (simulated)" in labels
    curve = next(line for line in ax.lines if line.get_label() == "bulk law")
    x, y = curve.get_data()
    assert np.allclose(y, arl.bulk_density(x, result.delta, result.gamma))
    # The histogram (in units of κ, one stepfilled polygon) integrates to the bulk mass shown.
    x, y = ax.patches[0].get_path().vertices.T
    area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    assert area == pytest.approx(1 - 1 / result.d, abs=0.02)
    assert plt.get_fignums() == []  # not registered with pyplot


def test_a_matrix_free_result_is_drawn_as_its_density_estimate():
    big = arl.simulate(d=1000, delta=0.5, gamma=0.5, weights=arl.mean_weights(8),
                       correlation=arl.iid(8), mu_norm2=3.0, seed=1, method="lanczos")
    fig = plot_density_estimate(big)
    ax = fig.axes[0]
    estimate = next(line for line in ax.lines if line.get_label().startswith("matrix-free"))
    assert np.allclose(estimate.get_ydata(), big.density * big.kappa)
    law = next(line for line in ax.lines if line.get_label() == "bulk law")
    x, y = law.get_data()
    assert np.allclose(y, arl.bulk_density(x, big.delta, big.gamma))
    top = next(line for line in ax.lines if line.get_label() == "top eigenvalue")
    assert top.get_xdata()[0] == pytest.approx(big.top_eigenvalue / big.kappa)
    # plot_spectrum hands a result without eigenvalues to the density estimate.
    labels = [line.get_label() for line in plot_spectrum(big).axes[0].lines]
    assert labels == [line.get_label() for line in ax.lines]
    with pytest.raises(ValueError, match="density"):
        plot_density_estimate(arl.simulate(d=100, delta=0.5, gamma=0.5,
                                           weights=arl.mean_weights(8), correlation=arl.iid(8),
                                           mu_norm2=3.0, seed=1, method="lanczos",
                                           density_probes=0))
