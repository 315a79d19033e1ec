r"""Unsupervised classification of sequences by their projection on the top eigenvector.

Under the label model (:func:`attnrmt_lib.label_model`) each sequence has a hidden label
ℓ = ±1. Without labels, a user pools the N sequences, takes the top eigenvector û of
:math:`S = C^\top C/N` and predicts :math:`\hat\ell_n = \operatorname{sign}(\hat u^\top c_n)`,
up to one global sign that no unsupervised method can fix.

**The scores are the right singular vector.** :math:`p = C\hat u = \sqrt{N\hat\lambda}\,\hat v`
with :math:`\hat v` the top right singular vector of C. Write
:math:`\tilde\eta = (\hat v^\top b)^2/\|b\|^2` for its squared alignment with the pooled
signs :math:`b_n = \sum_tw_t\xi_{n,t}`. The eigen-equation of the rank-two perturbation
(:mod:`attnrmt_lib.estimation`) gives, in units κ = 1,

.. math::

    \tilde\eta = \frac{\eta}{\rho\,G(\lambda_{out})^2\,\lambda_{out}},

with η = |ûᵀu|² (:func:`attnrmt_lib.overlap`) and G the Stieltjes transform of the bulk
law at the outlier (:func:`attnrmt_lib.estimation.bulk_stieltjes`). The rest of
:math:`\hat v` is delocalised noise orthogonal to b, so the normalised score of sequence n
is :math:`\sqrt{\tilde\eta}\,b_n/\sqrt\alpha + \sqrt{1 - \tilde\eta}\,g_n` with
:math:`g_n \approx N(0, 1)` independent of the label. Hence the limiting error rate

.. math::

    \varepsilon = \sum_{\xi\in\{\pm1\}^T} P(\xi\mid\ell = 1)\;
    \Phi\Big(-\sqrt{q_{\rm eff}}\,\frac{\xi^\top w}{\|w\|}\Big), \qquad
    q_{\rm eff} = \frac{\tilde\eta}{1 - \tilde\eta}\,\frac{\kappa}{\alpha},

which is the error of the supervised pooled classifier of appendix A5
(:func:`attnrmt_lib.learned_pooling.profile_error`) at the *effective token SNR*
:math:`q_{\rm eff}`; the supervised optimum reaches
:math:`q^\star = \|\mu\|^2/(1 - \delta)` with its own best weights
(:func:`supervised_optimum_error`).

References
----------
F. Benaych-Georges and R. R. Nadakuditi, "The singular values and vectors of low rank
perturbations of large rectangular random matrices", J. Multivariate Anal. 111 (2012);
Seddik (2026).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from ._validation import check_array, check_nonnegative, check_positive, check_weights
from .estimation import bulk_stieltjes
from .labels import label_model
from .learned_pooling import profile_error, supervised_weights, whitened_snr
from .pooling import PooledData
from .sampling import (
    as_generator,
    count_matrix,
    gaussian_table,
    labels_and_signs,
    random_direction,
    uniform_tokens,
)
from .spikes import overlap, top_eigenvalue

__all__ = [
    "score_alignment",
    "spectral_classification_error",
    "right_alignment",
    "effective_token_snr",
    "unsupervised_error",
    "supervised_optimum_error",
    "pool_labelled_sequences",
    "spectral_scores",
    "spectral_error",
]


def score_alignment(alignment, rho: float, top_eigenvalue: float, stieltjes: float) -> float:
    r""":math:`\tilde\eta = \eta/(\rho\,G^2\lambda)`: the alignment of the scores with the signs.

    All in units of κ: ``alignment`` η = |ûᵀu|², ``top_eigenvalue`` λ the outlier of S/κ,
    ``stieltjes`` G(λ) the Stieltjes transform of the bulk of S/κ at λ (from the law, or the
    empirical :math:`\frac1d\sum_i 1/(\lambda - \lambda_i)` over the bulk eigenvalues,
    which needs no model of the table).
    """
    eta = check_array(alignment, "alignment")
    if eta.ndim != 0 or not 0.0 <= eta <= 1.0:
        raise ValueError(f"alignment must be a number in [0, 1], got {alignment!r}")
    rho = check_positive(rho, "rho")
    lam = check_positive(top_eigenvalue, "top_eigenvalue")
    G = check_positive(stieltjes, "stieltjes")
    return float(eta) / (rho * G * G * lam)


def spectral_classification_error(weights, s, score_alignment_value: float) -> float:
    r"""Error of :math:`\operatorname{sign}(\hat u^\top c_n)` given the score alignment :math:`\tilde\eta`.

    ``profile_error(weights, s, q_eff)`` with
    :math:`q_{\rm eff} = \frac{\tilde\eta}{1 - \tilde\eta}\frac{\kappa}{\alpha}`, α/κ from R = ssᵀ + diag(1 − s²).
    """
    s = check_array(s, "s")
    R = label_model(s).R
    w = check_weights(weights, s.size)
    eta = check_array(score_alignment_value, "score_alignment_value")
    if eta.ndim != 0 or not 0.0 <= eta < 1.0:
        raise ValueError(f"score_alignment_value must be a number in [0, 1), got "
                         f"{score_alignment_value!r}")
    aok = float(w @ R @ w / (w @ w))
    return profile_error(w, s, float(eta) / (1.0 - float(eta)) / aok)


def right_alignment(rho, delta: float, gamma: float):
    r"""Limit of :math:`\tilde\eta = (\hat v^\top b)^2/\|b\|^2`, the alignment of the scores with the signs.

    :math:`\tilde\eta = \eta/(\rho G(\lambda_{out})^2\lambda_{out})` above ρ₂ (units κ = 1),
    zero below (:func:`score_alignment` with the bulk law's G). As δ → 0 it tends to the
    right-singular-vector alignment of the spiked model,
    :math:`(1 - \gamma/\rho^2)/(1 + 1/\rho)` (Benaych-Georges & Nadakuditi 2012).

    Parameters
    ----------
    rho : float or array_like
        ρ = α‖μ‖²/κ >= 0.
    delta, gamma : float
        d/V and d/N (> 0).
    """
    delta = check_positive(delta, "delta")
    gamma = check_positive(gamma, "gamma")
    r = check_array(rho, "rho")
    if np.any(r < 0):
        raise ValueError(f"rho must be >= 0, got min {r.min()}")
    eta = np.atleast_1d(overlap(r, delta, gamma)).astype(float).ravel()
    flat = r.ravel()
    out = np.zeros(flat.size)
    for i in np.flatnonzero(eta > 0):
        lam = float(top_eigenvalue(flat[i], delta, gamma))
        out[i] = score_alignment(eta[i], flat[i], lam, bulk_stieltjes(lam, delta, gamma))
    return float(out[0]) if np.ndim(rho) == 0 else out.reshape(r.shape)


def effective_token_snr(rho: float, delta: float, gamma: float,
                        alpha_over_kappa: float) -> float:
    r"""The token SNR :math:`q_{\rm eff} = \frac{\tilde\eta}{1 - \tilde\eta}\frac{\kappa}{\alpha}` of the spectral classifier."""
    aok = check_positive(alpha_over_kappa, "alpha_over_kappa")
    eta = float(right_alignment(rho, delta, gamma))
    return eta / (1.0 - eta) / aok


def unsupervised_error(weights, s, mu_norm2: float, delta: float, gamma: float) -> float:
    r"""Limiting error rate of :math:`\operatorname{sign}(\hat u^\top c_n)` under the label model.

    ρ = (α/κ)‖μ‖² with α/κ = wᵀRw/‖w‖², R = ssᵀ + diag(1 − s²); then
    :func:`spectral_classification_error` at :math:`\tilde\eta` = :func:`right_alignment`.
    Below the detection threshold (ρ <= ρ₂) the scores are noise and the error is 1/2.

    Parameters
    ----------
    weights : array_like, shape (T,)
        Pooling weights.
    s : array_like, shape (T,)
        Purity profile (T <= 22: the sign patterns are summed exactly).
    mu_norm2 : float
        ‖μ‖² >= 0.
    delta, gamma : float
        d/V and d/N (> 0).
    """
    s = check_array(s, "s")
    R = label_model(s).R
    w = check_weights(weights, s.size)
    mu_norm2 = check_nonnegative(mu_norm2, "mu_norm2")
    rho = float(w @ R @ w / (w @ w)) * mu_norm2
    if overlap(rho, delta, gamma) <= 0:
        return 0.5
    return spectral_classification_error(w, s, right_alignment(rho, delta, gamma))


def supervised_optimum_error(s, mu_norm2: float, delta: float, weights=None) -> float:
    r"""Error of the best supervised linear pooled classifier (appendix A5), in the limit.

    With the whitened read-out :math:`v \propto \Sigma_Z^{-1}\mu` the token SNR is
    :math:`q^\star = \|\mu\|^2/(1 - \delta)` (:func:`attnrmt_lib.learned_pooling.whitened_snr`);
    the error is ``profile_error(w, s, q*)`` with the supervised profile
    :math:`w_t \propto s_t/(1 + q^\star(1 - s_t^2))`, or with the given ``weights``.

    Parameters
    ----------
    s : array_like, shape (T,)
    mu_norm2 : float
    delta : float
        d/V in [0, 1).
    weights : array_like, optional
        Keep these pooling weights instead of the supervised profile.
    """
    q = whitened_snr(mu_norm2, delta)
    w = supervised_weights(s, q) if weights is None else weights
    return profile_error(w, s, q)


def pool_labelled_sequences(*, s, weights, mu_norm2: float, gamma: float, d: int | None = None,
                            delta: float | None = None, table=None, seed=0):
    r"""Draw N = round(d/γ) labelled sequences of the label model and pool them.

    Tokens are uniform over a centered Gaussian table of V = round(d/δ) rows, or over the
    rows of ``table`` (used as given: center and scale it first); labels ℓ = ±1 and signs
    from :func:`attnrmt_lib.sampling.labels_and_signs`; μ = √‖μ‖² u with u uniform. The
    pooled matrix is :math:`C = AZ + (\Xi w)\mu^\top` (sparse token counts A).

    Parameters
    ----------
    s : array_like, shape (T,)
        Purity profile.
    weights : array_like, shape (T,)
    mu_norm2 : float
    gamma : float
        d/N > 0.
    d : int, optional
        Dimension (with ``delta``, for a Gaussian table).
    delta : float, optional
        d/V > 0 (Gaussian table).
    table : array_like, shape (V, d), optional
        A given table instead of a Gaussian one.
    seed : int, numpy.random.Generator or None, default 0

    Returns
    -------
    data : attnrmt_lib.pooling.PooledData
    labels : numpy.ndarray, shape (N,)
    """
    s = check_array(s, "s")
    R = label_model(s).R
    w = check_weights(weights, s.size)
    mu_norm2 = check_nonnegative(mu_norm2, "mu_norm2")
    gamma = check_positive(gamma, "gamma")
    rng = as_generator(seed)
    if table is None:
        if d is None or delta is None:
            raise ValueError("give either table, or both d and delta")
        delta = check_positive(delta, "delta")
        V = max(2, round(int(d) / delta))
        Z, zbar = gaussian_table(V, int(d), seed=rng)
    else:
        Z = check_array(table, "table")
        if Z.ndim != 2 or Z.shape[0] < 2:
            raise ValueError(f"table must be a 2-D array with at least 2 rows, got {Z.shape}")
        zbar = Z.mean(axis=0)
    V, dim = Z.shape
    N = max(1, round(dim / gamma))
    u = random_direction(dim, seed=rng)
    tokens = uniform_tokens(V, N, s.size, seed=rng)
    labels, signs = labels_and_signs(s, N, seed=rng)
    A = count_matrix(w, tokens, V)
    A.sum_duplicates()
    C = np.asarray(A @ Z)
    C += np.multiply.outer(signs @ w, np.sqrt(mu_norm2) * u)
    data = PooledData(C=C, A=A, Z=Z, zbar=zbar, tokens=tokens, signs=signs, u=u,
                      mu_norm2=mu_norm2, weights=w.copy(), R=R)
    return data, labels


def spectral_scores(C) -> tuple[np.ndarray, np.ndarray, float]:
    r"""Top eigenvector û of :math:`S = C^\top C/N`, the scores :math:`C\hat u` and the top eigenvalue.

    Parameters
    ----------
    C : array_like, shape (N, d), or PooledData
        Pooled vectors, one per row.

    Returns
    -------
    direction : numpy.ndarray, shape (d,)
    scores : numpy.ndarray, shape (N,)
    top_eigenvalue : float
    """
    C = check_array(C.C if isinstance(C, PooledData) else C, "C")
    if C.ndim != 2 or min(C.shape) < 2:
        raise ValueError(f"C must be an (N, d) array with N, d >= 2, got shape {C.shape}")
    N, d = C.shape
    S = scipy.linalg.blas.dsyrk(1.0 / N, C.T, lower=1)
    lam, vec = scipy.linalg.eigh(S, lower=True, subset_by_index=[d - 1, d - 1])
    u = vec[:, 0]
    return u, C @ u, float(lam[0])


def spectral_error(C, labels) -> float:
    r"""In-sample error of :math:`\operatorname{sign}(\hat u^\top c_n)` against the labels, up to a global sign.

    ``C`` is the (N, d) array of pooled vectors or a PooledData. Returns
    :math:`\min(e, 1 - e)` with e the fraction of disagreements (zeros count half).
    """
    labels = check_array(labels, "labels").ravel()
    _, scores, _ = spectral_scores(C)
    if labels.size != scores.size:
        raise ValueError(f"labels must have one entry per row of C ({scores.size}), "
                         f"got {labels.size}")
    wrong = float(np.mean((np.sign(scores) != labels) * 1.0 - 0.5 * (scores == 0)))
    return min(wrong, 1.0 - wrong)
