"""Interactive explorers (ipywidgets) over the book's figures.

Each explorer redraws one of the :mod:`attnrmt_lib.figures` figures, so the static
figure a chapter shows first and the live explorer are the same code. They need a live
Jupyter kernel; in the rendered book the static twin stands in for them.
"""

from __future__ import annotations

import contextlib
import html
import sys

import ipywidgets as widgets
import numpy as np
from threadpoolctl import threadpool_limits

from .correlation import iid
from .figures._live import LiveFigure
from .figures.attention_matrix import plot_attention_spectrum
from .figures.bulk import plot_bulk_density, plot_bulk_simulation, plot_vocabulary_cost
from .figures.causal_attention import plot_causal_profile
from .figures.learned_pooling import plot_learned_pooling
from .figures.model import plot_centering_comparison
from .figures.optimal_attention import plot_purity_comparison
from .figures.spectrum import plot_spectrum
from .figures.transitions import plot_phase_transition
from .labels import geometric_purity
from .learned_pooling import fit_direct_pooling, fit_factorised_pooling, label_sequences, label_task
from .simulation import simulate
from .spikes import thresholds as _thresholds
from .weights import harmonic_weights, mean_weights, token_weights

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
    "determinant_lemma_explorer",
    "decisions_explorer",
]


# What each control means, for a reader who meets the explorer without the chapter: the
# label shown (symbol and a short name) and the tooltip. Keyed by the control's description,
# so every explorer (including ones that build their controls by hand) gets them.
CONTROL_LABELS = {
    "δ": ("δ = d/V (vocabulary)", "vocabulary ratio δ = d/V: embedding dimension d over "
                                 "vocabulary size V (V is rounded to an integer)"),
    "γ": ("γ = d/N (samples)", "sample ratio γ = d/N: embedding dimension d over the "
                              "number N of sequences"),
    "ρ": ("ρ (signal)", "effective signal-to-noise ratio ρ = α‖μ‖²/κ (i.i.d. signs: ρ = ‖μ‖²)"),
    "T": ("T (tokens)", "sequence length: tokens per sequence"),
    "d": ("d (dimension)", "embedding dimension of the simulation"),
    "s₀": ("s₀ (first purity)", "purity of the first token, s₁ = s₀"),
    "r": ("r (purity decay)", "purity decay: s_t = s₀ r^(t−1)"),
    "τ": ("τ (temperature)", "temperature of the causal softmax attention"),
    "β": ("β (inverse temp.)", "inverse temperature of the softmax"),
    "ℓ": ("ℓ = d (tokens)", "number of tokens ℓ, equal to the dimensions d = d_qk"),
    "λ": ("λ (weight decay)", "weight decay of the training loss"),
    "n": ("n (training set)", "number of training sequences"),
    "‖μ‖²": ("‖μ‖² (signal)", "signal strength: squared norm of the class direction μ"),
    "pooling": ("pooling", "attention weights used to pool each sequence"),
}

# Controls in a grid: as many columns of at least 360 px as fit, so a slider's track keeps
# about 170 px beside its label and readout at any window width (one column when narrow).
GRID = widgets.Layout(grid_template_columns="repeat(auto-fill, minmax(360px, 1fr))",
                      grid_gap="0px 24px", width="100%")


def _log_slider(description, value, low=-2.0, high=1.0):
    return widgets.FloatLogSlider(value=value, base=10, min=low, max=high, step=0.02,
                                  description=description, continuous_update=False,
                                  readout_format=".3g")


def _label(control) -> None:
    """Symbol plus short name, a tooltip, and a layout that leaves the track its width."""
    label = CONTROL_LABELS.get(control.description)
    if label is not None:
        control.description = label[0]
        if not getattr(control, "tooltip", None):
            control.tooltip = label[1]
    control.style.description_width = "initial"
    control.layout.width = "100%"
    if isinstance(control, widgets.Dropdown) and control.tooltip:
        # ipywidgets' drop-down ignores `tooltip` in the browser: carry it on the label.
        control.description_allow_html = True
        control.description = (f'<span title="{html.escape(control.tooltip, quote=True)}">'
                               f"{html.escape(control.description)}</span>")


