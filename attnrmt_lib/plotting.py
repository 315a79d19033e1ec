"""Figures comparing simulation with theory.

Every function returns a :class:`matplotlib.figure.Figure` that is not registered with
pyplot, so a notebook cell ending in the call shows it exactly once and widgets can redraw
it without leaking figures. Pass ``ax`` to draw into an existing axes instead.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from .bai_yao import bai_yao_derivative, bai_yao_map
from .bulk import bulk_atom, bulk_density, bulk_edges
from .causal import (
    causal_weight_error,
    causal_weight_error_theory,
    geometric_purity,
    harmonic_threshold,
    label_snr,
)
from .correlation import label_model as _label_model
from .correlation import markov as _markov
from .power_law import fit_power_law
from .phase_diagram import paul_overlap, paul_top_eigenvalue, threshold_grid
from .simulation import SimulationResult
from .spikes import (
    overlap,
    population_outlier,
    population_overlap,
    thresholds,
    top_eigenvalue,
)
from .weights import harmonic_weights as _harmonic_weights
from .weights import mean_weights as _mean_weights
from .weights import snr as _snr

__all__ = [
    "plot_bulk_density",
    "plot_mean_token_outlier",
    "plot_spectrum",
    "plot_phase_transition",
    "plot_correlation_matrices",
    "plot_pooled_projections",
    "plot_centering_comparison",
    "plot_bulk_limits",
    "plot_bulk_simulation",
    "plot_vocabulary_cost",
    "plot_weight_profiles",
    "plot_detection_thresholds",
    "plot_alignment_vs_signal",
    "plot_purity_comparison",
    "plot_causal_weights",
    "plot_causal_weight_error",
    "plot_harmonic_gain",
    "plot_pooling_alignment",
    "plot_causal_profile",
    "plot_phase_diagram",
    "plot_bai_yao_map",
    "plot_paul_limit",
    "plot_finite_size_transition",
]

THEORY = "C3"
SAMPLE = "C0"
POPULATION = "C2"


def _axes(ax, ncols=1, figsize=(6.4, 3.8)):
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def plot_bulk_density(delta: float, gamma: float, kappa: float = 1.0, *, ax=None) -> Figure:
    """The density of κ(MP_δ ⊠ MP_γ) with its edges and atom."""
    fig, ax = _axes(ax)
    lower, upper = bulk_edges(delta, gamma, kappa)
    x = np.linspace(lower, upper, 800)
    ax.plot(x, bulk_density(x, delta, gamma, kappa), color=THEORY,
            label=rf"$\kappa(\mathrm{{MP}}_{{{delta:g}}}\boxtimes\mathrm{{MP}}_{{{gamma:g}}})$")
    for edge in (lower, upper):
        ax.axvline(edge, color="0.6", lw=0.8, ls=":")
    atom = bulk_atom(delta, gamma)
    if atom > 0:
        ax.annotate(f"atom {atom:.2f} at 0", xy=(0, 0), xytext=(0.02, 0.9),
                    textcoords="axes fraction")
    ax.set_xlabel(r"eigenvalue $\lambda$")
    ax.set_ylabel("density")
    ax.legend(loc="upper right")
    return fig


def plot_spectrum(result: SimulationResult, *, bins: int = 80, ax=None) -> Figure:
    """Histogram of a simulated spectrum against the bulk law and the predicted outlier.

    Eigenvalues are shown in units of κ. The histogram is normalised by d, so its
    continuous part integrates to one minus the atom at zero, like the theory curve. Eigenvalues beyond the bulk edge are marked, and
    the predicted top eigenvalue is drawn when the signal is above the threshold ρ₂.
    """
    if result.eigenvalues is None:  # method="lanczos": a density estimate, no eigenvalues
        from .finite_size import plot_density_estimate

        return plot_density_estimate(result, ax=ax)
    fig, ax = _axes(ax)
    # Work in units of κ so that figures for different weights share one scale.
    ev = result.eigenvalues / result.kappa
    delta, gamma = result.delta, result.gamma
    lower, upper = bulk_edges(delta, gamma)
    in_bulk = ev[ev <= upper * 1.05]
    edges = np.linspace(0.0 if lower < 0.05 * upper else lower * 0.95, upper * 1.05, bins + 1)
    ax.hist(in_bulk, bins=edges, weights=np.full(in_bulk.size, 1.0 / ev.size / np.diff(edges)[0]),
            color=SAMPLE, alpha=0.45, label=f"simulation, d = {result.d}")
    x = np.linspace(lower, upper, 800)
    ax.plot(x, bulk_density(x, delta, gamma), color=THEORY, label="bulk law")
    outliers = ev[ev > upper * 1.05]
    _, rho2 = thresholds(delta, gamma)
    right = upper * 1.1
    if outliers.size:
        ax.plot(outliers, np.zeros_like(outliers), "v", color=SAMPLE, ms=9,
                label="outlier (simulated)", clip_on=False)
        right = max(right, outliers.max() * 1.08)
    if result.rho > rho2:
        predicted = top_eigenvalue(result.rho, delta, gamma)
        ax.axvline(predicted, color=THEORY, ls="--", lw=1, label="outlier (theory)")
        right = max(right, predicted * 1.08)
    ax.set_xlim(edges[0], right)
    ax.set_xlabel(r"eigenvalue of $S$ / $\kappa$")
    ax.set_ylabel("density")
    ax.set_title(rf"$\delta$ = {delta:.3g}, $\gamma$ = {gamma:.3g}, $\rho$ = {result.rho:.3g}")
    ax.legend(loc="upper right", fontsize="small")
    return fig


def plot_phase_transition(
    delta: float,
    gamma: float,
    *,
    rho_max: float | None = None,
    simulations=(),
    axes=None,
) -> Figure:
    """Top eigenvalue (in units of κ) and squared alignment against ρ, both thresholds marked.

    Parameters
    ----------
    delta, gamma : float
        Ratios of the model.
    rho_max : float, optional
        Right end of the ρ axis (default: 2.5 ρ₂).
    simulations : iterable of SimulationResult
        Simulated points to overlay (each at its realised ρ).
    axes : pair of matplotlib axes, optional
        Where to draw; a new two-panel figure by default.
    """
    rho1, rho2 = thresholds(delta, gamma)
    rho = np.linspace(0.0, rho_max or 2.5 * rho2, 600)
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(10, 3.8))
    else:
        fig = axes[0].figure
    ax_val, ax_vec = axes
    ax_val.plot(rho, top_eigenvalue(rho, delta, gamma), color=THEORY, label="sample (theory)")
    ax_val.plot(rho, population_outlier(rho, delta), color=POPULATION, ls=":",
                label="population (theory)")
    ax_vec.plot(rho, overlap(rho, delta, gamma), color=THEORY, label="sample (theory)")
    ax_vec.plot(rho, population_overlap(rho, delta), color=POPULATION, ls=":",
                label="population (theory)")
    sims = list(simulations)
    if sims:
        r = [s.rho for s in sims]
        ax_val.plot(r, [s.top_eigenvalue / s.kappa for s in sims], "o", color=SAMPLE, ms=4,
                    label="simulation")
        ax_vec.plot(r, [s.overlap for s in sims], "o", color=SAMPLE, ms=4, label="simulation")
    for ax in axes:
        ax.axvline(rho1, color=POPULATION, lw=0.8, ls="--")
        ax.axvline(rho2, color=THEORY, lw=0.8, ls="--")
        ax.set_xlabel(r"$\rho = \alpha\|\mu\|^2/\kappa$")
    ymax = ax_vec.get_ylim()[1]
    ax_vec.text(rho1, 0.97 * ymax, r" $\rho_1$", va="top")
    ax_vec.text(rho2, 0.97 * ymax, r" $\rho_2$", va="top")
    ax_val.set_ylabel(r"top eigenvalue / $\kappa$")
    ax_vec.set_ylabel(r"$|\hat u^\top u|^2$")
    ax_val.legend(loc="upper left", fontsize="small")
    ax_vec.legend(loc="lower right", fontsize="small")
    return fig


# --- Chapter "The model" (01_model): correlation matrices, pooled data, centering. ---


def plot_correlation_matrices(models, *, titles=None, axes=None, cmap: str = "RdBu_r") -> Figure:
    r"""Heatmaps of positional correlation matrices :math:`R = \mathbb E[\xi\xi^\top]`, side by side.

    Parameters
    ----------
    models : sequence or dict
        :class:`~attnrmt_lib.PositionalModel` objects or T×T matrices (a dict maps titles to
        them). All panels share the colour scale [-1, 1] and one colour bar.
    titles : sequence of str, optional
        Panel titles (default: the dict keys, else each model's ``name``); the largest
        eigenvalue of R, the best α/κ any pooling can reach, is appended.
    axes : sequence of matplotlib axes, optional
        One per model; a new one-row figure by default.
    cmap : str, default "RdBu_r"
        A diverging colour map (zero correlation is white).
    """
    from .correlation import PositionalModel

    if isinstance(models, dict):
        titles = list(models) if titles is None else list(titles)
        models = list(models.values())
    else:
        models = list(models)
    if not models:
        raise ValueError("models must contain at least one model or matrix")
    matrices = [np.asarray(m.R if isinstance(m, PositionalModel) else m, dtype=float)
                for m in models]
    for R in matrices:
        if R.ndim != 2 or R.shape[0] != R.shape[1]:
            raise ValueError(f"every correlation matrix must be square, got shape {R.shape}")
    if titles is None:
        titles = [getattr(m, "name", f"model {i + 1}") for i, m in enumerate(models)]
    if len(titles) != len(matrices):
        raise ValueError(f"got {len(titles)} titles for {len(matrices)} models")
    if axes is None:
        fig, axes = _axes(None, ncols=len(matrices), figsize=(2.9 * len(matrices) + 0.8, 3.3))
        axes = np.atleast_1d(axes)
    else:
        axes = np.atleast_1d(axes)
        fig = axes[0].figure
    if len(axes) != len(matrices):
        raise ValueError(f"got {len(axes)} axes for {len(matrices)} models")
    image = None
    for ax, R, title in zip(axes, matrices, titles):
        T = R.shape[0]
        image = ax.imshow(R, cmap=cmap, vmin=-1.0, vmax=1.0, origin="upper",
                          extent=(0.5, T + 0.5, T + 0.5, 0.5), interpolation="nearest")
        lam = np.linalg.eigvalsh((R + R.T) / 2)[-1]
        ax.set_title(f"{title}\n" + rf"$\lambda_{{max}}(R)$ = {lam:.3g}", fontsize="medium")
        ax.set_xlabel("position $s$")
        ticks = sorted({1, (T + 1) // 2, T})
        ax.set_xticks(ticks)
        ax.set_yticks(ticks)
    axes[0].set_ylabel("position $t$")
    fig.colorbar(image, ax=list(axes), shrink=0.8, label=r"$R_{ts}$")
    return fig


def plot_pooled_projections(data, *, direction=None, seed=0, ax=None,
                            max_points: int = 3000) -> Figure:
    r"""Scatter of pooled vectors projected on the signal direction u and on another direction.

    Each point is one pooled vector :math:`c_n`, at :math:`(c_n\cdot u, c_n\cdot v)/\sqrt\kappa`,
    coloured by its signal coefficient :math:`(\Xi w)_n = \sum_t w_t\xi_{n,t}`. Along u the
    classes separate by :math:`(\Xi w)_n\|\mu\|`; along a direction v orthogonal to u there
    is only noise, of variance close to κ.

    Parameters
    ----------
    data : attnrmt_lib.pooling.PooledData
        Output of :func:`attnrmt_lib.pooling.pool_sequences`.
    direction : array_like of shape (d,), optional
        The second direction v (made orthogonal to u and normalised); default a random one.
    seed : int, default 0
        Seed for the random direction and for subsampling the points.
    ax : matplotlib axes, optional
    max_points : int, default 3000
        At most this many points are drawn (a random subset).
    """
    fig, ax = _axes(ax, figsize=(5.6, 4.4))
    rng = np.random.default_rng(seed)
    u = data.u
    v = rng.standard_normal(u.size) if direction is None else np.asarray(direction, dtype=float)
    if v.shape != u.shape:
        raise ValueError(f"direction must have shape {u.shape}, got {v.shape}")
    length = np.linalg.norm(v)
    v = v - (v @ u) * u
    norm = np.linalg.norm(v)
    if not norm > 1e-10 * length:
        raise ValueError("direction must not be parallel to the signal direction u")
    v /= norm
    keep = np.arange(data.N)
    if data.N > max_points:
        keep = np.sort(rng.choice(data.N, size=max_points, replace=False))
    scale = np.sqrt(data.kappa)
    x = data.C[keep] @ u / scale
    y = data.C[keep] @ v / scale
    coef = data.signal[keep]
    top = max(float(np.abs(data.signal).max()), 1e-12)
    points = ax.scatter(x, y, c=coef, cmap="coolwarm", vmin=-top, vmax=top, s=7, alpha=0.8,
                        linewidths=0)
    fig.colorbar(points, ax=ax, label=r"signal coefficient $(\Xi w)_n$")
    ax.set_xlabel(r"$c_n\cdot u\,/\sqrt{\kappa}$ (signal direction)")
    ax.set_ylabel(r"$c_n\cdot v\,/\sqrt{\kappa}$ (random direction)")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_title(rf"N = {data.N} pooled vectors, d = {data.d}, $\rho$ = {data.rho:.3g}")
    return fig


def plot_centering_comparison(centered: SimulationResult, uncentered: SimulationResult, *,
                              bins: int = 80, axes=None) -> Figure:
    r"""Spectra of S with a centered and with an uncentered vocabulary table, side by side.

    Both panels are :func:`plot_spectrum` (units of κ). The uncentered panel also marks
    where the mean token :math:`\bar z` puts its spurious outlier: the top eigenvalue
    predicted for :math:`\rho_{spur} = (\sum_t w_t)^2\delta/\kappa`
    (:func:`~attnrmt_lib.mean_token_snr`), drawn when it exceeds :math:`\rho_2`.

    Parameters
    ----------
    centered, uncentered : SimulationResult
        Runs of :func:`attnrmt_lib.simulate` with ``center_table=True`` and ``False``.
    bins : int, default 80
    axes : pair of matplotlib axes, optional
    """
    from .spikes import mean_token_snr

    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(11, 3.9))
    else:
        fig = axes[0].figure
    ax_c, ax_u = axes
    plot_spectrum(centered, bins=bins, ax=ax_c)
    plot_spectrum(uncentered, bins=bins, ax=ax_u)
    ax_c.set_title("centered table\n" + ax_c.get_title())
    ax_u.set_title("uncentered table\n" + ax_u.get_title())
    delta, gamma = uncentered.delta, uncentered.gamma
    rho_spur = mean_token_snr(uncentered.weights, delta)
    _, rho2 = thresholds(delta, gamma)
    if rho_spur > rho2:
        spur = top_eigenvalue(rho_spur, delta, gamma)
        ax_u.axvline(spur, color="C1", ls="-.", lw=1.2,
                     label=rf"spurious outlier (theory, $\rho_{{spur}}$ = {rho_spur:.3g})")
    for ax in axes:
        # The region above the right half of the bulk is empty; outliers sit further right.
        ax.legend(loc="upper left", bbox_to_anchor=(0.14, 0.99), fontsize="small")
    right = max(ax_c.get_xlim()[1], ax_u.get_xlim()[1],
                top_eigenvalue(rho_spur, delta, gamma) * 1.08)
    for ax in axes:
        ax.set_xlim(ax.get_xlim()[0], right)
    return fig


# --- Chapter 2 (the bulk law): limits, simulation against theory, cost of a finite vocabulary.

def _fresh_token_density(x, gamma, kappa=1.0):
    """Density of κ MP_γ, the bulk for fresh Gaussian tokens (δ → 0)."""
    from .marchenko_pastur import mp_density

    return mp_density(np.asarray(x, dtype=float) / kappa, gamma) / kappa


def plot_bulk_limits(fixed: float, values, *, vary: str = "delta", kappa: float = 1.0,
                     ax=None) -> Figure:
    r"""Densities of κ(MP_δ ⊠ MP_γ) as one ratio shrinks, against the limiting κ MP law.

    With ``vary="delta"`` the curves are κ(MP_v ⊠ MP_fixed) for v in ``values`` and the
    limit (v → 0) is κ MP_fixed, the law for fresh Gaussian tokens; with ``vary="gamma"``
    the roles swap and the limit (infinitely many samples) is the table's own law κ MP_fixed.
    Atoms at zero are given in the legend.

    Parameters
    ----------
    fixed : float
        The ratio held fixed (γ for ``vary="delta"``, δ for ``vary="gamma"``), > 0.
    values : sequence of float
        Values (> 0) of the ratio that shrinks.
    vary : {"delta", "gamma"}, default "delta"
        Which ratio the ``values`` are.
    kappa : float, default 1.0
        Scale κ = ‖w‖².
    ax : matplotlib axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._validation import check_array, check_positive
    from .marchenko_pastur import mp_atom, mp_edges

    fixed = check_positive(fixed, "fixed")
    kappa = check_positive(kappa, "kappa")
    if vary not in ("delta", "gamma"):
        raise ValueError(f"vary must be 'delta' or 'gamma', got {vary!r}")
    values = check_array(values, "values").ravel()
    if values.size == 0 or np.any(values <= 0):
        raise ValueError("values must be a non-empty list of numbers > 0")
    fig, ax = _axes(ax)
    name, other = (r"\delta", r"\gamma") if vary == "delta" else (r"\gamma", r"\delta")
    colors = [_family_color(i / max(1, values.size - 1)) for i in range(values.size)]
    for v, color in zip(values, colors):
        delta, gamma = (v, fixed) if vary == "delta" else (fixed, v)
        lower, upper = bulk_edges(delta, gamma, kappa)
        x = np.linspace(lower, upper, 800)[1:-1]
        atom = bulk_atom(delta, gamma)
        label = rf"${name}$ = {v:g}" + (f" (atom {atom:.2f})" if atom > 0 else "")
        ax.plot(x, bulk_density(x, delta, gamma, kappa), color=color, label=label)
    a, b = mp_edges(fixed)
    x = kappa * np.linspace(a, b, 800)[1:-1]
    limit = _fresh_token_density(x, fixed, kappa)
    atom = mp_atom(fixed)
    label = rf"limit ${name}\to 0$: $\kappa\,\mathrm{{MP}}_{{{fixed:g}}}$"
    ax.plot(x, limit, color="k", ls="--", lw=1.5,
            label=label + (f" (atom {atom:.2f})" if atom > 0 else ""))
    ax.set_ylim(0, 1.6 * limit.max())
    ax.set_xlim(0, None)
    ax.set_xlabel(r"eigenvalue $\lambda$" + ("" if kappa == 1 else rf" ($\kappa$ = {kappa:g})"))
    ax.set_ylabel("density")
    ax.set_title(rf"${other}$ = {fixed:g}, ${name}\to 0$")
    ax.legend(loc="upper right", fontsize="small")
    return fig


def _family_color(t):
    """Colour ``t`` in [0, 1] of the sequential map used for families of curves."""
    from matplotlib import colormaps

    return colormaps["viridis"](0.85 * t)


def plot_bulk_simulation(result: SimulationResult, *, fresh_tokens: bool = True, bins: int = 60,
                         zoom=None, ax=None) -> Figure:
    r"""Histogram of a simulated bulk (units of κ) against κ(MP_δ ⊠ MP_γ) and fresh tokens.

    Eigenvalues that vanish numerically (≤ 1e-9 times the largest) are the atom at zero:
    they are left out of the histogram and their fraction is printed next to the
    predicted mass :func:`~attnrmt_lib.bulk_atom`. The histogram is normalised by d, so it
    integrates to one minus the atom, like the theory curve. Theory uses the realised
    ratios ``result.delta``, ``result.gamma``.

    Parameters
    ----------
    result : SimulationResult
        A simulation, typically without signal (``mu_norm2=0``): outliers are not marked
        (see :func:`plot_spectrum`).
    fresh_tokens : bool, default True
        Also draw κ MP_γ, the bulk if every token were a fresh Gaussian vector (δ → 0).
    bins : int, default 60
        Histogram bins over the plotted range.
    zoom : (float, float), optional
        Range of the horizontal axis in units of κ (default: from 0, or just below the
        lower edge, to just above the upper edge).
    ax : matplotlib axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .marchenko_pastur import mp_edges

    if not isinstance(result, SimulationResult):
        raise ValueError(f"result must be a SimulationResult, got {type(result).__name__}")
    fig, ax = _axes(ax)
    ev = result.eigenvalues / result.kappa
    delta, gamma = result.delta, result.gamma
    lower, upper = bulk_edges(delta, gamma)
    zero = ev <= 1e-9 * max(ev[-1], 1e-300)
    if zoom is None:
        left = 0.0 if lower < 0.1 * upper else 0.9 * lower
        right = 1.08 * max(upper, mp_edges(gamma)[1] if fresh_tokens else upper)
    else:
        left, right = (float(z) for z in zoom)
        if not right > left:
            raise ValueError(f"zoom must be an increasing pair, got {zoom!r}")
    nonzero = ev[~zero]
    shown = nonzero[(nonzero >= left) & (nonzero <= right)]
    edges = np.linspace(left, right, bins + 1)
    heights, _, _ = ax.hist(shown, bins=edges,
                            weights=np.full(shown.size, 1.0 / (ev.size * np.diff(edges)[0])),
                            color=SAMPLE, alpha=0.45, label=f"simulation, d = {result.d}")
    x = np.linspace(max(lower, left), min(upper, right), 1000)
    x = x[x > 0]
    ax.plot(x, bulk_density(x, delta, gamma), color=THEORY,
            label=r"$\mathrm{MP}_\delta\boxtimes\mathrm{MP}_\gamma$ (finite vocabulary)")
    if fresh_tokens:
        a, b = mp_edges(gamma)
        xf = np.linspace(max(a, left), min(b, right), 1000)
        xf = xf[xf > 0]
        ax.plot(xf, _fresh_token_density(xf, gamma), color="k", ls="--", lw=1.2,
                label=r"$\mathrm{MP}_\gamma$ (fresh Gaussian tokens)")
    for edge in (lower, upper):
        if left <= edge <= right:
            ax.axvline(edge, color="0.6", lw=0.8, ls=":")
    atom = bulk_atom(delta, gamma)
    top = heights.max() if heights.size and heights.max() > 0 else bulk_density(x, delta, gamma).max()
    if atom > 0 or zero.any():
        if left <= 0.0:
            # The atom has no density: an arrow at zero stands for it.
            ax.annotate("", xy=(0.0, 1.2 * top), xytext=(0.0, 0.0), annotation_clip=False,
                        arrowprops={"arrowstyle": "-|>", "color": THEORY, "lw": 2.5})
        ax.text(0.98, 0.6, f"zero eigenvalues: {zero.mean():.3f} of d\n(atom, theory: {atom:.3f})",
                transform=ax.transAxes, ha="right", va="top", fontsize="small")
    ax.set_ylim(0, 1.3 * top)
    ax.set_xlim(left, right)
    ax.set_xlabel(r"eigenvalue of $S$ / $\kappa$")
    ax.set_ylabel("density")
    ax.set_title(rf"$\delta$ = {delta:.3g}, $\gamma$ = {gamma:.3g}, T = {result.T}")
    ax.legend(loc="upper right", fontsize="small")
    return fig


def plot_vocabulary_cost(delta: float, gamma: float, *, delta_max: float | None = None,
                         kappa: float = 1.0, axes=None) -> Figure:
    r"""What a finite vocabulary costs: κ(MP_δ ⊠ MP_γ) against fresh tokens' κ MP_γ.

    Left: the two densities at the given δ, γ. Right: the edges of the bulk against δ at
    fixed γ, with the fresh-token edges κ(1 ∓ √γ)² (δ → 0), the operator-norm bound
    κ(1 + √δ)²(1 + √γ)² on the upper edge, and its first-order growth
    κ(1 + √γ)²(1 + δ/√γ).

    Parameters
    ----------
    delta, gamma : float
        Ratios δ = d/V > 0 and γ = d/N > 0; δ is marked on the right panel.
    delta_max : float, optional
        Right end of the δ axis (default max(2, 1.5 δ)).
    kappa : float, default 1.0
        Scale κ = ‖w‖²; eigenvalues are shown in units of κ.
    axes : pair of matplotlib axes, optional
        Where to draw; a new two-panel figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._validation import check_positive
    from .marchenko_pastur import mp_edges

    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    kappa = check_positive(kappa, "kappa")
    delta_max = max(2.0, 1.5 * delta) if delta_max is None else check_positive(delta_max, "delta_max")
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(10, 3.8))
    else:
        fig = axes[0].figure
    ax_den, ax_edge = axes
    lower, upper = bulk_edges(delta, gamma)
    a, b = mp_edges(gamma)
    x = np.linspace(lower, upper, 800)[1:-1]
    ax_den.plot(x, bulk_density(x, delta, gamma), color=THEORY,
                label=rf"finite vocabulary, $\delta$ = {delta:.3g}")
    xf = np.linspace(a, b, 800)[1:-1]
    fresh = _fresh_token_density(xf, gamma)
    ax_den.plot(xf, fresh, color="k", ls="--", lw=1.2, label=r"fresh tokens ($\delta\to 0$)")
    ax_den.set_ylim(0, 1.5 * fresh.max())
    ax_den.set_xlim(0, 1.05 * upper)
    ax_den.set_xlabel(r"eigenvalue / $\kappa$")
    ax_den.set_ylabel("density")
    ax_den.set_title(rf"$\gamma$ = {gamma:.3g}")
    ax_den.legend(loc="upper right", fontsize="small")

    grid = np.linspace(0.0, delta_max, 241)[1:]
    edges = np.array([bulk_edges(dl, gamma) for dl in grid])
    ax_edge.plot(grid, edges[:, 1], color=THEORY, label="upper edge")
    ax_edge.plot(grid, edges[:, 0], color=THEORY, lw=1, alpha=0.6, label="lower edge")
    ax_edge.axhline(b, color="k", ls="--", lw=1, label=r"fresh tokens $(1\pm\sqrt{\gamma})^2$")
    ax_edge.axhline(a, color="k", ls="--", lw=1)
    ax_edge.plot(grid, (1 + np.sqrt(grid)) ** 2 * b, color="0.5", ls=":",
                 label=r"bound $(1+\sqrt{\delta})^2(1+\sqrt{\gamma})^2$")
    ax_edge.plot(grid, b * (1 + grid / np.sqrt(gamma)), color="0.5", ls="-.", lw=1,
                 label=r"first order $(1+\sqrt{\gamma})^2(1+\delta/\sqrt{\gamma})$")
    ax_edge.plot([delta, delta], [lower, upper], "o", color=THEORY, ms=5)
    # The lower edge is small on this scale: an inset shows it.
    inset = ax_edge.inset_axes([0.58, 0.11, 0.39, 0.18])
    inset.plot(grid, edges[:, 0], color=THEORY, lw=1)
    inset.axhline(a, color="k", ls="--", lw=1)
    inset.plot([delta], [lower], "o", color=THEORY, ms=4)
    inset.set_xlim(0, delta_max)
    inset.set_ylim(0, 1.3 * max(a, edges[:, 0].max(), 1e-3))
    inset.set_ylabel("lower edge", fontsize="x-small")
    inset.tick_params(labelsize="x-small")
    ax_edge.set_ylim(0, 1.15 * edges[:, 1].max())
    ax_edge.set_xlim(0, delta_max)
    ax_edge.set_xlabel(r"$\delta = d/V$")
    ax_edge.set_ylabel(r"edge / $\kappa$")
    ax_edge.set_title(rf"edges of the bulk, $\gamma$ = {gamma:.3g}")
    ax_edge.legend(loc="upper left", fontsize="small")
    return fig


