"""Figures of appendix A5, learned pooling:
learned profiles against the optima, singular values.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullFormatter

from .._validation import check_array, check_nonnegative
from ..labels import label_model
from ..learned_pooling import (
    LabelTask,
    PoolingFit,
    PopulationPooling,
    direct_noise_bulk,
    error_optimal_weights,
    predicted_profile_angle,
    profile_cosine,
    profile_error,
    sign_fixed_profile,
    supervised_weights,
)
from ..weights import optimal_weights
from ._style import POPULATION, THEORY, figure_axes, readable

__all__ = ["plot_profile_family", "plot_learned_profiles", "plot_singular_values",
           "plot_learned_pooling", "plot_profile_convergence"]


FACTORISED = "C1"


DIRECT = "C0"


def _angle(p, ref) -> float:
    return float(np.degrees(np.arccos(profile_cosine(p, ref))))


@readable
def plot_profile_family(s, snr: float, *, axes=None) -> Figure:
    r"""The supervised family of profiles: shapes (left) and classification errors (right).

    Left: the supervised optimum at token SNR ``snr`` (q*), the spectral optimum (top
    eigenvector of R), the matched filter s and the exact error minimiser
    (:func:`error_optimal_weights`). Right: the error (:func:`profile_error` at q*) of the
    family member :func:`supervised_weights` ``(s, q)`` as q runs from the spectral value
    :math:`-1/\lambda_{max}(R)` to large values, the three special members marked, and
    the error of the exact minimiser as a horizontal line.

    Parameters
    ----------
    s : array_like, shape (T,)
        Purity profile (T <= 22).
    snr : float
        q* >= 0, the token SNR of the read-out.
    axes : pair of matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    s = check_array(s, "s")
    q_star = check_nonnegative(snr, "snr")
    fig, axes = figure_axes(axes, ncols=2, figsize=(11, 4.0))
    ax_w, ax_e = axes
    best = error_optimal_weights(s, q_star)
    plot_learned_profiles(s, {}, snr=q_star, ax=ax_w)
    t = np.arange(1, s.size + 1)
    ax_w.plot(t, best, "k", ls=(0, (1, 3)), lw=1.5,
              label=f"exact error minimiser: {_angle(best, supervised_weights(s, q_star)):.1f}°")
    ax_w.legend(fontsize="x-small", loc="upper right", title="angle to the supervised optimum",
                title_fontsize="x-small")
    lam_max = float(np.linalg.eigvalsh(label_model(s).R)[-1])
    q_spec = -1.0 / lam_max
    grid = np.linspace(q_spec, max(6.0, 3.0 * q_star), 120)
    errors = [profile_error(supervised_weights(s, q), s, q_star) for q in grid]
    ax_e.plot(grid, errors, color="0.3", lw=1.2,
              label=r"family $w_t \propto s_t/(1 + q(1 - s_t^2))$")
    marks = [(q_spec, POPULATION, "spectral"), (0.0, "0.5", "matched filter"),
             (q_star, THEORY, "supervised")]
    for q, color, name in marks:
        e = profile_error(supervised_weights(s, q), s, q_star)
        ax_e.plot([q], [e], "o", color=color, ms=8, label=f"{name} (q = {q:.2f}): {e:.4f}")
    ax_e.axhline(profile_error(best, s, q_star), color="k", ls=(0, (1, 3)), lw=1.2,
                 label=f"exact minimiser: {profile_error(best, s, q_star):.4f}")
    ax_e.set_xlabel("family parameter q")
    ax_e.set_ylabel("classification error")
    ax_e.legend(fontsize="x-small", loc="upper right",
                title=f"read out with token SNR q* = {q_star:.3g}", title_fontsize="x-small")
    return fig


