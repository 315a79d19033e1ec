"""Figures of the chapter "From the spectrum to decisions": test, estimate, classify, plug in."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..bulk import bulk_density
from ..classification import (
    pool_labelled_sequences,
    spectral_scores,
    supervised_optimum_error,
    unsupervised_error,
)
from ..estimation import (estimate_signal, invert_top_eigenvalue, outlier_fluctuation,
                          outlier_slope)
from ..labels import geometric_purity, label_model
from ..outlier_test import (
    outlier_test,
    rejection_rate,
    simulated_critical_value,
    soft_edge,
    tw_critical_value,
    tw_statistic,
)
from ..plugin_weights import plugin_weights
from ..spikes import thresholds, top_eigenvalue
from ..tracy_widom import tw1_pdf
from ..weights import harmonic_weights, mean_weights, optimal_weights, snr
from ._style import POPULATION, SAMPLE, THEORY, figure_axes, readable

__all__ = ["plot_null_edge", "plot_power", "plot_estimation", "plot_classification",
           "plot_plugin_cost", "plot_decision_summary", "POOLINGS"]


def _realised(d: int, delta: float, gamma: float) -> tuple[float, float]:
    """The ratios d/V, d/N of the simulator's rounding (V = round(d/δ), N = round(d/γ))."""
    return d / max(2, round(d / delta)), d / max(1, round(d / gamma))


@readable
def plot_null_edge(replicates: dict, delta: float, gamma: float, *, ax=None) -> Figure:
    r"""Null top eigenvalues rescaled at the edge, :math:`(\lambda_{\max} - \lambda_+)d^{2/3}/\sigma`, against TW₁.

    Parameters
    ----------
    replicates : dict
        d -> array of null top eigenvalues in units of κ (e.g. column 0 of
        :func:`attnrmt_lib.outlier_test.top_eigenvalue_replicates`).
    delta, gamma : float
        Target ratios (the realised ones are recomputed from d).
    ax : matplotlib Axes, optional
    """
    fig, ax = figure_axes(ax)
    bins = np.linspace(-6.0, 5.0, 34)
    for k, (d, x) in enumerate(replicates.items()):
        de, ga = _realised(d, delta, gamma)
        z = tw_statistic(np.asarray(x), d, de, ga)
        ax.hist(z, bins=bins, density=True, histtype="step", lw=1.5, color=f"C{k}",
                label=f"d = {d} ({len(z)} draws): mean {z.mean():.2f}, sd {z.std(ddof=1):.2f}")
    s = np.linspace(-6.0, 5.0, 300)
    ax.plot(s, tw1_pdf(s), color=THEORY, lw=2, label=r"TW$_1$: mean $-1.21$, sd $1.27$")
    ax.set_xlabel(r"$(\lambda_{\max}/\kappa - \lambda_+)\,d^{2/3}/\sigma$")
    ax.set_ylabel("density")
    ax.set_title(r"null top eigenvalue at the edge of "
                 r"$\kappa(\mathrm{MP}_\delta\boxtimes\mathrm{MP}_\gamma)$")
    ax.legend(fontsize="small", loc="upper left")
    return fig


@readable
def plot_power(ratios, replicates: dict, delta: float, gamma: float, *, level: float = 0.05,
               ax=None) -> Figure:
    r"""Rejection rate of the test against ρ/ρ₂: Tracy–Widom calibration (solid) and simulated null (dashed).

    Parameters
    ----------
    ratios : array_like
        ρ/ρ₂ of the columns of each replicate array (0 = null).
    replicates : dict
        d -> array (n, len(ratios)) of top eigenvalues in units of κ.
    delta, gamma : float
    level : float, default 0.05
    ax : matplotlib Axes, optional
    """
    fig, ax = figure_axes(ax)
    ratios = np.asarray(ratios, dtype=float)
    alt = ratios > 0
    for k, (d, x) in enumerate(replicates.items()):
        x = np.asarray(x)
        de, ga = _realised(d, delta, gamma)
        rate, se = rejection_rate(x, tw_critical_value(d, de, ga, level=level))
        sim, _ = rejection_rate(x, simulated_critical_value(x[:, 0], level))
        ax.errorbar(ratios[alt], rate[alt], yerr=se[alt], fmt="o-", ms=3, lw=1.2, capsize=2,
                    color=f"C{k}", label=f"d = {d}: size {rate[0]:.3f} (n = {x.shape[0]})")
        ax.plot(ratios[alt], sim[alt], "--", lw=1, color=f"C{k}")
    ax.plot([], [], "--", color="0.4", lw=1, label="simulated-null calibration")
    ax.axhline(0.9, color="0.5", lw=0.8, ls=":")
    ax.axhline(level, color="0.5", lw=0.8, ls=":")
    ax.axvline(1.0, color="0.5", lw=0.8)
    ax.set_xlabel(r"$\rho/\rho_2$")
    ax.set_ylabel(f"rejection rate at level {level:g}")
    ax.set_title("power of the outlier test (Tracy–Widom critical value)")
    ax.legend(fontsize="small", loc="upper left")
    return fig


