"""attnrmt_lib: random-matrix theory of attention pooling, and its simulator.

The public names below are the library's API; modules are named after the mathematics
they hold (``bulk`` for the bulk law, ``spikes`` for the phase transitions, ...). Importing
the package loads no plotting library: the book's figures are in
:mod:`attnrmt_lib.figures` (one module per chapter) and its explorers in
:mod:`attnrmt_lib.widgets`, both imported on demand.
"""

from ._version import __version__
from .attention_matrix import (
    AttentionDraw,
    attention_spectrum,
    draw_attention,
    gaussian_equivalent,
    gaussian_equivalent_spectrum,
    hermite_noise_variance,
    row_softmax,
    squared_singular_values,
)
from .bai_yao import bai_yao_derivative, bai_yao_map, mp_stieltjes
from .bulk import bulk_atom, bulk_cdf, bulk_density, bulk_edges, bulk_quadrature
from .cache import cached_simulate
from .bulk_moments import bulk_moments, bulk_moments_quadrature
from .causal import (
    causal_attention_limit,
    causal_weight_error,
    causal_weight_error_theory,
    harmonic_gain,
    harmonic_threshold,
)
from .detection import (
    alignment_at_signal,
    detection_threshold,
    detection_threshold_table,
    max_snr,
    standard_weightings,
)
from .distances import kolmogorov_distance
from .embeddings import (
    EmbeddingsUnavailable,
    all_but_the_top,
    general_detection_threshold,
    load_minilm_embeddings,
    load_minilm_vocabulary,
    pool_table,
    standardize_table,
    table_spectrum,
)
from .general_spectrum import (
    general_overlap,
    general_population_outlier,
    general_top_eigenvalue,
    sample_atom,
    sample_density,
    sample_support,
)
from .correlation import PositionalModel, exchangeable, gaussian, iid, markov
from .labels import geometric_purity, label_model, label_model_optimum, label_snr
from .learned_pooling import (
    LabelledSequences,
    LabelTask,
    PoolingFit,
    classification_error,
    fit_direct_pooling,
    fit_factorised_pooling,
    label_sequences,
    label_task,
    nuclear_norm,
    supervised_weights,
)
from .marchenko_pastur import mp_atom, mp_density, mp_edges, mp_quantiles
from .power_law import PowerLawFit, fit_power_law
from .phase_diagram import paul_overlap, paul_top_eigenvalue, threshold_grid
from .pooling import PooledData, pool_sequences, snr_table
from .simulation import CausalAttention, SimulationResult, simulate
from .sweep import sweep
from .token_counts import (
    count_bulk_cdf,
    count_bulk_density,
    count_bulk_edge,
    count_spectrum,
    effective_length,
    token_count_matrix,
)
from .spikes import (
    mean_token_snr,
    overlap,
    population_outlier,
    population_overlap,
    thresholds,
    top_eigenvalue,
)
from .resolvent import deterministic_equivalent, empirical_stieltjes, stieltjes_inversion
from .free_probability import free_mp_product_density, mp_s_transform
from .spiked_wishart import contour_alignment, determinant_lemma_outlier, spiked_wishart
from .tracy_widom import tw1_cdf, tw1_quantile
from .outlier_test import OutlierTest, outlier_test, tracy_widom_scale
from .estimation import SignalEstimate, bulk_parameters_from_moments, estimate_signal
from .classification import spectral_error, unsupervised_error
from .plugin_weights import PluginWeights, plugin_weights
from .weights import (
    causal_attention_weights,
    harmonic_weights,
    mean_weights,
    optimal_weights,
    snr,
    token_weights,
)


__all__ = [
    "AttentionDraw",
    "attention_spectrum",
    "draw_attention",
    "gaussian_equivalent",
    "gaussian_equivalent_spectrum",
    "hermite_noise_variance",
    "row_softmax",
    "squared_singular_values",
    "LabelledSequences",
    "LabelTask",
    "PoolingFit",
    "classification_error",
    "fit_direct_pooling",
    "fit_factorised_pooling",
    "label_sequences",
    "label_task",
    "nuclear_norm",
    "supervised_weights",
    "count_bulk_cdf",
    "count_bulk_density",
    "count_bulk_edge",
    "count_spectrum",
    "effective_length",
    "kolmogorov_distance",
    "token_count_matrix",
    "EmbeddingsUnavailable",
    "all_but_the_top",
    "general_detection_threshold",
    "load_minilm_embeddings",
    "load_minilm_vocabulary",
    "pool_table",
    "standardize_table",
    "table_spectrum",
    "cached_simulate",
    "sweep",
    "bai_yao_derivative",
    "bai_yao_map",
    "mp_stieltjes",
    "bulk_moments",
    "bulk_moments_quadrature",
    "causal_weight_error",
    "causal_weight_error_theory",
    "fit_power_law",
    "PowerLawFit",
    "geometric_purity",
    "harmonic_gain",
    "harmonic_threshold",
    "label_snr",
    "alignment_at_signal",
    "detection_threshold",
    "detection_threshold_table",
    "label_model_optimum",
    "max_snr",
    "standard_weightings",
    "paul_overlap",
    "paul_top_eigenvalue",
    "threshold_grid",
    "PooledData",
    "pool_sequences",
    "snr_table",
    "bulk_atom",
    "bulk_cdf",
    "bulk_quadrature",
    "bulk_density",
    "bulk_edges",
    "general_overlap",
    "general_population_outlier",
    "general_top_eigenvalue",
    "sample_atom",
    "sample_density",
    "sample_support",
    "PositionalModel",
    "exchangeable",
    "gaussian",
    "iid",
    "label_model",
    "markov",
    "mp_atom",
    "mp_density",
    "mp_edges",
    "mp_quantiles",
    "CausalAttention",
    "SimulationResult",
    "simulate",
    "mean_token_snr",
    "overlap",
    "population_outlier",
    "population_overlap",
    "thresholds",
    "top_eigenvalue",
    "causal_attention_weights",
    "harmonic_weights",
    "mean_weights",
    "optimal_weights",
    "snr",
    "token_weights",
    "deterministic_equivalent",
    "empirical_stieltjes",
    "stieltjes_inversion",
    "free_mp_product_density",
    "mp_s_transform",
    "contour_alignment",
    "determinant_lemma_outlier",
    "spiked_wishart",
    "tw1_cdf",
    "tw1_quantile",
    "OutlierTest",
    "outlier_test",
    "tracy_widom_scale",
    "SignalEstimate",
    "bulk_parameters_from_moments",
    "estimate_signal",
    "spectral_error",
    "unsupervised_error",
    "PluginWeights",
    "plugin_weights",
    "causal_attention_limit",
]