# --- Chapter 4 (optimal attention): weight profiles, detection thresholds, alignment vs ||mu||^2.

_OPT_STYLE = {  # weighting name -> (colour, line style, marker), shared by the chapter's figures
    "mean": ("C0", "-", "o"),
    "first token": ("C1", "-", "s"),
    "last token": ("C4", (0, (4, 3)), "D"),
    "harmonic": ("C2", "-", "^"),
    "optimal": ("C3", "-", "v"),
}


def _opt_style(name, i):
    return _OPT_STYLE.get(name, (f"C{(5 + i) % 10}", "-", "o"))


def _opt_models(models):
    """[(name, R)] from a dict name -> model/matrix, a sequence of them, or one of them."""
    from ._validation import check_correlation_matrix
    from .correlation import PositionalModel

    if isinstance(models, PositionalModel) or (not isinstance(models, dict)
                                              and np.ndim(models) == 2):
        models = [models]
    if isinstance(models, dict):
        items = list(models.items())
    else:
        items = [(getattr(m, "name", f"model {i + 1}"), m) for i, m in enumerate(models)]
    if not items:
        raise ValueError("models must contain at least one PositionalModel or matrix")
    return [(str(name), check_correlation_matrix(m.R if isinstance(m, PositionalModel) else m))
            for name, m in items]