@readable
def plot_learned_profiles(s, fits: dict, *, snr: float, ax=None) -> Figure:
    r"""Learned positional profiles against the supervised and the spectral optimum.

    Lines: the supervised optimum :func:`supervised_weights` at token SNR ``snr``, the
    spectral optimum (top eigenvector of R, 04_optimal_attention) and the matched filter
    :math:`s/\|s\|` (q = 0). Markers: the profile of each fit (top left singular vector of
    B). The legend gives each curve's angle to the supervised optimum.

    Parameters
    ----------
    s : array_like, shape (T,)
        Purity profile.
    fits : dict
        Name -> :class:`PoolingFit` (or a profile of shape (T,)).
    snr : float
        q >= 0 of the supervised optimum.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    s = check_array(s, "s")
    sup = supervised_weights(s, snr)
    spec = optimal_weights(label_model(s).R)
    fig, ax = figure_axes(ax)
    t = np.arange(1, s.size + 1)
    ax.plot(t, sup, color=THEORY, lw=2, label=f"supervised, q* = {snr:.3g}")
    ax.plot(t, spec, color=POPULATION, lw=1.5, ls="--",
            label=f"spectral (top eigenvector of R): {_angle(spec, sup):.1f}°")
    ax.plot(t, sign_fixed_profile(s), color="0.5", lw=1, ls=":",
            label=f"matched filter s (q = 0): {_angle(s, sup):.1f}°")
    markers = ["s", "o", "^", "D", "v"]
    colors = [FACTORISED, DIRECT, "C4", "C5", "C6"]
    for i, (name, fit) in enumerate(fits.items()):
        p = fit.profile if isinstance(fit, (PoolingFit, PopulationPooling)) \
            else sign_fixed_profile(fit)
        ax.plot(t, p, markers[i % 5], color=colors[i % 5], ms=6, mfc="none", mew=1.5,
                label=f"{name}: {_angle(p, sup):.1f}°")
    ax.axhline(0.0, color="0.8", lw=0.8)
    ax.set_xlabel("position t")
    ax.set_ylabel(r"profile $w_t$ (unit norm)")
    ax.set_xticks(t[:: max(1, s.size // 12)])
    top = max(sup.max(), spec.max())
    ax.set_ylim(min(0.0, sup.min(), spec.min()) - 0.03, 1.25 * top)
    ax.legend(fontsize="x-small", loc="upper right", title="angle to the supervised optimum",
              title_fontsize="x-small")
    return fig


@readable
def plot_singular_values(direct: PoolingFit, factorised: PoolingFit, *, bulk=None,
                         ax=None) -> Figure:
    r"""Singular values of a learned direct B against those of a learned :math:`wv^\top`.

    The factorised matrix has rank one by construction (one non-zero singular value,
    :math:`\|w\|\|v\|`); the direct one has a spike (the population solution is rank one,
    :func:`population_pooling`) plus T - 1 singular values of estimation noise.

    Parameters
    ----------
    direct, factorised : PoolingFit
    bulk : tuple (low, high), optional
        Predicted range of the noise singular values (:func:`direct_noise_bulk`), a band.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    for name, fit in (("direct", direct), ("factorised", factorised)):
        if not isinstance(fit, PoolingFit):
            raise ValueError(f"{name} must be a PoolingFit, got {type(fit).__name__}")
    fig, ax = figure_axes(ax)
    sd, sf = direct.singular_values, factorised.singular_values
    i = np.arange(1, sd.size + 1)
    if bulk is not None:
        low, high = bulk
        ax.axhspan(low, high, color=DIRECT, alpha=0.15, lw=0,
                   label=r"predicted noise range ($\lambda \to 0$)")
    ax.plot(i, sd, "o", color=DIRECT, ms=6, label=r"direct $B$")
    ax.plot([1], sf[:1], "s", color=FACTORISED, ms=10, mfc="none", mew=2,
            label=r"factorised $wv^\top$ ($\sigma_{i>1} = 0$)")
    ax.set_xlabel("index i")
    ax.set_ylabel(r"singular value $\sigma_i$")
    ax.set_ylim(0.0, 1.15 * max(sd[0], sf[0], bulk[1] if bulk is not None else 0.0))
    ax.set_xticks(i)
    ax.legend(fontsize="small", loc="upper right")
    return fig