def _one_blas_thread():
    """BLAS limited to one thread while a frame is drawn; nothing under Pyodide, which has
    no threads, and where threadpoolctl's search of the loaded libraries took 0.65 s a
    frame, ten times the frame itself (benchmarks/live.py)."""
    if sys.platform == "emscripten":
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class Explorer(widgets.VBox):
    """Controls in a grid above one live figure (a PNG image), redrawn on every change.

    ``draw(**values)`` is a figure function or a wrapper of one (see
    :class:`~attnrmt_lib.figures._live.LiveFigure`); ``controls`` maps its parameter names
    to widgets. Sliders update when released (or at each key press): a redraw is the
    slider-to-pixels cost of one frame, see ``benchmarks/widgets.py``.
    """

    def __init__(self, draw, controls: dict, name: str = ""):
        for control in controls.values():
            _label(control)
        self.controls = controls
        self.figure = LiveFigure(draw)
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            max_width="100%", height="auto", object_fit="contain"))
        self.message = widgets.HTML()
        super().__init__([widgets.GridBox(list(controls.values()), layout=GRID),
                          self.image, self.message])
        self.add_class("attnrmt-explorer")
        if name:
            self.add_class(f"attnrmt-explorer-{name}")
        for control in controls.values():
            control.observe(self._redraw, names="value")
        self._redraw()

    def values(self) -> dict:
        return {key: control.value for key, control in self.controls.items()}

    def _redraw(self, change=None) -> None:
        try:
            # One BLAS thread: an explorer's matrices are small, and on a machine with few
            # cores, shared with the browser and the Jupyter server, OpenBLAS's spinning
            # threads made a d = 250 eigensolve 10-50 times slower (benchmarks/widgets.py).
            with _one_blas_thread():
                self.figure.update(**self.values())
                self.image.value = self.figure.png()
            self.message.value = ""
        except (ValueError, RuntimeError) as exc:  # invalid values, no convergence: say so
            self.message.value = (f'<span style="color:#b00">{type(exc).__name__}: '
                                  f"{html.escape(str(exc))}</span>")


def _explorer(draw, controls: dict) -> widgets.Widget:
    """An :class:`Explorer`, tagged with the name of the ``*_explorer`` function calling."""
    caller = sys._getframe(1).f_code.co_name
    return Explorer(draw, controls, name=caller.removesuffix("_explorer"))


def bulk_explorer(delta: float = 0.5, gamma: float = 0.5) -> widgets.Widget:
    """Sliders over δ and γ redrawing :func:`~attnrmt_lib.figures.bulk.plot_bulk_density`."""
    return _explorer(plot_bulk_density, {"delta": _log_slider("δ", delta),
                                         "gamma": _log_slider("γ", gamma)})


def transition_explorer(delta: float = 0.5, gamma: float = 0.5) -> widgets.Widget:
    """Sliders over δ and γ redrawing
    :func:`~attnrmt_lib.figures.transitions.plot_phase_transition`."""
    return _explorer(plot_phase_transition, {"delta": _log_slider("δ", delta),
                                             "gamma": _log_slider("γ", gamma)})


def spectrum_explorer(delta: float = 0.5, gamma: float = 0.5, rho: float = 3.0,
                      d: int = 300, T: int = 8, seed: int = 0) -> widgets.Widget:
    """Simulate at the chosen δ, γ, ρ (mean pooling, i.i.d. signs) and redraw the spectrum."""

    def draw(delta, gamma, rho, d, ax=None):
        result = simulate(d=d, delta=delta, gamma=gamma, weights=mean_weights(T),
                          correlation=iid(T), mu_norm2=rho, seed=seed)
        return plot_spectrum(result, ax=ax)

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
    """Centered against uncentered table: redraw
    :func:`~attnrmt_lib.figures.model.plot_centering_comparison`.

    Sliders over the pooling (mean, first token, last token, harmonic), the sequence
    length T, δ, γ and ρ (i.i.d. signs, so ‖μ‖² = ρ); both runs share the seed.
    """

    poolings = {
        "mean": mean_weights,
        "first token": lambda T: token_weights(T, 0),
        "last token": lambda T: token_weights(T, -1),
        "harmonic": harmonic_weights,
    }

    def draw(pooling, T, delta, gamma, rho, axes=None):
        kwargs = dict(d=d, delta=delta, gamma=gamma, weights=poolings[pooling](T),
                      correlation=iid(T), mu_norm2=rho, seed=seed)
        return plot_centering_comparison(simulate(**kwargs),
                                         simulate(**kwargs, center_table=False), axes=axes)

    controls = {
        "pooling": widgets.Dropdown(options=list(poolings), value="mean", description="pooling"),
        "T": widgets.IntSlider(value=T, min=1, max=48, description="T",
                               continuous_update=False),
        "delta": _log_slider("δ", delta, -1.0, 0.5),
        "gamma": _log_slider("γ", gamma, -1.0, 0.5),
        # Up to 12: above ρ_spur = Tδ = 8 (T = 16, δ = 0.5) the signal overtakes the mean token.
        "rho": widgets.FloatSlider(value=rho, min=0.0, max=12.0, step=0.05, description="ρ",
                                   continuous_update=False),
    }
    return _explorer(draw, controls)


