"""Deprecated: the figures moved to :mod:`attnrmt_lib.figures`, one module per chapter.

``from attnrmt_lib.plotting import plot_spectrum`` still works for one release and warns
(DeprecationWarning) with the new home, e.g. ``from attnrmt_lib.figures.spectrum import
plot_spectrum``. Nothing is imported until a name is asked for.
"""

from ._deprecation import moved

_NEW_HOMES = {
    "plot_spectrum": "attnrmt_lib.figures.spectrum",
    "plot_density_estimate": "attnrmt_lib.figures.spectrum",
    "plot_correlation_matrices": "attnrmt_lib.figures.model",
    "plot_pooled_projections": "attnrmt_lib.figures.model",
    "plot_centering_comparison": "attnrmt_lib.figures.model",
    "plot_bulk_density": "attnrmt_lib.figures.bulk",
    "plot_bulk_limits": "attnrmt_lib.figures.bulk",
    "plot_bulk_simulation": "attnrmt_lib.figures.bulk",
    "plot_vocabulary_cost": "attnrmt_lib.figures.bulk",
    "plot_phase_transition": "attnrmt_lib.figures.transitions",
    "plot_phase_diagram": "attnrmt_lib.figures.transitions",
    "plot_bai_yao_map": "attnrmt_lib.figures.transitions",
    "plot_paul_limit": "attnrmt_lib.figures.transitions",
    "plot_finite_size_transition": "attnrmt_lib.figures.transitions",
    "plot_weight_profiles": "attnrmt_lib.figures.optimal_attention",
    "plot_detection_thresholds": "attnrmt_lib.figures.optimal_attention",
    "plot_alignment_vs_signal": "attnrmt_lib.figures.optimal_attention",
    "plot_purity_comparison": "attnrmt_lib.figures.optimal_attention",
    "plot_causal_weights": "attnrmt_lib.figures.causal_attention",
    "plot_causal_weight_error": "attnrmt_lib.figures.causal_attention",
    "plot_harmonic_gain": "attnrmt_lib.figures.causal_attention",
    "plot_pooling_alignment": "attnrmt_lib.figures.causal_attention",
    "plot_causal_profile": "attnrmt_lib.figures.causal_attention",
    "plot_mean_token_outlier": "attnrmt_lib.figures.theory_bends",
    "THEORY": "attnrmt_lib.figures._style",
    "SAMPLE": "attnrmt_lib.figures._style",
    "POPULATION": "attnrmt_lib.figures._style",
}

__all__ = list(_NEW_HOMES)
__getattr__ = moved(__name__, _NEW_HOMES)
