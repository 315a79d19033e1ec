r"""Finite-size errors of the outlier and the alignment, and their d^(-1/2) scaling.

At finite d the top eigenvalue :math:`\hat\lambda` and the squared alignment
:math:`|\hat u^\top u|^2` fluctuate around their limits (:func:`attnrmt_lib.top_eigenvalue`,
:func:`attnrmt_lib.overlap`) by :math:`O(d^{-1/2})`: above the transition the outlier is a
smooth function of quadratic forms :math:`u^\top g(\cdot)u` in the resolvent, averages
of d weakly dependent terms, so a central limit theorem applies (Paul 2007; Bai & Yao
2012); the bias is :math:`O(1/d)`. These helpers turn a :func:`attnrmt_lib.sweep.sweep`
table into root-mean-square errors per d, fit the power law, and draw it (and the
rescaled errors); one more figure shows a matrix-free (``method="lanczos"``) spectrum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .bulk import bulk_density, bulk_edges
from .matrix_free import smoothed_bulk_density
from .plotting import SAMPLE, THEORY, _axes
from .power_law import fit_power_law
from .simulation import SimulationResult
from .spikes import overlap, thresholds, top_eigenvalue

__all__ = ["error_table", "plot_critical_window", "plot_density_estimate",
           "plot_error_collapse", "plot_error_scaling"]


def error_table(frame: pd.DataFrame, *, by: str = "d") -> pd.DataFrame:
    r"""Root-mean-square, mean and spread of the errors against theory, per value of ``by``.

    The eigenvalue error is :math:`(\hat\lambda - \lambda_{theory})/\kappa` (units of κ),
    the alignment error :math:`|\hat u^\top u|^2 - \text{theory}`, both at the realised
    ratios. ``*_rms_se`` is the standard error of the RMS, :math:`\text{rms}/\sqrt{2n}`
    (exact for Gaussian errors).

    Parameters
    ----------
    frame : pandas.DataFrame
        A table from :func:`attnrmt_lib.sweep.sweep`.
    by : str, default "d"
        Column to group by.

    Returns
    -------
    pandas.DataFrame
        One row per value of ``by``: ``n``, ``lambda_rms``, ``lambda_rms_se``,
        ``lambda_bias``, ``lambda_sd``, and the same for ``overlap``.
    """
    if by not in frame:
        raise ValueError(f"no column {by!r} in the table")
    errors = pd.DataFrame({
        by: frame[by],
        "lambda": (frame["top_eigenvalue"] - frame["theory_top_eigenvalue"]) / frame["kappa"],
        "overlap": frame["overlap"] - frame["theory_overlap"],
    })
    rows = []
    for value, group in errors.groupby(by, sort=True):
        n = len(group)
        row = {by: value, "n": n}
        for name in ("lambda", "overlap"):
            e = group[name].to_numpy()
            rms = float(np.sqrt(np.mean(e**2)))
            row[f"{name}_rms"] = rms
            row[f"{name}_rms_se"] = rms / np.sqrt(2 * n)
            row[f"{name}_bias"] = float(e.mean())
            row[f"{name}_sd"] = float(e.std(ddof=1)) if n > 1 else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


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
    fig, ax = _axes(ax)
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
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"{by}")
    ax.set_ylabel("root-mean-square error")
    ax.legend(fontsize="small", loc="lower left")
    return fig


def plot_density_estimate(result: SimulationResult, *, band: float = 2.0, smoothed: bool = True,
                          ax=None) -> Figure:
    """A matrix-free spectrum: the KPM density estimate against the bulk law, and the outlier.

    Units of κ. The shaded band is ± ``band`` standard errors of the stochastic estimate;
    the dotted curve (``smoothed=True``) is the bulk law seen through the same Jackson
    kernel, which is what the estimate converges to; the triangle is the simulated top
    eigenvalue and the vertical line its predicted position (above the threshold ρ₂).

    Parameters
    ----------
    result : SimulationResult
        From ``simulate(..., method="lanczos")`` with ``density_probes > 0``.
    band : float, default 2
    smoothed : bool, default True
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if result.density is None:
        raise ValueError("result has no density estimate: simulate with method='lanczos' "
                         "and density_probes > 0")
    fig, ax = _axes(ax)
    k = result.kappa
    x, f, e = result.density_grid / k, result.density * k, result.density_error * k
    ax.fill_between(x, f - band * e, f + band * e, color=SAMPLE, alpha=0.3, lw=0,
                    label=f"estimate ± {band:g} s.e.")
    ax.plot(x, f, color=SAMPLE, lw=1, label=f"matrix-free estimate, d = {result.d:,}")
    lower, upper = bulk_edges(result.delta, result.gamma)
    xt = np.linspace(lower, upper, 800)
    ax.plot(xt, bulk_density(xt, result.delta, result.gamma), color=THEORY, lw=1.2,
            label="bulk law")
    if smoothed:
        step = x[1] - x[0]
        bounds = (x[0] - step / 2, x[-1] + step / 2)
        ax.plot(x, smoothed_bulk_density(x, result.delta, result.gamma, 1.0, bounds,
                                         result.density_moments),
                color="k", ls=":", lw=1, label="bulk law, same smoothing")
    lam = result.top_eigenvalue / k
    ax.plot([lam], [0.0], "v", color=SAMPLE, ms=9, clip_on=False, label="top eigenvalue")
    right = max(upper, lam) * 1.08
    if result.rho > thresholds(result.delta, result.gamma)[1]:
        predicted = top_eigenvalue(result.rho, result.delta, result.gamma)
        ax.axvline(predicted, color=THEORY, ls="--", lw=1, label="outlier (theory)")
        right = max(right, predicted * 1.08)
    ax.set_xlim(min(0.0, x[0]), right)
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel(r"eigenvalue of $S$ / $\kappa$")
    ax.set_ylabel("density")
    ax.set_title(rf"$\delta$ = {result.delta:.3g}, $\gamma$ = {result.gamma:.3g}, "
                 rf"$\rho$ = {result.rho:.3g}")
    ax.legend(loc="upper right", fontsize="small")
    return fig



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
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(8.0, 3.4))
    else:
        fig = axes[0].figure
    d = frame["d"].to_numpy(dtype=float)
    errors = {
        "top eigenvalue": np.sqrt(d) * (frame["top_eigenvalue"] - frame["theory_top_eigenvalue"])
        .to_numpy() / frame["kappa"].to_numpy(),
        "squared alignment": np.sqrt(d) * (frame["overlap"] - frame["theory_overlap"]).to_numpy(),
    }
    jitter = np.random.default_rng(0).uniform(-0.06, 0.06, size=d.size)
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


