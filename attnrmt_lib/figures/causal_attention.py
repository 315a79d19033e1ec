"""Figures of the harmonic causal weights chapter (05_causal_attention):
profiles, finite-d error, gain over the mean.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from ..causal import (causal_attention_limit, causal_weight_error, causal_weight_error_theory,
                      harmonic_threshold)
from ..correlation import markov
from ..labels import geometric_purity, label_max_snr, label_model, label_snr
from ..power_law import fit_power_law
from ..spikes import overlap, thresholds, top_eigenvalue
from ..weights import harmonic_weights, mean_weights, optimal_weights, snr
from ._style import POPULATION, SAMPLE, THEORY, figure_axes, readable, twin_axes

__all__ = ["plot_causal_weights", "plot_causal_weight_error", "plot_harmonic_gain",
           "plot_pooling_alignment", "plot_causal_profile", "plot_causal_attention_limit"]


@readable
def plot_causal_weights(T: int = 16, taus=(0.0, 1.0, 2.0, 4.0), *, ax=None) -> Figure:
    r"""Limit pooling weights :math:`w_s(\tau)` of causal softmax attention against position.

    Parameters
    ----------
    T : int, default 16
        Sequence length.
    taus : iterable of float
        Score scales τ; τ = 0 is the harmonic profile :math:`(H_T - H_{s-1})/T`.
    ax : matplotlib axes, optional
    """
    fig, ax = figure_axes(ax)
    s = np.arange(1, T + 1)
    taus = list(taus)
    colors = [THEORY] + [f"C{k}" for k in (0, 2, 4, 5, 6, 8, 9)]
    for k, tau in enumerate(taus):
        label = rf"$\tau$ = {tau:g}" + (" (harmonic)" if tau == 0 else "")
        ax.plot(s, harmonic_weights(T, tau), "o-", ms=3.5, lw=1.2,
                color=colors[k % len(colors)], label=label)
    ax.axhline(1.0 / T, color="0.3", ls="--", lw=1, label=r"mean pooling $1/T$")
    ax.set_xlabel("position $s$")
    ax.set_ylabel(r"weight $w_s(\tau)$")
    ax.set_title(f"causal attention weights as $d\\to\\infty$, T = {T}")
    ax.legend(loc="upper right", fontsize="small")
    return fig


@readable
def plot_causal_weight_error(
    T: int = 16,
    taus=(0.5, 1.0, 2.0),
    ds=(100, 200, 400, 800, 1600, 3200, 8000),
    *,
    tau_grid=(0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0),
    d_tau: int = 1000,
    n: int = 200,
    seed=0,
    axes=None,
) -> Figure:
    r"""Distance of finite-d causal attention weights from their limit: d- and τ-scaling.

    Left: :func:`~attnrmt_lib.causal.causal_weight_error` against d on log-log axes for
    each τ in ``taus``, with the fitted slope (expected -1/2) and the first-order
    prediction :math:`\tau C(T,\tau)/\sqrt d`. Right: the error times :math:`\sqrt d` at
    d = ``d_tau`` against τ, with the prediction :math:`\tau C(T,\tau)`.
    """
    fig, axes = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    ax_d, ax_tau = axes
    ds = np.asarray(ds, dtype=int)
    taus = np.asarray(taus, dtype=float)
    errors = np.array([causal_weight_error(T, taus, int(d), n=n, seed=seed) for d in ds])
    grid = np.geomspace(ds.min(), ds.max(), 100)
    for k, tau in enumerate(taus):
        color = f"C{k}"
        slope = fit_power_law(ds, errors[:, k]).slope
        ax_d.loglog(ds, errors[:, k], "o", color=color, ms=5,
                    label=rf"$\tau$ = {tau:g}: fitted slope {slope:.3f}")
        ax_d.loglog(grid, causal_weight_error_theory(T, tau, grid), "-", color=color, lw=1)
    ax_d.plot([], [], "-", color="0.3", lw=1, label=r"first order $\tau C(T,\tau)/\sqrt{d}$")
    ax_d.set_xlabel("embedding dimension $d$")
    ax_d.set_ylabel(r"rms $\|\hat w - w(\tau)\|_2$")
    ax_d.legend(loc="lower left", fontsize="small")
    tau_grid = np.asarray(tau_grid, dtype=float)
    measured = causal_weight_error(T, tau_grid, int(d_tau), n=n, seed=seed)
    fine = np.linspace(0.0, tau_grid.max() * 1.05, 300)
    ax_tau.plot(fine, causal_weight_error_theory(T, fine), color=THEORY,
                label=r"first order $\tau C(T,\tau)$")
    ax_tau.plot(tau_grid, measured * np.sqrt(d_tau), "o", color=SAMPLE, ms=5,
                label=f"simulation, d = {int(d_tau)}")
    ax_tau.set_xlabel(r"score scale $\tau$")
    ax_tau.set_ylabel(r"rms error $\times\sqrt{d}$")
    ax_tau.set_ylim(bottom=0)
    ax_tau.legend(loc="upper right", fontsize="small")
    return fig


@readable
def plot_harmonic_gain(
    T: int = 16,
    s0=(0.5, 0.7, 0.9),
    tau: float = 0.0,
    *,
    phis=None,
    markov_T=(4, 16, 64),
    axes=None,
) -> Figure:
    r"""Ratio of α/κ, causal (harmonic) over mean pooling, across sign models.

    Left: label model with purity :math:`s_t = s_0 r^{t-1}` against the decay r, one curve
    per :math:`s_0`, with the threshold r*(T, τ) (the same for every :math:`s_0`) marked.
    Right: stationary Markov signs :math:`R_{ts} = \varphi^{|t-s|}` against φ for several T.
    Above the dashed line at 1 causal pooling beats mean pooling.
    """
    fig, axes = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    ax_l, ax_m = axes
    w = harmonic_weights(T, tau)
    m = mean_weights(T)
    r = np.linspace(0.0, 1.0, 401)
    for k, a in enumerate(np.atleast_1d(s0)):
        s = geometric_purity(T, float(a), r)
        ax_l.plot(r, label_snr(w, s) / label_snr(m, s), color=f"C{k}",
                  label=rf"$s_0$ = {a:g}")
    r_star = harmonic_threshold(T, tau)
    if 0 < r_star < 1:
        ax_l.axvline(r_star, color=THEORY, ls=":", lw=1.2)
        ax_l.text(r_star, 0.02, rf" $r^*$ = {r_star:.3f}", color=THEORY,
                  transform=ax_l.get_xaxis_transform(), ha="right" if r_star > 0.5 else "left")
    ax_l.set_xlabel(r"purity decay $r$  ($s_t = s_0 r^{t-1}$)")
    ax_l.set_ylabel(r"$(\alpha/\kappa)_{\rm causal} / (\alpha/\kappa)_{\rm mean}$")
    ax_l.set_title(f"label model, T = {T}, " + rf"$\tau$ = {tau:g}")
    ax_l.legend(loc="upper left", fontsize="small")
    phis = np.linspace(0.0, 0.98, 50) if phis is None else np.asarray(phis, dtype=float)
    for k, TT in enumerate(markov_T):
        wT, mT = harmonic_weights(TT, tau), mean_weights(TT)
        ratio = [snr(wT, markov(TT, float(p)).R) / snr(mT, markov(TT, float(p)).R)
                 for p in phis]
        ax_m.plot(phis, ratio, color=f"C{k}", label=f"T = {TT}")
    ax_m.set_xlabel(r"Markov correlation $\varphi$  ($R_{ts} = \varphi^{|t-s|}$)")
    ax_m.set_ylabel(r"$(\alpha/\kappa)_{\rm causal} / (\alpha/\kappa)_{\rm mean}$")
    ax_m.set_title(rf"stationary Markov signs, $\tau$ = {tau:g}")
    ax_m.legend(loc="lower left", fontsize="small")
    for ax in axes:
        ax.axhline(1.0, color="0.3", ls="--", lw=1)
    return fig


@readable
def plot_pooling_alignment(simulations, delta: float | None = None, gamma: float | None = None,
                           *, mu_max: float | None = None, axes=None) -> Figure:
    r"""Top eigenvalue and alignment against ‖μ‖² for several poolings, with theory.

    Parameters
    ----------
    simulations : mapping from label to a sequence of SimulationResult
        One entry per pooling (e.g. mean weights, ``CausalAttention(tau)``); every result
        of an entry is drawn at its ‖μ‖².
    delta, gamma : float, optional
        Ratios for the theory curves (default: the mean realised ones).
    mu_max : float, optional
        Right end of the ‖μ‖² axis (default: 1.05 × the largest simulated ‖μ‖²).
    axes : pair of matplotlib axes, optional

    Notes
    -----
    Each theory curve is :func:`~attnrmt_lib.top_eigenvalue` and
    :func:`~attnrmt_lib.overlap` at :math:`\rho = (\alpha/\kappa)\|\mu\|^2`, with α/κ the
    mean realised ratio of the entry's runs (for real causal attention the weights are
    random, so the realised α and κ are averages over sequences). The detection threshold
    :math:`\|\mu\|^2 = \rho_2\kappa/\alpha` of each pooling is marked.
    """
    fig, axes = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    ax_val, ax_vec = axes
    entries = {name: list(runs) for name, runs in simulations.items()}
    everything = [run for runs in entries.values() for run in runs]
    if not everything:
        raise ValueError("simulations must contain at least one result")
    delta = float(np.mean([s.delta for s in everything])) if delta is None else delta
    gamma = float(np.mean([s.gamma for s in everything])) if gamma is None else gamma
    _, rho2 = thresholds(delta, gamma)
    top = mu_max or 1.05 * max(s.mu_norm2 for s in everything)
    grid = np.linspace(0.0, top, 400)
    for k, (name, runs) in enumerate(entries.items()):
        color = f"C{k}"
        gain = float(np.mean([s.alpha / s.kappa for s in runs]))
        rho = gain * grid
        ax_val.plot(grid, top_eigenvalue(rho, delta, gamma), color=color, lw=1.2)
        ax_vec.plot(grid, overlap(rho, delta, gamma), color=color, lw=1.2,
                    label=rf"{name}: $\alpha/\kappa$ = {gain:.3g}")
        mu = [s.mu_norm2 for s in runs]
        ax_val.plot(mu, [s.top_eigenvalue / s.kappa for s in runs], "o", color=color, ms=4)
        ax_vec.plot(mu, [s.overlap for s in runs], "o", color=color, ms=4)
        for ax in axes:
            ax.axvline(rho2 / gain, color=color, ls=":", lw=1)
    ax_vec.plot([], [], "o", color="0.3", ms=4, label="simulation")
    ax_vec.plot([], [], "-", color="0.3", lw=1.2, label="theory (realised α/κ)")
    for ax in axes:
        ax.set_xlabel(r"signal strength $\|\mu\|^2$")
        ax.set_xlim(0, top)
    ax_val.set_ylabel(r"top eigenvalue / $\kappa$")
    ax_vec.set_ylabel(r"$|\hat u^\top u|^2$")
    ax_vec.legend(loc="lower right", fontsize="small")
    ax_val.set_title(rf"$\delta$ = {delta:.3g}, $\gamma$ = {gamma:.3g}; dotted: thresholds",
                     fontsize="medium")
    return fig


@readable
def plot_causal_profile(tau: float = 0.0, r: float = 0.8, s0: float = 0.9, T: int = 16,
                        *, axes=None) -> Figure:
    r"""Causal weights against mean and optimal pooling for one label model, and α/κ over r.

    Left: the limit weights :math:`w(\tau)`, mean pooling and the optimal weights (top
    eigenvector of R, scaled to sum to one) for purity :math:`s_t = s_0 r^{t-1}`, whose
    profile is drawn on the right axis. Right: α/κ of the three poolings against r, the
    chosen r and the threshold r*(T, τ) marked. Theory only (fast enough for sliders).
    """
    fig, axes = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    ax_w, ax_g = axes
    pos = np.arange(1, T + 1)
    w = harmonic_weights(T, tau)
    m = mean_weights(T)
    s = geometric_purity(T, s0, r)
    top = optimal_weights(label_model(s).R)
    # R = I (r = 0 or s0 = 0) makes every w optimal: show mean pooling then.
    opt = top / top.sum() if top.sum() > 1e-6 else m
    ax_w.plot(pos, w, "o-", ms=3.5, color=THEORY, label=rf"causal, $\tau$ = {tau:g}")
    ax_w.plot(pos, m, "--", color="0.3", label="mean")
    ax_w.plot(pos, opt, "s-", ms=3, lw=1, color=POPULATION, label="optimal (sum 1)")
    ax_w.set_xlabel("position $t$")
    ax_w.set_ylabel("pooling weight")
    ax_w.set_ylim(bottom=min(0.0, float(opt.min()) * 1.1))
    twin = twin_axes(ax_w)
    twin.bar(pos, s, color=SAMPLE, alpha=0.15, width=0.8)
    twin.set_ylim(0, 1.02)
    twin.set_ylabel(r"purity $s_t$ (bars)", color=SAMPLE)
    ax_w.set_zorder(twin.get_zorder() + 1)
    ax_w.patch.set_visible(False)
    ax_w.legend(loc="upper right", fontsize="small")
    grid = np.linspace(0.0, 1.0, 201)
    profiles = geometric_purity(T, s0, grid)
    ax_g.plot(grid, label_snr(w, profiles), color=THEORY, label=rf"causal, $\tau$ = {tau:g}")
    ax_g.plot(grid, label_snr(m, profiles), "--", color="0.3", label="mean")
    ax_g.plot(grid, label_max_snr(profiles), color=POPULATION, ls="-.",
              label=r"optimal, $\lambda_{\max}(R)$")
    ax_g.axvline(r, color=SAMPLE, lw=1)
    r_star = harmonic_threshold(T, tau)
    if 0 < r_star < 1:
        ax_g.axvline(r_star, color=THEORY, ls=":", lw=1.2)
        ax_g.text(r_star, 0.97, r"$r^*$ ", color=THEORY, ha="right", va="top",
                  transform=ax_g.get_xaxis_transform())
    gain = label_snr(w, s) / label_snr(m, s)
    # Two lines: on one, the title ran past the figure's edge.
    ax_g.set_title(rf"$s_0$ = {s0:g}, r = {r:.3g}" + f"\ncausal / mean = {gain:.3f}",
                   fontsize="medium")
    ax_g.set(xlabel=r"purity decay $r$", ylabel=r"$\alpha/\kappa$", yscale="log")
    ax_g.legend(loc="upper left", fontsize="small")
    return fig


@readable
def plot_causal_attention_limit(T: int = 16, taus=(0.0, 2.0), *, axes=None) -> Figure:
    r"""Heat maps of the limit causal attention matrix :math:`(a_{ts})` and its column means.

    One panel per τ shows :math:`a_{ts}` (:func:`attnrmt_lib.causal.causal_attention_limit`):
    query t (rows) puts :math:`e^\tau/(e^\tau + t - 1)` on itself and
    :math:`1/(e^\tau + t - 1)` on each earlier token, nothing on later ones (white). The last
    panel shows the column means, the pooling weights :math:`w_s(\tau)`
    (:func:`attnrmt_lib.harmonic_weights`): early tokens collect attention from every later
    query.

    Parameters
    ----------
    T : int, default 16
        Sequence length.
    taus : sequence of float, default (0, 2)
        Score scales τ >= 0, one heat map each.
    axes : sequence of len(taus) + 1 matplotlib axes, optional
    """
    taus = [float(t) for t in np.atleast_1d(np.asarray(taus, dtype=float))]
    if not taus:
        raise ValueError("taus must hold at least one score scale")
    mats = [causal_attention_limit(T, tau) for tau in taus]
    fig, axes = figure_axes(axes, ncols=len(taus) + 1, figsize=(3.3 * (len(taus) + 1), 3.5),
                            squeeze=False)
    image = None
    # a log scale: the entries run from about 1/(e^tau + T) up to 1
    norm = LogNorm(vmin=min(float(a[a > 0].min()) for a in mats), vmax=1.0)
    for ax, a, tau in zip(axes[:-1], mats, taus):
        shown = np.where(np.tril(np.ones_like(a)) > 0, a, np.nan)
        image = ax.imshow(shown, cmap="viridis", norm=norm, interpolation="nearest",
                          extent=(0.5, T + 0.5, T + 0.5, 0.5))
        ax.set_title(rf"$a_{{ts}}$, $\tau$ = {tau:g}")
        ax.set_xlabel("key $s$")
        ax.set_ylabel("query $t$")
    fig.colorbar(image, ax=list(axes[:-1]), shrink=0.85, label="attention")
    s = np.arange(1, T + 1)
    for a, tau in zip(mats, taus):
        axes[-1].plot(s, a.mean(axis=0), "o-", ms=3, label=rf"$\tau$ = {tau:g}")
    axes[-1].axhline(1.0 / T, color="0.5", ls=":", label="mean pooling")
    axes[-1].set_title(r"column means $w_s$")
    axes[-1].set_ylabel("weight")
    axes[-1].set_xlabel("position $s$")
    axes[-1].legend(fontsize="small")
    return fig