def _opt_weights(weightings, R):
    """{name: weights} for R (callables such as optimal_weights are evaluated on R)."""
    from ._validation import check_weights
    from .detection import standard_weightings

    if weightings is None:
        weightings = standard_weightings(R.shape[0])
    if not isinstance(weightings, dict) or not weightings:
        raise ValueError("weightings must be a non-empty dict of name -> weights or callable(R)")
    return {name: check_weights(w(R) if callable(w) else w, R.shape[0], name=f"weights {name!r}")
            for name, w in weightings.items()}


def _opt_top_is_unique(R):
    vals = np.linalg.eigvalsh(R)
    return vals.size == 1 or vals[-1] - vals[-2] > 1e-9 * max(1.0, abs(vals[-1]))


def plot_weight_profiles(models, *, reference: bool = True, ax=None) -> Figure:
    r"""The optimal pooling weights (top eigenvector of R) against the position, for several R.

    Each curve is :func:`~attnrmt_lib.optimal_weights` of one model, with unit norm (κ = 1;
    any scale gives the same α/κ) and positive sum; the legend gives
    :math:`\lambda_{max}(R)`, the α/κ it reaches. When the top eigenvalue is degenerate
    (e.g. R = I) the maximiser is not unique and the legend says so.

    Parameters
    ----------
    models : dict, sequence, PositionalModel or matrix
        Name -> :class:`~attnrmt_lib.PositionalModel` or T×T correlation matrix (a sequence
        uses each model's ``name``).
    reference : bool, default True
        Also draw mean pooling (:math:`1/\sqrt T` at unit norm) and the harmonic weights of
        causal attention, normalised, for the T of the first model.
    ax : matplotlib axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .weights import harmonic_weights, optimal_weights

    items = _opt_models(models)
    fig, ax = _axes(ax)
    markers = "ovs^Dp*hX"
    for i, (name, R) in enumerate(items):
        w = optimal_weights(R)
        lam = np.linalg.eigvalsh(R)[-1]
        label = rf"{name} ($\lambda_{{max}}$ = {lam:.3g}" + (")" if _opt_top_is_unique(R)
                                                            else ", not unique)")
        t = np.arange(1, w.size + 1)
        ax.plot(t, w, marker=markers[i % len(markers)], ms=4, color=f"C{(i + 5) % 10}"
                if i >= 4 else ("C3", "C9", "C8", "C6")[i], label=label)
    if reference:
        T = items[0][1].shape[0]
        t = np.arange(1, T + 1)
        h = harmonic_weights(T)
        ax.plot(t, np.full(T, 1.0 / np.sqrt(T)), color="0.45", ls="--", lw=1,
                label="mean pooling")
        ax.plot(t, h / np.linalg.norm(h), color="0.45", ls=":", lw=1.5,
                label="harmonic (causal attention)")
    ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.set_xlabel("position $t$")
    ax.set_ylabel(r"optimal weight $w_t$ ($\|w\| = 1$)")
    ax.legend(loc="best", fontsize="small")
    return fig


def plot_detection_thresholds(models, delta: float, gamma: float, *, weightings=None,
                              annotate: bool = True, ax=None) -> Figure:
    r"""Grouped bars of the detection threshold :math:`\|\mu\|^2_c = \rho_2\kappa/\alpha` per pooling and model.

    One group per positional model, one bar per pooling (default
    :func:`~attnrmt_lib.detection.standard_weightings`: mean, first token, last token,
    harmonic, optimal). Lower is better: the signal is detectable from a smaller
    :math:`\|\mu\|^2`. The dashed line is :math:`\rho_2`, the threshold of any single token
    (α/κ = 1) and of every pooling under i.i.d. signs.

    Parameters
    ----------
    models : dict, sequence, PositionalModel or matrix
        Name -> :class:`~attnrmt_lib.PositionalModel` or T×T correlation matrix.
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    weightings : dict, optional
        Name -> weights or callable(R) (evaluated per model, so models may differ in T).
    annotate : bool, default True
        Write each threshold above its bar.
    ax : matplotlib axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .detection import detection_threshold

    items = _opt_models(models)
    _, rho2 = thresholds(delta, gamma)
    tables = [(name, _opt_weights(weightings, R), R) for name, R in items]
    names = list(tables[0][1])
    for _, ws, _ in tables:
        if list(ws) != names:
            raise ValueError("every model must be given the same poolings")
    fig, ax = _axes(ax, figsize=(max(6.4, 1.9 * len(items) + 2.8), 3.9))
    n = len(names)
    width = 0.8 / n
    top = rho2
    for j, wname in enumerate(names):
        color, _, _ = _opt_style(wname, j)
        x = np.arange(len(items)) + (j - (n - 1) / 2) * width
        h = np.array([detection_threshold(ws[wname], R, delta, gamma) for _, ws, R in tables])
        finite = np.isfinite(h)
        ax.bar(x[finite], h[finite], width=0.95 * width, color=color, label=wname)
        top = max(top, h[finite].max() if finite.any() else top)
        if annotate:
            for xi, hi in zip(x, h):
                text = f"{hi:.2f}" if np.isfinite(hi) else r"$\infty$"
                ax.text(xi, (hi if np.isfinite(hi) else 0.0) + 0.01 * rho2, text, ha="center",
                        va="bottom", fontsize=7, bbox=dict(facecolor="white", edgecolor="none",
                                                           pad=0.3, alpha=0.8))
    ax.axhline(rho2, color="0.3", ls="--", lw=1,
               label=rf"$\rho_2$ = {rho2:.3g} ($\alpha/\kappa$ = 1)")
    ax.set_xticks(np.arange(len(items)))
    ax.set_xticklabels([name for name, _ in items])
    ax.set_ylim(0, 1.12 * top)
    ax.set_ylabel(r"threshold $\|\mu\|^2_c = \rho_2\kappa/\alpha$")
    ax.set_title(rf"$\delta$ = {delta:.3g}, $\gamma$ = {gamma:.3g}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return fig


def plot_alignment_vs_signal(R, delta: float, gamma: float, *, weightings=None,
                             mu_norm2_max: float | None = None, simulations=None,
                             ax=None) -> Figure:
    r"""Squared alignment :math:`|\hat u^\top u|^2` against the signal strength :math:`\|\mu\|^2`, per pooling.

    Theory curves are :func:`~attnrmt_lib.detection.alignment_at_signal`, i.e.
    :func:`~attnrmt_lib.overlap` at :math:`\rho = (\alpha/\kappa)\|\mu\|^2`; each pooling's
    detection threshold :math:`\rho_2\kappa/\alpha` is a dotted vertical line of its colour.
    Better poolings shift the same curve to the left by the factor κ/α.

    Parameters
    ----------
    R : PositionalModel or array_like, shape (T, T)
        Positional correlation model.
    delta, gamma : float
        Ratios d/V and d/N (> 0) for the theory curves.
    weightings : dict, optional
        Name -> weights or callable(R); default
        :func:`~attnrmt_lib.detection.standard_weightings`.
    mu_norm2_max : float, optional
        Right end of the axis (default 2.5 times the largest finite threshold).
    simulations : dict, optional
        Pooling name -> iterable of :class:`~attnrmt_lib.SimulationResult`, drawn at
        ``(result.mu_norm2, result.overlap)`` in that pooling's colour.
    ax : matplotlib axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.lines import Line2D

    from .detection import alignment_at_signal, detection_threshold
    from .weights import snr

    (_, R), = _opt_models(R)
    ws = _opt_weights(weightings, R)
    cuts = {name: detection_threshold(w, R, delta, gamma) for name, w in ws.items()}
    finite = [c for c in cuts.values() if np.isfinite(c)]
    right = mu_norm2_max if mu_norm2_max is not None else 2.5 * max(finite or [1.0])
    m = np.linspace(0.0, right, 600)
    fig, ax = _axes(ax)
    for i, (name, w) in enumerate(ws.items()):
        color, ls, _ = _opt_style(name, i)
        ax.plot(m, alignment_at_signal(m, w, R, delta, gamma), color=color, ls=ls,
                label=rf"{name} ($\alpha/\kappa$ = {snr(w, R):.3g})")
        if np.isfinite(cuts[name]):
            ax.axvline(cuts[name], color=color, ls=":", lw=0.9)
    if simulations:
        dims = set()
        for i, (name, results) in enumerate(simulations.items()):
            if name not in ws:
                raise ValueError(f"simulations name {name!r} is not one of the poolings {list(ws)}")
            color, _, marker = _opt_style(name, list(ws).index(name))
            results = list(results)
            dims.update(r.d for r in results)
            ax.plot([r.mu_norm2 for r in results], [r.overlap for r in results], marker,
                    color=color, mfc="white", mew=1.5, ms=5, ls="none")
        dims = ", ".join(str(d) for d in sorted(dims))
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Line2D([], [], marker="o", color="0.3", mfc="white", mew=1.5, ls="none"))
        labels.append(f"simulation (d = {dims})")
        ax.legend(handles, labels, loc="lower right", fontsize="small")
    else:
        ax.legend(loc="lower right", fontsize="small")
    ax.set_xlim(0, right)
    ax.set_ylim(-0.02, 1.0)
    ax.set_xlabel(r"signal strength $\|\mu\|^2$")
    ax.set_ylabel(r"$|\hat u^\top u|^2$")
    ax.set_title(rf"$\delta$ = {delta:.3g}, $\gamma$ = {gamma:.3g}")
    return fig


def plot_purity_comparison(s0: float = 0.9, r: float = 0.8, T: int = 16, delta: float = 0.5,
                           gamma: float = 0.5, *, axes=None) -> Figure:
    r"""Label model with purity :math:`s_t = s_0 r^{t-1}`: the weights and their detection thresholds.

    Left: the purity profile (grey bars) with the unit-norm mean, harmonic and optimal
    weights; the optimal ones, :math:`w_t \propto s_t/(\lambda_{max} - 1 + s_t^2)`
    (:func:`~attnrmt_lib.detection.label_model_optimum`), follow the purity. Right:
    :func:`plot_detection_thresholds` for the five standard poolings. Theory only (fast
    enough to redraw under a slider).

    Parameters
    ----------
    s0 : float, default 0.9
        Purity of the first token, in [0, 1].
    r : float, default 0.8
        Decay per position, in [0, 1].
    T : int, default 16
        Sequence length >= 1.
    delta, gamma : float, default 0.5
        Ratios d/V and d/N (> 0).
    axes : pair of matplotlib axes, optional
        Where to draw; a new two-panel figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .causal import geometric_purity
    from .correlation import label_model
    from .weights import harmonic_weights, mean_weights, optimal_weights, snr

    s = geometric_purity(T, s0, r)
    model = label_model(s)
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(11, 3.9))
    else:
        fig = axes[0].figure
    ax_w, ax_c = axes
    t = np.arange(1, T + 1)
    ax_w.bar(t, s, width=0.7, color="0.85", label="purity $s_t$")
    unique = _opt_top_is_unique(model.R)
    for name, w in (("mean", mean_weights(T)), ("harmonic", harmonic_weights(T)),
                    ("optimal", optimal_weights(model.R))):
        color, ls, marker = _opt_style(name, 0)
        label = name + ("" if unique or name != "optimal" else " (not unique: R = I)")
        ax_w.plot(t, w / np.linalg.norm(w), color=color, ls=ls, marker=marker, ms=3.5,
                  label=rf"{label} ($\alpha/\kappa$ = {snr(w, model.R):.3g})")
    ax_w.set_ylim(0, 1.05)
    ax_w.set_xlabel("position $t$")
    ax_w.set_ylabel(r"purity / weight ($\|w\| = 1$)")
    ax_w.set_title(rf"label model, $s_t = {s0:.3g}\cdot{r:.3g}^{{t-1}}$, T = {T}")
    ax_w.legend(loc="upper right", fontsize="small")
    plot_detection_thresholds({"label model": model}, delta, gamma, ax=ax_c)
    ax_c.set_xticks([])
    ax_c.set_xlim(-0.5, 0.5)
    return fig