@readable
def plot_estimation(ratios, replicates: dict, delta: float, gamma: float, *,
                    excess_kurtosis: float = 0.0, axes=None) -> Figure:
    r"""Bias and spread of :math:`\hat\rho` against ρ/ρ₂ (left) and the outlier's spread against theory (right).

    Left: mean of :math:`\hat\rho/\rho - 1` (dots) with the band ± one simulated standard
    deviation, and ± the finite-size standard error of
    :func:`~attnrmt_lib.estimation.estimate_signal` (lines). Right: :math:`\sqrt d` times the
    standard deviation of :math:`\hat\lambda/\kappa` against
    :func:`~attnrmt_lib.estimation.outlier_fluctuation`.
    """
    fig, (ax, ax2) = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    ratios = np.asarray(ratios, dtype=float)
    _, rho2 = thresholds(delta, gamma)
    alt = ratios >= 1.0
    grid = np.linspace(max(1.03, ratios[alt].min()), ratios.max(), 30)
    sigma = outlier_fluctuation(grid * rho2, delta, gamma, excess_kurtosis=excess_kurtosis)
    for k, (d, x) in enumerate(replicates.items()):
        x = np.asarray(x)[:, alt]
        de, ga = _realised(d, delta, gamma)
        rho = ratios[alt] * rho2
        rel = invert_top_eigenvalue(x, de, ga) / rho - 1.0
        color = f"C{k}"
        ax.plot(ratios[alt], rel.mean(axis=0), "o-", ms=3, color=color, lw=1,
                label=f"d = {d}")
        ax.fill_between(ratios[alt], rel.mean(axis=0) - rel.std(axis=0, ddof=1),
                        rel.mean(axis=0) + rel.std(axis=0, ddof=1), color=color, alpha=0.15)
        # The finite-size standard error of ρ̂ (estimate_signal), relative to ρ.
        se = (outlier_fluctuation(grid * rho2, de, ga, excess_kurtosis=excess_kurtosis)
              / (np.sqrt(d) * outlier_slope(grid * rho2, de, ga) * grid * rho2))
        ax.plot(grid, se, "--", color=color, lw=1)
        ax.plot(grid, -se, "--", color=color, lw=1)
        ax2.plot(ratios[alt], np.sqrt(d) * x.std(axis=0, ddof=1), "o", ms=4, color=color,
                 label=f"d = {d} ({x.shape[0]} draws)")
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.set_ylim(-0.6, 0.6)
    ax.set_xlabel(r"$\rho/\rho_2$")
    ax.set_ylabel(r"$\hat\rho/\rho - 1$")
    ax.set_title(r"bias (dots), spread (band), theory $\pm$ s.e. (dashed)")
    ax.legend(fontsize="small")
    ax2.plot(grid, sigma, color=THEORY, lw=2, label=r"theory $\sigma_\lambda$")
    ax2.set_xlabel(r"$\rho/\rho_2$")
    ax2.set_ylabel(r"$\sqrt{d}\times$ sd of $\hat\lambda/\kappa$")
    ax2.set_title("fluctuation of the outlier")
    ax2.legend(fontsize="small")
    return fig