def plot_critical_window(frame: pd.DataFrame, *, axes=None) -> Figure:
    r"""Top eigenvalue and alignment near the second transition, for several d.

    Means (markers) and ± one standard deviation (bars) over the seeds of a
    :func:`attnrmt_lib.sweep.sweep` table, against :math:`\rho/\rho_2`, with the limits
    (:func:`attnrmt_lib.top_eigenvalue`, :func:`attnrmt_lib.overlap`). Near :math:`\rho_2`
    the finite-d errors stop being :math:`O(d^{-1/2})` Gaussians: the relevant scale of
    :math:`\rho - \rho_2` is the window :math:`d^{-1/3}`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Sweep over ``d`` and ``rho`` at one (δ, γ) with fixed weights (columns ``d``,
        ``rho``, ``top_eigenvalue``, ``kappa``, ``overlap``, ``theory_rho2``,
        ``delta``, ``gamma``).
    """
    if axes is None:
        fig = Figure(figsize=(11.0, 4.0), layout="constrained")
        axes = fig.subplots(1, 2)
    fig = axes[0].figure
    delta, gamma = float(frame["delta"].iloc[0]), float(frame["gamma"].iloc[0])
    rho2 = thresholds(delta, gamma)[1]
    lam = frame["top_eigenvalue"] / frame["kappa"]
    stats = (frame.assign(lam=lam).groupby(["d", "rho"])
             .agg(lam=("lam", "mean"), lam_sd=("lam", "std"),
                  ov=("overlap", "mean"), ov_sd=("overlap", "std")).reset_index())
    r = np.linspace(frame["rho"].min(), frame["rho"].max(), 400)
    axes[0].plot(r / rho2, top_eigenvalue(r, delta, gamma), color=THEORY, lw=1.8,
                 label="limit")
    axes[1].plot(r / rho2, overlap(r, delta, gamma), color=THEORY, lw=1.8, label="limit")
    ds = sorted(stats["d"].unique())
    for i, d in enumerate(ds):
        g = stats[stats["d"] == d]
        shift = 1.0 + 0.008 * (i - (len(ds) - 1) / 2)
        axes[0].errorbar(g["rho"] / rho2 * shift, g["lam"], yerr=g["lam_sd"], marker="os^D"[i % 4],
                         ls="none", capsize=2, label=f"d = {d}")
        axes[1].errorbar(g["rho"] / rho2 * shift, g["ov"], yerr=g["ov_sd"], marker="os^D"[i % 4],
                         ls="none", capsize=2, label=f"d = {d}")
    for ax in axes:
        ax.axvline(1.0, color="0.6", ls=":", lw=1)
        ax.set_xlabel(r"$\rho/\rho_2$")
        ax.legend(fontsize="small")
    axes[0].set_ylabel(r"top eigenvalue / $\kappa$")
    axes[1].set_ylabel(r"$|\hat u^\top u|^2$")
    return fig