# ---------------------------------------------------------------------------------------
# Causal attention and harmonic weights (chapter "causal").


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
    fig, ax = _axes(ax)
    s = np.arange(1, T + 1)
    taus = list(taus)
    colors = [THEORY] + [f"C{k}" for k in (0, 2, 4, 5, 6, 8, 9)]
    for k, tau in enumerate(taus):
        label = rf"$\tau$ = {tau:g}" + (" (harmonic)" if tau == 0 else "")
        ax.plot(s, _harmonic_weights(T, tau), "o-", ms=3.5, lw=1.2,
                color=colors[k % len(colors)], label=label)
    ax.axhline(1.0 / T, color="0.3", ls="--", lw=1, label=r"mean pooling $1/T$")
    ax.set_xlabel("position $s$")
    ax.set_ylabel(r"weight $w_s(\tau)$")
    ax.set_title(f"causal attention weights as $d\\to\\infty$, T = {T}")
    ax.legend(loc="upper right", fontsize="small")
    return fig


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
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(10, 3.8))
    else:
        fig = axes[0].figure
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
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(10, 3.8))
    else:
        fig = axes[0].figure
    ax_l, ax_m = axes
    w = _harmonic_weights(T, tau)
    m = _mean_weights(T)
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
        wT, mT = _harmonic_weights(TT, tau), _mean_weights(TT)
        ratio = [_snr(wT, _markov(TT, float(p)).R) / _snr(mT, _markov(TT, float(p)).R)
                 for p in phis]
        ax_m.plot(phis, ratio, color=f"C{k}", label=f"T = {TT}")
    ax_m.set_xlabel(r"Markov correlation $\varphi$  ($R_{ts} = \varphi^{|t-s|}$)")
    ax_m.set_ylabel(r"$(\alpha/\kappa)_{\rm causal} / (\alpha/\kappa)_{\rm mean}$")
    ax_m.set_title(rf"stationary Markov signs, $\tau$ = {tau:g}")
    ax_m.legend(loc="lower left", fontsize="small")
    for ax in axes:
        ax.axhline(1.0, color="0.3", ls="--", lw=1)
    return fig


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
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(10, 3.8))
    else:
        fig = axes[0].figure
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


