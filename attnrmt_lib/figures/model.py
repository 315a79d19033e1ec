"""Figures of the model chapter (01_model): correlation matrices, pooled data, centering."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import ConnectionPatch

from ..bulk import bulk_density, bulk_edges
from ..correlation import PositionalModel
from ..sampling import as_generator
from ..simulation import SimulationResult
from ..spikes import mean_token_snr, thresholds, top_eigenvalue
from ._style import SAMPLE, THEORY, figure_axes, readable
from .spectrum import plot_spectrum

__all__ = ["plot_correlation_matrices", "plot_pooled_projections", "plot_centering_comparison",
           "plot_pipeline"]


@readable
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
    if axes is not None and np.size(np.array(axes, dtype=object)) != len(matrices):
        raise ValueError(f"got {np.size(np.array(axes, dtype=object))} axes for "
                         f"{len(matrices)} models")
    fig, axes = figure_axes(axes, ncols=len(matrices), squeeze=False,
                            figsize=(2.9 * len(matrices) + 0.8, 3.3))
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


@readable
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
    fig, ax = figure_axes(ax, figsize=(5.6, 4.4))
    rng = as_generator(seed)
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


@readable
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
    fig, axes = figure_axes(axes, ncols=2, figsize=(11, 3.9))
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


@readable
def plot_pipeline(data, *, rows: int = 24, axes=None) -> Figure:
    r"""The pipeline of the book in five panels: table, tokens, pooling, covariance, spectrum.

    (1) the vocabulary table :math:`Z` (its first ``rows`` rows); (2) the tokens
    :math:`x_{n,t}` of the first ``rows`` sequences, one colour per word, with the signal
    coefficients :math:`(\Xi w)_n` in the last column; (3) the pooled vectors
    :math:`C = AZ + (\Xi w)\mu^\top`; (4) the sample covariance :math:`S = C^\top C/N`; (5) its
    eigenvalues in units of κ against the bulk law :math:`\kappa(\mathrm{MP}_\delta\boxtimes
    \mathrm{MP}_\gamma)` (:func:`attnrmt_lib.bulk_density`), with the top eigenvalue marked.

    Parameters
    ----------
    data : attnrmt_lib.pooling.PooledData
        Output of :func:`attnrmt_lib.pooling.pool_sequences`; a small d (tens) reads best.
    rows : int, default 24
        Number of table rows and of sequences shown in panels 1 to 3.
    axes : sequence of 5 matplotlib axes, optional
    """
    fig, axes = figure_axes(axes, ncols=5, figsize=(11.0, 3.3))
    ax_z, ax_x, ax_c, ax_s, ax_ev = axes
    n = int(min(rows, data.V, data.N))
    heat = dict(cmap="RdBu_r", aspect="auto", interpolation="nearest")
    zmax = float(np.abs(data.Z[:n]).max())
    ax_z.imshow(data.Z[:n], vmin=-zmax, vmax=zmax, **heat)
    ax_z.set_title("1. table $Z$")
    ax_z.set_xlabel(f"{data.d} coordinates")
    ax_z.set_ylabel(f"{n} of {data.V} words")
    words = np.unique(data.tokens[:n])
    colour = np.searchsorted(words, data.tokens[:n]).astype(float)
    ax_x.imshow(colour, cmap="tab20", aspect="auto", interpolation="nearest")
    signal = data.signal[:n] / max(float(np.abs(data.signal).max()), 1e-12)
    ax_x.imshow(signal[:, None], cmap="coolwarm", vmin=-1, vmax=1, aspect="auto",
                interpolation="nearest", extent=(data.T + 0.5, data.T + 2.5, n - 0.5, -0.5))
    ax_x.set_xlim(-0.5, data.T + 2.5)
    ax_x.set_title("2. tokens")
    ax_x.set_xlabel(rf"$x_{{n,t}}$, $t \leq {data.T}$ | $(\Xi w)_n$")
    ax_x.set_ylabel(f"{n} of {data.N} sequences")
    cmax = float(np.abs(data.C[:n]).max())
    ax_c.imshow(data.C[:n], vmin=-cmax, vmax=cmax, **heat)
    ax_c.set_title("3. pooled $C$")
    ax_c.set_xlabel(r"$AZ + (\Xi w)\mu^\top$")
    S = data.covariance()
    smax = float(np.abs(S).max())
    ax_s.imshow(S, vmin=-smax, vmax=smax, **{**heat, "aspect": "equal"})
    ax_s.set_title("4. covariance")
    ax_s.set_xlabel(r"$S = C^\top C/N$")
    for ax in (ax_z, ax_x, ax_c, ax_s):
        ax.set_xticks([])
        ax.set_yticks([])
    values = np.linalg.eigvalsh(S) / data.kappa
    lower, upper = bulk_edges(data.delta, data.gamma)
    ax_ev.hist(values[:-1], bins=max(8, data.d // 4), density=True, color=SAMPLE, alpha=0.5)
    x = np.linspace(lower, upper, 300)
    ax_ev.plot(x, bulk_density(x, data.delta, data.gamma), color=THEORY)
    ax_ev.axvline(values[-1], color=SAMPLE, lw=2)
    ax_ev.set_yticks([])
    ax_ev.set_title("5. spectrum")
    ax_ev.set_xlabel(r"eigenvalues / $\kappa$")
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(wspace=0.12)  # room for the arrows between the panels
    for left, right in zip(axes[:-1], axes[1:]):
        fig.add_artist(ConnectionPatch(xyA=(1.03, 0.5), coordsA=left.transAxes,
                                       xyB=(-0.03, 0.5), coordsB=right.transAxes,
                                       arrowstyle="-|>", color="0.3", lw=1.2))
    return fig