@readable
def plot_classification(s, delta: float, gamma: float, poolings: dict, simulated: dict, *,
                        mu_grid=None, ax=None) -> Figure:
    r"""Unsupervised error against ‖μ‖²: theory (lines), simulation (dots), supervised optimum.

    Parameters
    ----------
    s : array_like
        Purity profile of the label model.
    delta, gamma : float
    poolings : dict
        Name -> pooling weights.
    simulated : dict
        Name -> (mu_norm2 values, in-sample errors) from simulations.
    mu_grid : array_like, optional
        ‖μ‖² values of the theory curves.
    ax : matplotlib Axes, optional
    """
    fig, ax = figure_axes(ax)
    if mu_grid is None:
        mu_grid = np.linspace(0.2, 4.0, 60)
    mu_grid = np.asarray(mu_grid, dtype=float)
    for k, (name, w) in enumerate(poolings.items()):
        color = f"C{k}"
        ax.plot(mu_grid, [unsupervised_error(w, s, m, delta, gamma) for m in mu_grid],
                color=color, lw=1.5, label=f"unsupervised, {name} pooling")
        if name in simulated:
            m, e = simulated[name]
            ax.plot(m, e, "o", color=color, ms=4)
    ax.plot(mu_grid, [supervised_optimum_error(s, m, delta) for m in mu_grid], color=THEORY,
            lw=2, ls="--", label="supervised optimum (appendix A5)")
    ax.plot([], [], "o", color="0.4", ms=4, label="simulation (in-sample)")
    ax.set_xlabel(r"signal strength $\|\mu\|^2$")
    ax.set_ylabel("classification error")
    ax.set_ylim(0.0, 0.52)
    ax.set_title(r"sign$(\hat u^\top c_n)$ against the hidden labels")
    ax.legend(fontsize="small")
    return fig


@readable
def plot_plugin_cost(N_values, simulated: dict, theory: dict, references: dict, *,
                     ax=None) -> Figure:
    r"""Loss in α/κ of the plug-in weights against the number of sequences N (log-log).

    Parameters
    ----------
    N_values : array_like
    simulated : dict
        Label -> array (len(N_values), reps) of realised losses :math:`\lambda_{\max}(R) - \alpha/\kappa`.
    theory : dict
        Label -> array (len(N_values),) of first-order predictions (same labels).
    references : dict
        Label -> loss of a fixed pooling (e.g. harmonic, mean), drawn as horizontal lines.
    ax : matplotlib Axes, optional
    """
    fig, ax = figure_axes(ax)
    N = np.asarray(N_values, dtype=float)
    for k, (label, loss) in enumerate(simulated.items()):
        loss = np.asarray(loss)
        color = f"C{k}"
        ax.errorbar(N, loss.mean(axis=1), yerr=loss.std(axis=1, ddof=1) / np.sqrt(loss.shape[1]),
                    fmt="o", ms=4, capsize=2, color=color, label=f"{label} (simulation)")
        if label in theory:
            ax.plot(N, theory[label], "-", color=color, lw=1.2, label=f"{label}: first order")
    for j, (label, value) in enumerate(references.items()):
        ax.axhline(value, color=["0.3", "0.6", POPULATION][j % 3], ls=":", lw=1.2,
                   label=f"{label} (no estimate)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of sequences $N$")
    ax.set_ylabel(r"$\lambda_{\max}(R) - \alpha/\kappa$")
    ax.set_title("what estimating $R$ costs")
    ax.legend(fontsize="small", loc="lower left")
    return fig


POOLINGS = ("mean", "harmonic", "plug-in", "optimal (oracle)")