def plot_causal_profile(tau: float = 0.0, r: float = 0.8, s0: float = 0.9, T: int = 16,
                        *, axes=None) -> Figure:
    r"""Causal weights against mean and optimal pooling for one label model, and α/κ over r.

    Left: the limit weights :math:`w(\tau)`, mean pooling and the optimal weights (top
    eigenvector of R, scaled to sum to one) for purity :math:`s_t = s_0 r^{t-1}`, whose
    profile is drawn on the right axis. Right: α/κ of the three poolings against r, the
    chosen r and the threshold r*(T, τ) marked. Theory only (fast enough for sliders).
    """
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(10, 3.8))
    else:
        fig = axes[0].figure
    ax_w, ax_g = axes
    pos = np.arange(1, T + 1)
    w = _harmonic_weights(T, tau)
    m = _mean_weights(T)
    s = geometric_purity(T, s0, r)
    R = _label_model(s).R
    _, vecs = np.linalg.eigh(R)
    top = vecs[:, -1] * np.sign(vecs[:, -1].sum() or 1.0)
    # R = I (r = 0 or s0 = 0) makes every w optimal: show mean pooling then.
    opt = top / top.sum() if top.sum() > 1e-6 else m
    ax_w.plot(pos, w, "o-", ms=3.5, color=THEORY, label=rf"causal, $\tau$ = {tau:g}")
    ax_w.plot(pos, m, "--", color="0.3", label="mean")
    ax_w.plot(pos, opt, "s-", ms=3, lw=1, color=POPULATION, label="optimal (sum 1)")
    ax_w.set_xlabel("position $t$")
    ax_w.set_ylabel("pooling weight")
    ax_w.set_ylim(bottom=min(0.0, float(opt.min()) * 1.1))
    twin = ax_w.twinx()
    twin.bar(pos, s, color=SAMPLE, alpha=0.15, width=0.8)
    twin.set_ylim(0, 1.02)
    twin.set_ylabel(r"purity $s_t$ (bars)", color=SAMPLE)
    ax_w.set_zorder(twin.get_zorder() + 1)
    ax_w.patch.set_visible(False)
    ax_w.legend(loc="upper right", fontsize="small")
    grid = np.linspace(0.0, 1.0, 201)
    profiles = geometric_purity(T, s0, grid)
    Rs = (profiles[:, :, None] * profiles[:, None, :]
          + np.eye(T) * (1.0 - profiles**2)[:, None, :])
    ax_g.plot(grid, label_snr(w, profiles), color=THEORY, label=rf"causal, $\tau$ = {tau:g}")
    ax_g.plot(grid, label_snr(m, profiles), "--", color="0.3", label="mean")
    ax_g.plot(grid, np.linalg.eigvalsh(Rs)[:, -1], color=POPULATION, ls="-.",
              label=r"optimal, $\lambda_{\max}(R)$")
    ax_g.axvline(r, color=SAMPLE, lw=1)
    r_star = harmonic_threshold(T, tau)
    if 0 < r_star < 1:
        ax_g.axvline(r_star, color=THEORY, ls=":", lw=1.2)
        ax_g.text(r_star, 0.97, r"$r^*$ ", color=THEORY, ha="right", va="top",
                  transform=ax_g.get_xaxis_transform())
    gain = label_snr(w, s) / label_snr(m, s)
    ax_g.set_title(rf"$s_0$ = {s0:g}, r = {r:.3g}: causal/mean = {gain:.3f}",
                   fontsize="medium")
    ax_g.set_xlabel(r"purity decay $r$")
    ax_g.set_ylabel(r"$\alpha/\kappa$")
    ax_g.set_yscale("log")
    ax_g.legend(loc="upper left", fontsize="small")
    return fig


