"""Figures of appendix A1, finite-size effects: the d^(-1/2) scaling of the errors.

The matrix-free spectrum of the appendix is
:func:`attnrmt_lib.figures.spectrum.plot_density_estimate`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..power_law import fit_power_law
from ..sampling import as_generator
from ._style import SAMPLE, THEORY, figure_axes, readable

__all__ = ["plot_error_scaling", "plot_error_collapse"]


@readable
def plot_error_scaling(table: pd.DataFrame, *, by: str = "d", ax=None) -> Figure:
    """Log-log plot of the RMS errors of the outlier and the alignment against d, with fits.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`error_table`.
    by : str, default "d"
        The column on the horizontal axis.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = figure_axes(ax)
    x = table[by].to_numpy(dtype=float)
    series = [("lambda", SAMPLE, "o", r"top eigenvalue, $|\hat\lambda/\kappa - \lambda_{out}|$"),
              ("overlap", THEORY, "s", r"alignment, $|\,|\hat u^\top u|^2 - $ theory$\,|$")]
    xs = np.geomspace(x.min() / 1.3, x.max() * 1.3, 50)
    for name, color, marker, label in series:
        y = table[f"{name}_rms"].to_numpy()
        se = table[f"{name}_rms_se"].to_numpy()
        fit = fit_power_law(x, y, table["n"].to_numpy())
        ax.errorbar(x, y, yerr=se, fmt=marker, color=color, ms=5, capsize=2,
                    label=f"{label} (RMS)")
        ax.plot(xs, fit(xs), color=color, lw=1,
                label=f"fit: slope {fit.slope:.2f} ± {fit.slope_se:.2f}")
    ref = table["lambda_rms"].to_numpy()[0] * (xs / x[0]) ** -0.5
    ax.plot(xs, ref, color="0.5", ls=":", lw=1, label=r"slope $-1/2$")
    ax.set(xscale="log", yscale="log", xlabel=f"{by}", ylabel="root-mean-square error")
    ax.legend(fontsize="small", loc="lower left")
    return fig


@readable
def plot_error_collapse(frame: pd.DataFrame, *, axes=None) -> Figure:
    r"""Every run's error times √d against d: the same spread at every d means d^(-1/2) errors.

    Left: :math:`\sqrt d\,(\hat\lambda/\kappa - \lambda_{out})`; right:
    :math:`\sqrt d\,(|\hat u^\top u|^2 - \text{theory})`. Points are jittered horizontally;
    the grey band is ± 2 pooled standard deviations of the rescaled errors.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table from :func:`attnrmt_lib.sweep.sweep` with a column ``d``.
    axes : sequence of two matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = figure_axes(axes, ncols=2, figsize=(8.0, 3.4))
    d = frame["d"].to_numpy(dtype=float)
    errors = {
        "top eigenvalue": np.sqrt(d) * (frame["top_eigenvalue"] - frame["theory_top_eigenvalue"])
        .to_numpy() / frame["kappa"].to_numpy(),
        "squared alignment": np.sqrt(d) * (frame["overlap"] - frame["theory_overlap"]).to_numpy(),
    }
    jitter = as_generator(0).uniform(-0.06, 0.06, size=d.size)
    for ax, (name, e), color in zip(axes, errors.items(), (SAMPLE, THEORY)):
        sd = float(np.sqrt(np.mean(e**2)))
        ax.axhspan(-2 * sd, 2 * sd, color="0.85", lw=0)
        ax.axhline(0.0, color="0.5", lw=0.8)
        ax.plot(d * np.exp(jitter), e, "o", color=color, ms=3, alpha=0.6)
        ax.set_xscale("log")
        ax.set_xlabel("d")
        ax.set_title(name)
    axes[0].set_ylabel(r"$\sqrt{d}\,\times$ error")
    return fig