@readable
def plot_learned_pooling(task: LabelTask, factorised: PoolingFit, direct: PoolingFit, *,
                         n: int | None = None, axes=None) -> Figure:
    r"""Two panels: learned profiles against the optima, and the singular values of B.

    Left: :func:`plot_learned_profiles` with the supervised optimum at :math:`q^\star`
    (:meth:`LabelTask.token_snr`). Right: :func:`plot_singular_values`, with the predicted
    noise range :func:`direct_noise_bulk` when n (the training-set size) exceeds Td + 1.

    Parameters
    ----------
    task : LabelTask
    factorised, direct : PoolingFit
    n : int, optional
        Training-set size (for the predicted noise range).
    axes : pair of matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = figure_axes(axes, ncols=2, figsize=(11, 4.2))
    plot_learned_profiles(task.s, {"factorised": factorised, "direct": direct},
                          snr=task.token_snr(), ax=axes[0])
    bulk = None
    if n is not None and n > task.T * task.d + 1 and task.delta < 1:
        bulk = direct_noise_bulk(task, n)
    plot_singular_values(direct, factorised, bulk=bulk, ax=axes[1])
    title = rf"$\lambda$ = {direct.lam:.3g}"
    if n is not None:
        title = f"n = {n} sequences, " + title
    axes[1].set_title(title, fontsize="medium")
    return fig


@readable
def plot_profile_convergence(table, task: LabelTask | None = None, *, axes=None) -> Figure:
    r"""Angle to the supervised optimum and test error against the sample size.

    Left: root-mean-square over seeds of the angle between each learned profile and the
    supervised optimum, with the predictions of :func:`predicted_profile_angle` (dashed)
    and the angle of the spectral optimum (a horizontal line). Right: mean test error
    (:func:`classification_error`) with the errors of the supervised and the spectral
    profile read out along the best direction (:func:`profile_error` at :math:`q^\star`).
    Shaded: the range over seeds.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`profile_convergence`.
    task : LabelTask, optional
        The task of the table, for the reference lines and predictions.
    axes : pair of matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = figure_axes(axes, ncols=2, figsize=(11, 4.0))
    ax_a, ax_e = axes
    n_all = np.sort(table["n"].unique()).astype(float)
    grid = np.geomspace(n_all[0], n_all[-1], 200)
    for name, color, marker in (("factorised", FACTORISED, "s"), ("direct", DIRECT, "o")):
        part = table[table.parameterisation == name]
        if part.empty:
            continue
        g = part.groupby("n")
        n = np.asarray(sorted(g.groups), dtype=float)
        rms = np.sqrt(g["angle_supervised"].apply(lambda a: np.mean(np.square(a))))
        ax_a.plot(n, rms.to_numpy(), marker + "-", color=color, ms=5, label=f"{name} (RMS)")
        ax_a.fill_between(n, g["angle_supervised"].min(), g["angle_supervised"].max(),
                          color=color, alpha=0.15, lw=0)
        ax_e.plot(n, g["error"].mean().to_numpy(), marker + "-", color=color, ms=5,
                  label=name)
        ax_e.fill_between(n, g["error"].min(), g["error"].max(), color=color, alpha=0.15,
                          lw=0)
        if task is not None:
            # The first-order prediction needs n well above the number of parameters.
            valid = grid if name == "factorised" else grid[grid > 2 * (task.T * task.d + 1)]
            if valid.size:
                ax_a.plot(valid, predicted_profile_angle(task, np.round(valid), name),
                          color=color, ls="--", lw=1, label=f"{name}, prediction")
    if task is not None:
        for ax in axes:
            ax.axvline(task.T * task.d, color="0.6", ls=":", lw=1,
                       label=f"n = Td = {task.T * task.d}"
                       if ax is ax_e else None)
        q = task.token_snr()
        sup, spec = supervised_weights(task.s, q), optimal_weights(task.R)
        ax_a.axhline(_angle(spec, sup), color=POPULATION, ls="--", lw=1.2,
                     label="spectral optimum")
        ax_e.axhline(profile_error(sup, task.s, q), color=THEORY, lw=1.2,
                     label="supervised optimum")
        ax_e.axhline(profile_error(spec, task.s, q), color=POPULATION, ls="--", lw=1.2,
                     label="spectral profile, best read-out")
    ax_a.set_ylabel("angle to supervised optimum (°)", fontsize="small")
    ax_a.set_yscale("log")
    ax_a.yaxis.set_major_locator(FixedLocator([0.5, 1, 2, 5, 10, 20, 50, 100]))
    ax_a.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax_a.yaxis.set_minor_formatter(NullFormatter())
    ax_e.set_ylabel("test error")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("training sequences n")
    ax_a.legend(fontsize="small", loc="lower left")
    low, high = ax_e.get_ylim()
    ax_e.set_ylim(low, high + 0.5 * (high - low))  # room for the legend above the curves
    ax_e.legend(fontsize="x-small", loc="upper right")
    return fig