# --------------------------------------------------------------------------- chapter 3:
# the two phase transitions (phase diagram, Bai–Yao map, Paul's limit, finite-size effects)


_PHASE_QUANTITIES = {
    "rho2": (r"sample threshold $\rho_2$", True),
    "rho1": (r"population threshold $\rho_1$", True),
    "gap": (r"$\rho_2 - \rho_1$", True),
    "relative_gap": (r"$1 - \rho_1/\rho_2$", False),
}


def plot_phase_diagram(
    quantity="rho2",
    *,
    delta_range: tuple[float, float] = (1e-2, 10.0),
    gamma_range: tuple[float, float] = (1e-2, 10.0),
    n: int = 160,
    mark=None,
    ax=None,
) -> Figure:
    r"""Phase diagram of the two transitions over the (δ, γ) plane, log axes.

    Each panel colours the plane by one quantity computed with
    :func:`attnrmt_lib.phase_diagram.threshold_grid` on an ``n`` × ``n`` log-spaced grid
    and draws labelled contour lines:

    * ``"rho2"``: the sample (detection) threshold :math:`\rho_2(\delta, \gamma)`;
    * ``"rho1"``: the population threshold :math:`\rho_1 = \delta + \sqrt\delta`;
    * ``"gap"``: :math:`\rho_2 - \rho_1`, the width of the window where the signal is in
      the population covariance but invisible in the sample;
    * ``"relative_gap"``: :math:`1 - \rho_1/\rho_2`, that window as a fraction of
      :math:`\rho_2` (→ 0 as γ → 0, → 1 as δ → 0).

    Parameters
    ----------
    quantity : str or sequence of str, default "rho2"
        One panel per quantity.
    delta_range, gamma_range : (float, float)
        Ranges of δ (horizontal) and γ (vertical), both > 0.
    n : int, default 160
        Grid points per axis.
    mark : (float, float) or sequence of them, optional
        Points (δ, γ) to mark with a star (e.g. the parameters of a simulation).
    ax : matplotlib axes or sequence of axes, optional
        Where to draw (one axes per quantity); a new figure by default.
    """
    quantities = [quantity] if isinstance(quantity, str) else list(quantity)
    if not quantities:
        raise ValueError("quantity must name at least one of " + ", ".join(_PHASE_QUANTITIES))
    for q in quantities:
        if q not in _PHASE_QUANTITIES:
            raise ValueError(f"quantity must be one of {sorted(_PHASE_QUANTITIES)}, got {q!r}")
    for name, (lo, hi) in (("delta_range", delta_range), ("gamma_range", gamma_range)):
        if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
            raise ValueError(f"{name} must be (low, high) with 0 < low < high, got {(lo, hi)}")
    if int(n) < 2:
        raise ValueError(f"n must be an integer >= 2, got {n}")
    if ax is None:
        fig, axes = _axes(None, ncols=len(quantities),
                          figsize=(5.2 * len(quantities), 4.2))
        axes = np.atleast_1d(axes)
    else:
        axes = np.atleast_1d(ax)
        if axes.size != len(quantities):
            raise ValueError(f"need {len(quantities)} axes for {len(quantities)} quantities")
        fig = axes[0].figure
    deltas = np.geomspace(*delta_range, int(n))
    gammas = np.geomspace(*gamma_range, int(n))
    rho1, rho2 = threshold_grid(deltas, gammas)
    values = {"rho2": rho2, "rho1": rho1, "gap": rho2 - rho1, "relative_gap": 1 - rho1 / rho2}
    marks = [] if mark is None else ([mark] if np.ndim(mark) == 1 else list(mark))
    for a, q in zip(axes, quantities):
        z = values[q]
        label, logscale = _PHASE_QUANTITIES[q]
        if logscale:
            norm = LogNorm(vmin=z.min(), vmax=z.max())
            decades = np.arange(np.floor(np.log10(z.min())), np.ceil(np.log10(z.max())) + 1)
            levels = np.sort(np.concatenate([10.0**decades, 2 * 10.0**decades,
                                             5 * 10.0**decades]))
            levels = levels[(levels > z.min()) & (levels < z.max())]
            cmap = "viridis"
        else:
            norm = None
            levels = np.linspace(0.1, 0.9, 9)
            levels = levels[(levels > z.min()) & (levels < z.max())]
            cmap = "magma"
        mesh = a.pcolormesh(deltas, gammas, z, norm=norm, cmap=cmap, shading="auto",
                            rasterized=True)
        cs = a.contour(deltas, gammas, z, levels=levels, colors="w", linewidths=0.7)
        a.clabel(cs, fmt="%g", fontsize="medium")
        fig.colorbar(mesh, ax=a, label=label)
        for point in marks:
            a.plot(*point, "*", color="C3", ms=12, mec="k", mew=0.6)
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel(r"$\delta = d/V$")
        a.set_ylabel(r"$\gamma = d/N$")
        a.set_title(label)
    return fig


