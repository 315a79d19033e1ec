"""attnrmt_lib: random-matrix theory of attention pooling, and its simulator.

The public names below are the library's API; modules are named after the mathematics
they hold (``bulk`` for the bulk law, ``spikes`` for the phase transitions, ...).
"""

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
    causal_weight_error,
    causal_weight_error_theory,
    geometric_purity,
    harmonic_gain,
    harmonic_threshold,
    label_snr,
)
from .detection import (
    alignment_at_signal,
    detection_threshold,
    detection_threshold_table,
    label_model_optimum,
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
from .correlation import PositionalModel, exchangeable, gaussian, iid, label_model, markov
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
from .weights import (
    causal_attention_weights,
    harmonic_weights,
    mean_weights,
    optimal_weights,
    snr,
    token_weights,
)

__version__ = "0.1.0"

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
]
