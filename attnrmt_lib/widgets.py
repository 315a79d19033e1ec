"""Interactive explorers (ipywidgets) over the plotting helpers.

Each explorer redraws one of the :mod:`attnrmt_lib.plotting` figures, so the static
figure a chapter shows first and the live explorer are the same code. They need a live
Jupyter kernel; in the rendered book the static twin stands in for them.
"""

from __future__ import annotations

import ipywidgets as widgets
from IPython.display import display

from .correlation import iid
from .plotting import plot_bulk_density, plot_phase_transition, plot_spectrum
from .simulation import simulate
from .weights import mean_weights

__all__ = ["bulk_explorer", "spectrum_explorer", "transition_explorer"]


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