def plot_bai_yao_map(delta: float, gamma: float, *, kappa: float = 1.0,
                     beta_max: float | None = None, ax=None) -> Figure:
    r"""The Bai–Yao map ψ(β): where a population spike β shows up in the sample spectrum.

    ψ (:func:`attnrmt_lib.bai_yao.bai_yao_map`) is drawn solid where ψ'(β) > 0 (the
    spike produces a sample outlier at ψ(β)) and dashed where ψ'(β) < 0 (it does not; the
    top eigenvalue stays at the bulk edge). Its minimum is the upper edge of
    κ(MP_δ ⊠ MP_γ), reached at the population outlier of :math:`\rho_2`; the left end is
    the edge κ(1 + √δ)² of the population law, reached at :math:`\rho_1`. The diagonal
    ψ = β shows that the sample outlier always sits above the population one.

    Parameters
    ----------
    delta, gamma : float
        Ratios d/V and d/N (> 0).
    kappa : float, default 1
        Scale κ; both axes are in units of κ.
    beta_max : float, optional
        Right end of the β axis in units of κ (default: twice the critical β).
    ax : matplotlib axes, optional
    """
    rho1, rho2 = thresholds(delta, gamma)
    fig, ax = _axes(ax)
    edge_pop = (1.0 + np.sqrt(delta)) ** 2
    beta2 = population_outlier(rho2, delta)
    hi = beta_max or 2.0 * beta2
    if hi <= edge_pop:
        raise ValueError(f"beta_max must exceed (1 + sqrt(delta))^2 = {edge_pop:.4g}")
    # Cluster points near the square-root singularity at the population edge.
    beta = edge_pop + (hi - edge_pop) * np.linspace(0.0, 1.0, 600)[1:] ** 2
    psi = bai_yao_map(beta * kappa, delta, gamma, kappa) / kappa
    rising = bai_yao_derivative(beta * kappa, delta, gamma, kappa) > 0
    ax.plot(beta, np.where(rising, psi, np.nan), color=THEORY,
            label=r"$\psi(\beta)$, $\psi' > 0$: sample outlier")
    ax.plot(beta, np.where(rising, np.nan, psi), color=THEORY, ls="--",
            label=r"$\psi(\beta)$, $\psi' < 0$: no outlier")
    ax.plot(beta, beta, color="0.6", lw=0.8, ls=":", label=r"$\psi = \beta$")
    edge = bulk_edges(delta, gamma)[1]
    ax.axhline(edge, color="0.4", lw=0.8, ls="-.", label="upper bulk edge of $S$")
    ax.axvline(edge_pop, color=POPULATION, lw=0.8, ls="--",
               label=r"population edge $(1+\sqrt{\delta})^2$ ($\rho = \rho_1$)")
    ax.plot([beta2], [edge], "o", color=THEORY, ms=6)
    ax.annotate(rf"$\rho = \rho_2$: $\beta$ = {beta2:.3g}", xy=(beta2, edge),
                xytext=(8, -16), textcoords="offset points")
    ax.set_xlim(edge_pop * 0.97, hi)
    ax.set_ylim(edge * 0.9, max(psi.max(), hi) * 1.02)
    ax.set_xlabel(r"population spike $\beta$ / $\kappa$")
    ax.set_ylabel(r"$\psi(\beta)$ / $\kappa$")
    ax.set_title(rf"$\delta$ = {delta:g}, $\gamma$ = {gamma:g}")
    ax.legend(loc="upper left", fontsize="small")
    return fig


def plot_paul_limit(gamma: float, deltas=(0.5, 0.1, 0.02), *, rho_max: float | None = None,
                    axes=None) -> Figure:
    r"""Top eigenvalue and alignment for decreasing δ against Paul's δ → 0 formulas.

    Draws :func:`attnrmt_lib.top_eigenvalue` and :func:`attnrmt_lib.overlap` for each δ in
    ``deltas`` with Paul's (2007) spiked-identity curves
    (:func:`attnrmt_lib.phase_diagram.paul_top_eigenvalue`,
    :func:`attnrmt_lib.phase_diagram.paul_overlap`, threshold √γ) in black dashes.

    Parameters
    ----------
    gamma : float
        Ratio d/N > 0.
    deltas : sequence of float
        Values of δ > 0 to draw.
    rho_max : float, optional
        Right end of the ρ axis (default: 2.5 ρ₂ of the largest δ).
    axes : pair of matplotlib axes, optional
    """
    deltas = [float(d) for d in deltas]
    if not deltas or min(deltas) <= 0:
        raise ValueError("deltas must be a non-empty sequence of numbers > 0")
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(10, 3.8))
    else:
        fig = axes[0].figure
    ax_val, ax_vec = axes
    rho = np.linspace(0.0, rho_max or 2.5 * thresholds(max(deltas), gamma)[1], 600)
    colors = ["C0", "C1", "C4", "C5", "C8", "C9"]
    for i, delta in enumerate(sorted(deltas, reverse=True)):
        c = colors[i % len(colors)]
        ax_val.plot(rho, top_eigenvalue(rho, delta, gamma), color=c, label=rf"$\delta$ = {delta:g}")
        ax_vec.plot(rho, overlap(rho, delta, gamma), color=c, label=rf"$\delta$ = {delta:g}")
    ax_val.plot(rho, paul_top_eigenvalue(rho, gamma), "k--", lw=1.2, label=r"Paul ($\delta \to 0$)")
    ax_vec.plot(rho, paul_overlap(rho, gamma), "k--", lw=1.2, label=r"Paul ($\delta \to 0$)")
    for a in axes:
        a.axvline(np.sqrt(gamma), color="k", lw=0.6, ls=":")
        a.set_xlabel(r"$\rho = \alpha\|\mu\|^2/\kappa$")
    ax_vec.text(np.sqrt(gamma), 0.97, r" $\sqrt{\gamma}$", va="top",
                transform=ax_vec.get_xaxis_transform())
    ax_val.set_ylabel(r"top eigenvalue / $\kappa$")
    ax_vec.set_ylabel(r"$|\hat u^\top u|^2$")
    ax_val.set_title(rf"$\gamma$ = {gamma:g}")
    ax_vec.set_title(rf"$\gamma$ = {gamma:g}")
    ax_val.legend(loc="upper left", fontsize="small")
    ax_vec.legend(loc="lower right", fontsize="small")
    return fig