# --- The bulk law: a simulated bulk, and the cost of a finite vocabulary.

def bulk_simulation_explorer(delta: float = 0.5, gamma: float = 0.5, d: int = 300, T: int = 8,
                             seed: int = 0) -> widgets.Widget:
    """Simulate a signal-free pooled spectrum (d ≤ 400, mean pooling) against the bulk law.

    Redraws :func:`~attnrmt_lib.figures.bulk.plot_bulk_simulation` with the fresh-token law
    κ MP_γ for comparison; sliders over δ, γ, T and d.
    """

    def draw(delta, gamma, T, d, ax=None):
        result = simulate(d=d, delta=delta, gamma=gamma, weights=mean_weights(T),
                          correlation=iid(T), mu_norm2=0.0, seed=seed)
        return plot_bulk_simulation(result, ax=ax)

    controls = {
        # δ from 0.025 (a huge vocabulary, V = 40 d) to 3.2.
        "delta": _log_slider("δ", delta, -1.6, 0.5),
        "gamma": _log_slider("γ", gamma, -1.5, 0.5),
        "T": widgets.IntSlider(value=T, min=1, max=32, description="T",
                               continuous_update=False),
        "d": widgets.IntSlider(value=min(d, 400), min=100, max=400, step=50, description="d",
                               continuous_update=False),
    }
    return _explorer(draw, controls)


def vocabulary_explorer(delta: float = 0.5, gamma: float = 0.5) -> widgets.Widget:
    """Sliders over δ and γ redrawing :func:`~attnrmt_lib.figures.bulk.plot_vocabulary_cost`."""
    return _explorer(plot_vocabulary_cost, {"delta": _log_slider("δ", delta, -2.0, 0.5),
                                            "gamma": _log_slider("γ", gamma, -2.0, 0.5)})


# --- Optimal attention: purity profile explorer (theory only).