@readable
def plot_decision_summary(mu_norm2: float = 1.5, d: int = 300, pooling: str = "mean", *,
                          delta: float = 0.5, gamma: float = 0.5, T: int = 8, s0: float = 0.9,
                          r: float = 0.8, seed=0, axes=None) -> Figure:
    r"""One data set, every decision: test, estimate and classify (label model).

    Draws N = d/γ labelled sequences (purity :math:`s_0r^{t-1}`), pools them
    (``pooling`` one of :data:`POOLINGS`; "plug-in" runs one cross-fitted iteration of
    :func:`~attnrmt_lib.plugin_weights.plugin_weights` from mean pooling), and shows the
    top of the spectrum with the bulk edge, the Tracy–Widom critical value and the
    predicted outlier (left), and the scores :math:`\hat u^\top c_n` of both classes (right),
    with the test, the estimate :math:`\hat\rho \pm` s.e. and the error against theory in
    the titles.
    """
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
    fig, (ax, ax2) = figure_axes(axes, ncols=2, figsize=(10, 3.8))
    s = geometric_purity(T, s0, r)
    R = label_model(s).R
    start = {"mean": mean_weights(T), "harmonic": harmonic_weights(T),
             "plug-in": mean_weights(T), "optimal (oracle)": optimal_weights(R)}[pooling]
    data, labels = pool_labelled_sequences(s=s, weights=start, mu_norm2=mu_norm2, gamma=gamma,
                                           d=d, delta=delta, seed=seed)
    if pooling == "plug-in":
        data = plugin_weights(data, iterations=1, seed=seed).data
    de, ga, kappa = data.delta, data.gamma, data.kappa
    lam = np.linalg.eigvalsh(data.covariance()) / kappa
    test = outlier_test(lam[-1], d=d, delta=de, gamma=ga)
    est = estimate_signal(lam[-1], d=d, delta=de, gamma=ga)
    _, scores, _ = spectral_scores(data.C)
    wrong = np.mean(np.sign(scores) != labels)
    flip = -1.0 if wrong > 0.5 else 1.0
    err = min(wrong, 1.0 - wrong)
    theory_err = unsupervised_error(data.weights, s, mu_norm2, de, ga)
    edge = soft_edge(de, ga)
    ax.hist(lam, bins=np.linspace(0.0, max(lam[-1], edge) * 1.1, 70), density=True,
            histtype="stepfilled", color=SAMPLE, alpha=0.6, label=r"eigenvalues of $S/\kappa$")
    grid = np.linspace(1e-3, edge, 300)
    ax.plot(grid, bulk_density(grid, de, ga), color=THEORY, lw=1.2,
            label=r"$\mathrm{MP}_\delta\boxtimes\mathrm{MP}_\gamma$")
    ax.axvline(edge, color="0.3", lw=1, label=rf"edge $\lambda_+$ = {edge:.2f}")
    ax.axvline(tw_critical_value(d, de, ga), color=THEORY, ls="--", lw=1.2,
               label="TW critical value (5 %)")
    ax.axvline(float(top_eigenvalue(data.rho, de, ga)), color=POPULATION, ls=":", lw=1.5,
               label="predicted top eigenvalue")
    ax.set_xlabel(r"eigenvalue of $S$ / $\kappa$")
    ax.set_ylabel("density")
    pvalue = f"p = {test.pvalue:.2g}" if test.pvalue >= 1e-6 else "p < 1e-6"
    verdict = "signal" if test.reject else "no signal"
    estimate = (rf"$\hat\rho$ = {est.rho:.2f} $\pm$ {est.rho_se:.2f}" if est.detected
                else r"$\hat\rho \leq \rho_2$")
    ax.set_title(f"{pvalue}: {verdict}\n{estimate} (true $\\rho$ = {data.rho:.2f})",
                 fontsize="medium")
    ax.legend(fontsize="small", loc="upper right")
    z = flip * scores / np.sqrt(np.mean(scores**2))
    bins = np.linspace(-4, 4, 50)
    ax2.hist(z[labels > 0], bins=bins, histtype="stepfilled", alpha=0.55, color="C1",
             label=r"label $+1$")
    ax2.hist(z[labels < 0], bins=bins, histtype="stepfilled", alpha=0.55, color="C0",
             label=r"label $-1$")
    ax2.axvline(0.0, color="0.3", lw=1)
    ax2.set_xlabel(r"score $\hat u^\top c_n$ (normalised)")
    ax2.set_ylabel("sequences")
    ax2.set_title(f"{pooling} pooling, α/κ = {snr(data.weights, R):.2f}\n"
                  f"error {err:.3f} (theory {theory_err:.3f})", fontsize="medium")
    ax2.legend(fontsize="small", loc="upper right")
    return fig