def plot_finite_size_transition(simulations, *, axes=None) -> Figure:
    r"""Simulated top eigenvalue and alignment near the transition, one colour per d.

    Simulations are grouped by dimension d and by ρ; each group is drawn as its mean with
    an error bar of ± one standard error over seeds, against the limits
    :func:`attnrmt_lib.top_eigenvalue` and :func:`attnrmt_lib.overlap` (at the δ, γ
    realised by the first simulation; pass simulations that share them). Finite-d
    effects are then visible: near and below ρ₂ the top eigenvalue sits below the bulk
    edge (the Tracy–Widom regime, a shift of order :math:`d^{-2/3}`) and the alignment
    is positive where the limit is zero.

    Parameters
    ----------
    simulations : iterable of SimulationResult
        Runs at several d, several seeds per (d, ρ).
    axes : pair of matplotlib axes, optional
    """
    sims = list(simulations)
    if not sims:
        raise ValueError("simulations must contain at least one SimulationResult")
    delta, gamma = sims[0].delta, sims[0].gamma
    if axes is None:
        fig, axes = _axes(None, ncols=2, figsize=(10, 3.8))
    else:
        fig = axes[0].figure
    ax_val, ax_vec = axes
    rhos = np.array([s.rho for s in sims])
    rho = np.linspace(rhos.min(), rhos.max(), 400)
    ax_val.plot(rho, top_eigenvalue(rho, delta, gamma), color=THEORY, label=r"limit $d \to \infty$")
    ax_vec.plot(rho, overlap(rho, delta, gamma), color=THEORY, label=r"limit $d \to \infty$")
    colors = ["C0", "C1", "C4", "C5", "C8", "C9"]
    dims = sorted({s.d for s in sims})
    span = rhos.max() - rhos.min() or 1.0
    for i, d in enumerate(dims):
        group = [s for s in sims if s.d == d]
        keys = np.round([s.rho for s in group], 9)
        for a, values in ((ax_val, [s.top_eigenvalue / s.kappa for s in group]),
                          (ax_vec, [s.overlap for s in group])):
            values = np.asarray(values)
            xs, means, errs = [], [], []
            for k in np.unique(keys):
                v = values[keys == k]
                xs.append(k)
                means.append(v.mean())
                errs.append(v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0)
            # Small horizontal offsets keep the error bars of different d apart.
            shift = (i - (len(dims) - 1) / 2) * 0.006 * span
            a.errorbar(np.array(xs) + shift, means, yerr=errs, fmt="o", ms=3.5, capsize=2,
                       color=colors[i % len(colors)], label=f"d = {d} (mean ± s.e.)")
    rho1, rho2 = thresholds(delta, gamma)
    for a in axes:
        a.axvline(rho2, color=THEORY, lw=0.8, ls="--")
        a.set_xlabel(r"$\rho = \alpha\|\mu\|^2/\kappa$")
    ax_vec.text(rho2, 0.97, r" $\rho_2$", va="top", transform=ax_vec.get_xaxis_transform())
    ax_val.set_ylabel(r"top eigenvalue / $\kappa$")
    ax_vec.set_ylabel(r"$|\hat u^\top u|^2$")
    ax_val.legend(loc="upper left", fontsize="small")
    ax_vec.legend(loc="lower right", fontsize="small")
    return fig


def plot_mean_token_outlier(simulations, weightings: dict, gamma: float, *,
                            delta_range=(0.05, 2.0), ax=None) -> Figure:
    r"""Spurious outlier of an uncentered table against δ, predicted by the outlier formula.

    For each weighting the curve is :math:`\lambda_{\rm out}(\rho_{\rm spur}) / \kappa`
    with :math:`\rho_{\rm spur} = (\sum_t w_t)^2\delta/\kappa`
    (:func:`~attnrmt_lib.mean_token_snr`, :func:`~attnrmt_lib.top_eigenvalue`), the bulk
    edge where :math:`\rho_{\rm spur} < \rho_2`; markers are simulations.

    Parameters
    ----------
    simulations : pandas.DataFrame
        Columns ``weighting`` (a key of ``weightings``), ``delta`` (realised) and ``top``
        (top eigenvalue / κ of an uncentered table without signal).
    weightings : dict
        ``{label: weights}``.
    gamma : float
        Ratio d/N of the simulations.
    delta_range : (float, float)
        Range of δ for the curves.
    """
    from .spikes import mean_token_snr

    fig, ax = _axes(ax)
    deltas = np.geomspace(*delta_range, 200)
    ax.loglog(deltas, [bulk_edges(x, gamma)[1] for x in deltas], color="0.5", ls=":",
              label="bulk edge")
    for i, (label, w) in enumerate(weightings.items()):
        curve = [float(top_eigenvalue(mean_token_snr(w, x), x, gamma)) for x in deltas]
        line = ax.loglog(deltas, curve, lw=1.6, label=label)[0]
        sims = simulations[simulations["weighting"] == label]
        ax.loglog(sims["delta"], sims["top"], ls="none", marker="osD^"[i % 4],
                  color=line.get_color(), alpha=0.8)
    from matplotlib.ticker import ScalarFormatter

    ticks = [t for t in (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
             if delta_range[0] <= t <= delta_range[1]]
    ax.set_xticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_formatter("")
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(ScalarFormatter())
    ax.set_xlabel(r"$\delta = d/V$")
    ax.set_ylabel(r"top eigenvalue / $\kappa$ (uncentered table)")
    ax.legend(fontsize="small")
    return fig


# Figures are shown at the width of the book's text column (about 6.9 in at 100 dpi), so a
# wide multi-panel figure is scaled down and its text would shrink with it. Every public
# plot function that makes its own figure therefore scales the figure's fonts by
# width / 6.4 in, the width of a single-panel figure, which keeps text the same size on the
# page whatever the layout.
_TEXT_COLUMN_IN = 6.4


def _scale_fonts(fig: Figure) -> None:
    factor = fig.get_figwidth() / _TEXT_COLUMN_IN
    if factor <= 1.05:
        return
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties

    # Only the texts that exist: walking every artist (findobj) would build all the tick
    # objects and cost more than drawing the figure, which slows the explorers.
    texts = list(fig.texts) + [t for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, ax.xaxis.get_offset_text(),
                  ax.yaxis.get_offset_text(), *ax.texts]
        texts += [getattr(ax, name) for name in ("_left_title", "_right_title") if hasattr(ax, name)]
        legend = ax.get_legend()
        if legend is not None:
            texts += [*legend.get_texts(), legend.get_title()]
        for axis in ("x", "y"):
            base = FontProperties(size=mpl.rcParams[f"{axis}tick.labelsize"]).get_size_in_points()
            ax.tick_params(axis=axis, which="both", labelsize=base * factor)
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None:
        texts.append(suptitle)
    for text in texts:
        text.set_fontsize(text.get_fontsize() * factor)


def _readable(plot):
    import functools

    @functools.wraps(plot)
    def wrapper(*args, **kwargs):
        fig = plot(*args, **kwargs)
        if kwargs.get("ax") is None and kwargs.get("axes") is None:
            _scale_fonts(fig)
        return fig

    return wrapper


for _name in __all__:
    globals()[_name] = _readable(globals()[_name])
del _name