def optimal_attention_explorer(s0: float = 0.9, r: float = 0.8, T: int = 16,
                               delta: float = 0.5, gamma: float = 0.5) -> widgets.Widget:
    """Sliders over the label model's purity s_t = s0 r^(t-1), T, δ and γ.

    Redraws :func:`~attnrmt_lib.figures.optimal_attention.plot_purity_comparison`: the
    optimal, harmonic and mean weights against the purity, with α/κ and the detection
    thresholds ρ₂κ/α of the standard poolings. Theory only.
    """

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
    :func:`~attnrmt_lib.figures.causal_attention.plot_causal_profile` (theory only)."""

    def draw(tau, r, s0, T, axes=None):
        return plot_causal_profile(tau=tau, r=r, s0=s0, T=T, axes=axes)

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


# --------------------------------------------------------------------------- the two transitions:
# a simulation-backed twin of transition_explorer


def transition_simulation_explorer(delta: float = 0.5, gamma: float = 0.5, d: int = 200,
                                   n_rho: int = 10, seeds: int = 1, T: int = 8) -> widgets.Widget:
    """Sliders over δ, γ and d: theory curves of the transition with fresh simulations.

    Simulates mean pooling with i.i.d. signs (so ρ = ‖μ‖²) at ``n_rho`` values of ρ in
    (0, 2.5 ρ₂] with ``seeds`` seeds each and redraws
    :func:`~attnrmt_lib.figures.transitions.plot_phase_transition` with them. The sliders keep
    δ, γ in [0.1, 3.2] and d in [100, 300] (a table of d/δ rows and d/γ sequences per
    run), so that a redraw with the defaults stays under half a second.
    """

    def draw(delta, gamma, d, axes=None):
        rho2 = _thresholds(delta, gamma)[1]
        sims = [simulate(d=d, delta=delta, gamma=gamma, weights=mean_weights(T),
                         correlation=iid(T), mu_norm2=float(rho), seed=seed)
                for rho in np.linspace(2.5 * rho2 / n_rho, 2.5 * rho2, n_rho)
                for seed in range(seeds)]
        return plot_phase_transition(delta, gamma, simulations=sims, axes=axes)

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
    L-BFGS) and redraws :func:`~attnrmt_lib.figures.learned_pooling.plot_learned_pooling`: the
    learned profiles against the supervised and spectral optima, and the singular values
    of the learned B. The task is drawn with ``seed`` and the training set with
    ``seed + 1`` at every redraw (so the defaults reproduce the chapter's figure).
    """

    def draw(lam, n, r, mu_norm2, axes=None):
        task = label_task(geometric_purity(T, s0, r), d=d, delta=delta, mu_norm2=mu_norm2,
                          seed=seed)
        data = label_sequences(task, n, seed=seed + 1)
        return plot_learned_pooling(task, fit_factorised_pooling(data, lam=lam),
                                    fit_direct_pooling(data, lam=lam), n=n, axes=axes)

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
    :func:`~attnrmt_lib.figures.attention_matrix.plot_attention_spectrum`: the squared singular
    values of √ℓ·A (top three removed) against fitted Marchenko–Pastur laws and the
    Gaussian-equivalent linear model. ℓ ≤ 300 keeps a redraw under half a second.
    """

    def draw(beta, ell, axes=None):
        return plot_attention_spectrum(beta, ell, seed=seed, axes=axes)

    controls = {
        # The chapter calls the softmax's inverse temperature τ.
        "beta": widgets.FloatLogSlider(value=beta, base=10, min=-1.0, max=1.0, step=0.02,
                                       description="τ (inverse temp.)", readout_format=".3g",
                                       continuous_update=False,
                                       tooltip="inverse temperature τ of the softmax: "
                                               "A = softmax(τ · scores)"),
        "ell": widgets.IntSlider(value=min(ell, 300), min=100, max=300, step=50,
                                 description="ℓ", continuous_update=False),
    }
    return _explorer(draw, controls)


# --------------------------------------------------------------------------- decisions:
# from the spectrum to decisions (imported here, not at the top, to keep the edit local)


def decisions_explorer(mu_norm2: float = 1.5, d: int = 300, pooling: str = "mean",
                       seed: int = 0) -> widgets.Widget:
    """Sliders over ‖μ‖², d and the pooling, redrawing the decision summary of one data set.

    Draws labelled sequences of the label model (purity 0.9·0.8^(t-1), T = 8,
    δ = γ = 1/2) and redraws
    :func:`~attnrmt_lib.figures.decisions.plot_decision_summary`: the outlier test,
    the estimate of ρ with its error bar and the unsupervised classification error
    against theory. d ≤ 600 keeps a redraw under a second.
    """
    from .figures.decisions import POOLINGS, plot_decision_summary

    def draw(mu_norm2, d, pooling, axes=None):
        return plot_decision_summary(mu_norm2, d, pooling, seed=seed, axes=axes)

    controls = {
        "mu_norm2": widgets.FloatSlider(value=mu_norm2, min=0.2, max=4.0, step=0.05,
                                        description="‖μ‖²", continuous_update=False),
        "d": widgets.IntSlider(value=d, min=100, max=600, step=50, description="d",
                               continuous_update=False),
        "pooling": widgets.Dropdown(options=list(POOLINGS), value=pooling,
                                    description="pooling"),
    }
    return _explorer(draw, controls)


# --------------------------------------------------------------------------- the toolbox
# chapter: the determinant lemma and the contour of a spike (imported here, not at the top,
# to keep the edit local)


def determinant_lemma_explorer(rho: float = 2.0, gamma: float = 0.5) -> widgets.Widget:
    """Sliders over the spike ρ and the ratio γ, redrawing
    :func:`~attnrmt_lib.figures.toolbox.plot_determinant_lemma`.

    Left: the level 1/ρ against λG_γ(λ) − 1, whose crossing is the outlier (none below
    ρ = √γ); right: the bulk, the outlier and the contour whose integral is the squared
    alignment. Pure theory (closed-form Stieltjes transform): the kernel draws a frame in
    about 0.08 s of CPU (``benchmarks/widgets.py``).
    """
    from .figures.toolbox import plot_determinant_lemma

    controls = {
        "rho": widgets.FloatSlider(value=rho, min=0.05, max=5.0, step=0.05, description="ρ",
                                   continuous_update=False),
        "gamma": _log_slider("γ", gamma, -1.5, 0.5),
    }
    return _explorer(plot_determinant_lemma, controls)
