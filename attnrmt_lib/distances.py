r"""Distance between a spectrum and a law, or between two spectra.

The appendices compare spectra with limiting laws (the short-sequence bulk of
:mod:`attnrmt_lib.token_counts`) and with each other (the attention matrix against its
Gaussian-equivalent model, :mod:`attnrmt_lib.attention_matrix`); both use the Kolmogorov
distance, whose sampling noise for n eigenvalues is of order :math:`n^{-1/2}`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["kolmogorov_distance"]


def kolmogorov_distance(values, reference) -> float:
    r"""Kolmogorov distance :math:`\sup_x |F_{\rm values}(x) - F_{\rm reference}(x)|`.

    Parameters
    ----------
    values : array_like
        A sample (e.g. eigenvalues): its empirical distribution function.
    reference : callable or array_like
        Either the vectorised cumulative distribution function of a law (atoms included),
        or a second sample, whose empirical distribution function is used.

    Examples
    --------
    >>> kolmogorov_distance([0.25, 0.75], lambda x: np.clip(x, 0, 1))
    0.25
    >>> kolmogorov_distance([1.0, 2.0], [1.0, 2.0])
    0.0
    """
    a = np.sort(np.asarray(values, dtype=float).ravel())
    if a.size == 0 or not np.all(np.isfinite(a)):
        raise ValueError("values must be a non-empty array of finite numbers")
    i = np.arange(1, a.size + 1) / a.size
    if callable(reference):
        F = np.asarray(reference(a), dtype=float)
        return float(max(np.max(i - F), np.max(F - (i - 1.0 / a.size))))
    b = np.sort(np.asarray(reference, dtype=float).ravel())
    if b.size == 0 or not np.all(np.isfinite(b)):
        raise ValueError("reference must be a callable or a non-empty array of finite numbers")
    x = np.concatenate([a, b])
    fa = np.searchsorted(a, x, side="right") / a.size
    fb = np.searchsorted(b, x, side="right") / b.size
    return float(np.max(np.abs(fa - fb)))
