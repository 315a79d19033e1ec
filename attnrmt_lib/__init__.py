"""attnrmt_lib: random-matrix theory of attention pooling, and its simulator.

The public names below are the library's API; modules are named after the mathematics
they hold (``bulk`` for the bulk law, ``spikes`` for the phase transitions, ...).
"""

from .bulk import bulk_atom, bulk_cdf, bulk_density, bulk_edges
from .general_spectrum import (
    general_overlap,
    general_population_outlier,
    general_top_eigenvalue,
    sample_atom,
    sample_density,
    sample_support,
)
from .correlation import PositionalModel, exchangeable, gaussian, iid, label_model, markov
from .marchenko_pastur import mp_atom, mp_density, mp_edges, mp_quantiles
from .simulation import CausalAttention, SimulationResult, simulate
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
    "bulk_atom",
    "bulk_cdf",
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
