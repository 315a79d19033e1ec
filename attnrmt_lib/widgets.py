"""Interactive explorers (ipywidgets) over the plotting helpers.

Each explorer redraws one of the :mod:`attnrmt_lib.plotting` figures, so the static
figure a chapter shows first and the live explorer are the same code. They need a live
Jupyter kernel; in the rendered book the static twin stands in for them.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from IPython.display import display

from .correlation import iid
from .plotting import (
    plot_bulk_density,
    plot_causal_profile,
    plot_phase_transition,
    plot_spectrum,
)
from .simulation import simulate
from .spikes import thresholds as _thresholds
from .weights import mean_weights

__all__ = [
    "bulk_explorer",
    "transition_explorer",
    "spectrum_explorer",
    "centering_explorer",
    "bulk_simulation_explorer",
    "vocabulary_explorer",
    "optimal_attention_explorer",
    "causal_explorer",
    "transition_simulation_explorer",
    "learned_pooling_explorer",
    "attention_spectrum_explorer",
]


def _log_slider(description, value, low=-2.0, high=1.0):
    return widgets.FloatLogSlider(value=value, base=10, min=low, max=high, step=0.02,
                                  description=description, continuous_update=False,
                                  readout_format=".3g")


def _explorer(draw, controls: dict) -> widgets.Widget:
    def show(**kwargs):
        display(draw(**kwargs))

    out = widgets.interactive_output(show, controls)
    return widgets.VBox([widgets.HBox(list(controls.values())), out])


def bulk_explorer(delta: float = 0.5, gamma: float = 0.5) -> widgets.Widget:
    """Sliders over δ and γ redrawing :func:`~attnrmt_lib.plotting.plot_bulk_density`."""
    return _explorer(plot_bulk_density, {"delta": _log_slider("δ", delta),
                                         "gamma": _log_slider("γ", gamma)})


def transition_explorer(delta: float = 0.5, gamma: float = 0.5) -> widgets.Widget:
    """Sliders over δ and γ redrawing :func:`~attnrmt_lib.plotting.plot_phase_transition`."""
    return _explorer(plot_phase_transition, {"delta": _log_slider("δ", delta),
                                             "gamma": _log_slider("γ", gamma)})


def spectrum_explorer(delta: float = 0.5, gamma: float = 0.5, rho: float = 3.0,
                      d: int = 300, T: int = 8, seed: int = 0) -> widgets.Widget:
    """Simulate at the chosen δ, γ, ρ (mean pooling, i.i.d. signs) and redraw the spectrum."""

    def draw(delta, gamma, rho, d):
        result = simulate(d=d, delta=delta, gamma=gamma, weights=mean_weights(T),
                          correlation=iid(T), mu_norm2=rho, seed=seed)
        return plot_spectrum(result)

    controls = {
        "delta": _log_slider("δ", delta, -1.5, 0.5),
        "gamma": _log_slider("γ", gamma, -1.5, 0.5),
        "rho": widgets.FloatSlider(value=rho, min=0.0, max=8.0, step=0.05, description="ρ",
                                   continuous_update=False),
        "d": widgets.IntSlider(value=d, min=100, max=800, step=50, description="d",
                               continuous_update=False),
    }
    return _explorer(draw, controls)


def centering_explorer(delta: float = 0.5, gamma: float = 0.5, rho: float = 3.0,
                       T: int = 16, d: int = 250, seed: int = 0) -> widgets.Widget:
    """Centered against uncentered table: redraw :func:`~attnrmt_lib.plotting.plot_centering_comparison`.

    Sliders over the pooling (mean, first token, last token, harmonic), the sequence
    length T, δ, γ and ρ (i.i.d. signs, so ‖μ‖² = ρ); both runs share the seed.
    """
    from .plotting import plot_centering_comparison
    from .weights import harmonic_weights, token_weights

    poolings = {
        "mean": mean_weights,
        "first token": lambda T: token_weights(T, 0),
        "last token": lambda T: token_weights(T, -1),
        "harmonic": harmonic_weights,
    }

    def draw(pooling, T, delta, gamma, rho):
        kwargs = dict(d=d, delta=delta, gamma=gamma, weights=poolings[pooling](T),
                      correlation=iid(T), mu_norm2=rho, seed=seed)
        return plot_centering_comparison(simulate(**kwargs),
                                         simulate(**kwargs, center_table=False))

    controls = {
        "pooling": widgets.Dropdown(options=list(poolings), value="mean", description="pooling"),
        "T": widgets.IntSlider(value=T, min=1, max=48, description="T",
                               continuous_update=False),
        "delta": _log_slider("δ", delta, -1.0, 0.5),
        "gamma": _log_slider("γ", gamma, -1.0, 0.5),
        "rho": widgets.FloatSlider(value=rho, min=0.0, max=8.0, step=0.05, description="ρ",
                                   continuous_update=False),
    }
    return _explorer(draw, controls)


# --- Chapter 2 (the bulk law): a simulated bulk, and the cost of a finite vocabulary.

def bulk_simulation_explorer(delta: float = 0.5, gamma: float = 0.5, d: int = 300, T: int = 8,
                             seed: int = 0) -> widgets.Widget:
    """Simulate a signal-free pooled spectrum (d ≤ 400, mean pooling) against the bulk law.

    Redraws :func:`~attnrmt_lib.plotting.plot_bulk_simulation` with the fresh-token law
    κ MP_γ for comparison; sliders over δ, γ, T and d.
    """
    from .plotting import plot_bulk_simulation

    def draw(delta, gamma, T, d):
        result = simulate(d=d, delta=delta, gamma=gamma, weights=mean_weights(T),
                          correlation=iid(T), mu_norm2=0.0, seed=seed)
        return plot_bulk_simulation(result)

    controls = {
        "delta": _log_slider("δ", delta, -1.5, 0.5),
        "gamma": _log_slider("γ", gamma, -1.5, 0.5),
        "T": widgets.IntSlider(value=T, min=1, max=32, description="T",
                               continuous_update=False),
        "d": widgets.IntSlider(value=min(d, 400), min=100, max=400, step=50, description="d",
                               continuous_update=False),
    }
    return _explorer(draw, controls)


def vocabulary_explorer(delta: float = 0.5, gamma: float = 0.5) -> widgets.Widget:
    """Sliders over δ and γ redrawing :func:`~attnrmt_lib.plotting.plot_vocabulary_cost`."""
    from .plotting import plot_vocabulary_cost

    return _explorer(plot_vocabulary_cost, {"delta": _log_slider("δ", delta, -2.0, 0.5),
                                            "gamma": _log_slider("γ", gamma, -2.0, 0.5)})


# --- Chapter 4 (optimal attention): purity profile explorer (theory only).


def optimal_attention_explorer(s0: float = 0.9, r: float = 0.8, T: int = 16,
                               delta: float = 0.5, gamma: float = 0.5) -> widgets.Widget:
    """Sliders over the label model's purity s_t = s0 r^(t-1), T, δ and γ.

    Redraws :func:`~attnrmt_lib.plotting.plot_purity_comparison`: the optimal, harmonic and
    mean weights against the purity, with α/κ and the detection thresholds ρ₂κ/α of the
    standard poolings. Theory only.
    """
    from .plotting import plot_purity_comparison

    def slider(description, value, low, high, step=0.01):
        return widgets.FloatSlider(value=value, min=low, max=high, step=step,
                                   description=description, continuous_update=False)

    controls = {
        "s0": slider("s₀", s0, 0.0, 1.0),
        "r": slider("r", r, 0.0, 1.0),
        "T": widgets.IntSlider(value=T, min=2, max=64, description="T", continuous_update=False),
        "delta": _log_slider("δ", delta),
        "gamma": _log_slider("γ", gamma),
    }
    return _explorer(plot_purity_comparison, controls)


# ---------------------------------------------------------------------------------------
# Causal attention and harmonic weights (chapter "causal").


def causal_explorer(tau: float = 0.0, r: float = 0.8, s0: float = 0.9,
                    T: int = 16) -> widgets.Widget:
    """Sliders over τ, the purity decay r and s₀ redrawing
    :func:`~attnrmt_lib.plotting.plot_causal_profile` (theory only)."""

    def draw(tau, r, s0, T):
        return plot_causal_profile(tau=tau, r=r, s0=s0, T=T)

    controls = {
        "tau": widgets.FloatSlider(value=tau, min=0.0, max=6.0, step=0.1, description="τ",
                                   continuous_update=False),
        "r": widgets.FloatSlider(value=r, min=0.0, max=1.0, step=0.01, description="r",
                                 continuous_update=False),
        "s0": widgets.FloatSlider(value=s0, min=0.05, max=1.0, step=0.05, description="s₀",
                                  continuous_update=False),
        "T": widgets.IntSlider(value=T, min=2, max=64, step=1, description="T",
                               continuous_update=False),
    }
    return _explorer(draw, controls)


# --------------------------------------------------------------------------- chapter 3:
# a simulation-backed twin of transition_explorer


def transition_simulation_explorer(delta: float = 0.5, gamma: float = 0.5, d: int = 200,
                                   n_rho: int = 10, seeds: int = 1, T: int = 8) -> widgets.Widget:
    """Sliders over δ, γ and d: theory curves of the transition with fresh simulations.

    Simulates mean pooling with i.i.d. signs (so ρ = ‖μ‖²) at ``n_rho`` values of ρ in
    (0, 2.5 ρ₂] with ``seeds`` seeds each and redraws
    :func:`~attnrmt_lib.plotting.plot_phase_transition` with them. The sliders keep
    δ, γ in [0.1, 3.2] and d in [100, 300] (a table of d/δ rows and d/γ sequences per
    run), so that a redraw with the defaults stays under half a second.
    """

    def draw(delta, gamma, d):
        rho2 = _thresholds(delta, gamma)[1]
        sims = [simulate(d=d, delta=delta, gamma=gamma, weights=mean_weights(T),
                         correlation=iid(T), mu_norm2=float(rho), seed=seed)
                for rho in np.linspace(2.5 * rho2 / n_rho, 2.5 * rho2, n_rho)
                for seed in range(seeds)]
        return plot_phase_transition(delta, gamma, simulations=sims)

    controls = {
        "delta": _log_slider("δ", delta, -1.0, 0.5),
        "gamma": _log_slider("γ", gamma, -1.0, 0.5),
        "d": widgets.IntSlider(value=d, min=100, max=300, step=50, description="d",
                               continuous_update=False),
    }
    return _explorer(draw, controls)


# --------------------------------------------------------------------------- appendix
# "Learned pooling": train both parameterisations and redraw profiles and singular values.


def learned_pooling_explorer(lam: float = 0.001, n: int = 4000, r: float = 0.8,
                             mu_norm2: float = 1.0, s0: float = 0.9, T: int = 12,
                             d: int = 100, delta: float = 0.5,
                             seed: int = 1) -> widgets.Widget:
    """Sliders over the weight decay λ, the training-set size n, the purity decay r and ‖μ‖².

    Draws a label-model task (purity s_t = s0 r^(t-1), table with δ = d/V), n training
    sequences, fits the factorised and the direct pooling classifier (square loss,
    L-BFGS) and redraws :func:`~attnrmt_lib.learned_pooling.plot_learned_pooling`: the
    learned profiles against the supervised and spectral optima, and the singular values
    of the learned B. The task is drawn with ``seed`` and the training set with
    ``seed + 1`` at every redraw (so the defaults reproduce the chapter's figure).
    """
    from .causal import geometric_purity
    from .learned_pooling import (
        fit_direct_pooling,
        fit_factorised_pooling,
        label_sequences,
        label_task,
        plot_learned_pooling,
    )

    def draw(lam, n, r, mu_norm2):
        task = label_task(geometric_purity(T, s0, r), d=d, delta=delta, mu_norm2=mu_norm2,
                          seed=seed)
        data = label_sequences(task, n, seed=seed + 1)
        return plot_learned_pooling(task, fit_factorised_pooling(data, lam=lam),
                                    fit_direct_pooling(data, lam=lam), n=n)

    controls = {
        "lam": _log_slider("λ", lam, -4.0, 0.0),
        "n": widgets.SelectionSlider(options=[125, 250, 500, 1000, 2000, 4000, 8000],
                                     value=n, description="n", continuous_update=False),
        "r": widgets.FloatSlider(value=r, min=0.5, max=1.0, step=0.01, description="r",
                                 continuous_update=False),
        "mu_norm2": widgets.FloatSlider(value=mu_norm2, min=0.25, max=4.0, step=0.05,
                                        description="‖μ‖²", continuous_update=False),
    }
    return _explorer(draw, controls)


# --------------------------------------------------------------------------- appendix A4:
# the spectrum of a random attention matrix


def attention_spectrum_explorer(beta: float = 1.0, ell: int = 300,
                                seed: int = 0) -> widgets.Widget:
    """Sliders over the inverse temperature β and the number of tokens ℓ (= d = d_qk).

    Draws tokens and query/key maps, and redraws
    :func:`~attnrmt_lib.attention_matrix.plot_attention_spectrum`: the squared singular
    values of √ℓ·A (top three removed) against fitted Marchenko–Pastur laws and the
    Gaussian-equivalent linear model. ℓ ≤ 300 keeps a redraw under half a second.
    """
    from .attention_matrix import plot_attention_spectrum

    def draw(beta, ell):
        return plot_attention_spectrum(beta, ell, seed=seed)

    controls = {
        "beta": _log_slider("β", beta, -1.0, 1.0),
        "ell": widgets.IntSlider(value=min(ell, 300), min=100, max=300, step=50,
                                 description="ℓ", continuous_update=False),
    }
    return _explorer(draw, controls)
