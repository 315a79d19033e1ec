r"""The spectrum of a random softmax attention matrix, and its Gaussian-equivalent linear model.

Tokens :math:`X \in \mathbb{R}^{\ell\times d}` with i.i.d. :math:`N(0, 1)` entries, query and
key maps :math:`W_Q, W_K \in \mathbb{R}^{d\times d_{qk}}` with i.i.d. :math:`N(0, 1/d)`
entries, queries :math:`Q = XW_Q`, keys :math:`K = XW_K`, scores and attention

.. math::

    S = \frac{QK^\top}{\sqrt{d_{qk}}}, \qquad
    A_{ij} = \frac{e^{\beta S_{ij}}}{\sum_{k=1}^{\ell} e^{\beta S_{ik}}} .

Each score is close to a standard Gaussian and the row normaliser is close to
:math:`\ell e^{\beta^2/2}`, so :math:`\ell A_{ij} \approx e^{\beta S_{ij} - \beta^2/2}`. The
generating function of the probabilists' Hermite polynomials,
:math:`e^{\beta x - \beta^2/2} = \sum_k \beta^k \mathrm{He}_k(x)/k!`, splits this into a
constant, the linear term :math:`\beta S` and higher orders of total variance
:math:`e^{\beta^2} - 1 - \beta^2`, which act on the spectrum like independent noise.
Hence the *Gaussian-equivalent linear model*

.. math::

    Y_{\rm lin} = \frac{1}{\sqrt\ell}\Big(\mathbf 1\mathbf 1^\top + \beta S
        + \sigma_\beta G\Big), \qquad \sigma_\beta^2 = e^{\beta^2} - 1 - \beta^2,

with :math:`G` an independent i.i.d. :math:`N(0, 1)` matrix, whose squared singular values
approximate those of :math:`\sqrt\ell A` (Hayase, Collins & Karakida, "Gaussian Equivalence
for Self-Attention", 2025) for fixed β as :math:`\ell = d = d_{qk} \to \infty`. At a finite
ℓ the approximation degrades as β grows, and for :math:`\beta\to\infty` the rows of
:math:`A` become one-hot, so the squared singular values of :math:`A` become the numbers of
queries that pick each key: approximately Poisson(1).

This module draws the model (:func:`draw_attention`, :func:`attention_matrix`), computes
spectra (:func:`squared_singular_values`, :func:`attention_spectrum`), the linear model
(:func:`hermite_noise_variance`, :func:`gaussian_equivalent`,
:func:`gaussian_equivalent_spectrum`), a moment fit of Marchenko–Pastur
(:func:`fit_marchenko_pastur`), the agreement of two spectra (:func:`quantile_error`,
:func:`attnrmt_lib.kolmogorov_distance`, :func:`equivalence_sweep`), the exact mean squared singular
value :math:`\|A\|_F^2` (:func:`mean_squared_singular_value`), the finite-size parameter
:math:`e^{\beta^2}/\sqrt\ell` (:func:`lindeberg_ratio`) and the scales of β where the
equivalence must fail (:func:`equivalence_thresholds`), the one-hot limit
(:func:`argmax_counts`, :func:`key_selection_rates`, :func:`poisson_quantiles`,
:func:`mixed_poisson_pmf`, :func:`mixed_poisson_quantiles`). The figures of the appendix
chapter ``chapters/A4_attention_matrix.ipynb`` are in :mod:`attnrmt_lib.figures.attention_matrix`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy import linalg, special

from ._validation import check_array, check_int, check_nonnegative, check_positive
from .distances import kolmogorov_distance
from .marchenko_pastur import mp_atom, mp_density, mp_edges, mp_quantiles
from .sampling import as_generator

# pandas and scipy.stats are imported where a table or a Poisson law is needed, not at the
# top: the explorers never use them, and in the reader's browser (Pyodide) importing them
# adds seconds to the first figure (benchmarks/live.py).
if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AttentionDraw",
    "draw_attention",
    "row_softmax",
    "attention_matrix",
    "squared_singular_values",
    "attention_spectrum",
    "hermite_coefficients",
    "hermite_noise_variance",
    "gaussian_equivalent",
    "gaussian_equivalent_spectrum",
    "MarchenkoPasturFit",
    "fit_marchenko_pastur",
    "DECILES",
    "quantile_error",
    "mean_squared_singular_value",
    "lindeberg_ratio",
    "equivalence_sweep",
    "EquivalenceThresholds",
    "equivalence_thresholds",
    "argmax_counts",
    "key_selection_rates",
    "poisson_quantiles",
    "mixed_poisson_pmf",
    "mixed_poisson_quantiles",
]

#: Quantile levels 0.1, 0.2, ..., 0.9 used by :func:`quantile_error`.
DECILES = np.round(np.arange(1, 10) / 10, 10)

# The scores and the noise of the linear model draw from different streams of the same
# integer seed (attnrmt_lib.sampling.as_generator), so that passing one seed to both never
# makes the noise a copy of the tokens.
_SCORE_STREAM, _NOISE_STREAM = 0, 1


def _check_beta(beta) -> float:
    return check_nonnegative(beta, "beta")


@dataclass(frozen=True)
class AttentionDraw:
    """One draw of the tokens and the query and key maps.

    Attributes
    ----------
    queries, keys : numpy.ndarray
        :math:`Q = XW_Q` and :math:`K = XW_K`, shape ``(ell, d_qk)``.
    query_map, key_map : numpy.ndarray
        :math:`W_Q` and :math:`W_K`, shape ``(d, d_qk)``.
    scores : numpy.ndarray
        :math:`S = QK^\\top/\\sqrt{d_{qk}}`, shape ``(ell, ell)``.
    """

    queries: np.ndarray
    keys: np.ndarray
    query_map: np.ndarray
    key_map: np.ndarray
    scores: np.ndarray

    @property
    def ell(self) -> int:
        """Number of tokens ℓ."""
        return self.scores.shape[0]

    @property
    def d(self) -> int:
        """Embedding dimension d."""
        return self.query_map.shape[0]

    @property
    def d_qk(self) -> int:
        """Query/key dimension d_qk."""
        return self.query_map.shape[1]

    def attention(self, beta: float) -> np.ndarray:
        """The attention matrix ``row_softmax(beta * scores)``."""
        return row_softmax(self.scores, beta)


def draw_attention(ell: int, d: int | None = None, d_qk: int | None = None, *,
                   seed=0) -> AttentionDraw:
    r"""Draw tokens and query/key maps; the scores are :math:`S = XW_Q(XW_K)^\top/\sqrt{d_{qk}}`.

    Parameters
    ----------
    ell : int
        Number of tokens ℓ >= 2.
    d, d_qk : int, optional
        Embedding and query/key dimensions (>= 1); default ``ell``.
    seed : int or numpy.random.Generator, default 0
        The same integer seed gives the same draw (and the same scores for every β).

    Returns
    -------
    AttentionDraw
    """
    ell = check_int(ell, "ell", 2)
    d = ell if d is None else check_int(d, "d", 1)
    d_qk = ell if d_qk is None else check_int(d_qk, "d_qk", 1)
    rng = as_generator(seed, _SCORE_STREAM)
    X = rng.standard_normal((ell, d))
    W_Q = rng.standard_normal((d, d_qk)) / np.sqrt(d)
    W_K = rng.standard_normal((d, d_qk)) / np.sqrt(d)
    Q, K = X @ W_Q, X @ W_K
    return AttentionDraw(queries=Q, keys=K, query_map=W_Q, key_map=W_K,
                         scores=Q @ K.T / np.sqrt(d_qk))


def row_softmax(scores, beta: float) -> np.ndarray:
    r"""Row softmax :math:`A_{ij} = e^{\beta S_{ij}}/\sum_k e^{\beta S_{ik}}`; stable for any β.

    Parameters
    ----------
    scores : array_like
        Matrix of scores (finite).
    beta : float
        Inverse temperature β >= 0.

    Returns
    -------
    numpy.ndarray
        A row-stochastic matrix of the shape of ``scores``.
    """
    beta = _check_beta(beta)
    scores = check_array(scores, "scores")
    if scores.ndim != 2:
        raise ValueError(f"scores must be a 2-D matrix, got shape {scores.shape}")
    return special.softmax(beta * scores, axis=1)


def attention_matrix(ell: int, d: int | None = None, d_qk: int | None = None, beta: float = 1.0,
                     *, seed=0) -> np.ndarray:
    """The ℓ×ℓ attention matrix ``row_softmax(beta * S)`` of one draw (:func:`draw_attention`)."""
    beta = _check_beta(beta)
    return draw_attention(ell, d, d_qk, seed=seed).attention(beta)


def squared_singular_values(M, *, remove_top: int = 0) -> np.ndarray:
    """Squared singular values of ``M`` in increasing order, the ``remove_top`` largest dropped.

    Parameters
    ----------
    M : array_like
        A finite matrix.
    remove_top : int, default 0
        How many of the largest values to drop (>= 0, fewer than ``min(M.shape)``).

    Returns
    -------
    numpy.ndarray
        ``min(M.shape) - remove_top`` values, ascending.
    """
    M = check_array(M, "M")
    if M.ndim != 2:
        raise ValueError(f"M must be a 2-D matrix, got shape {M.shape}")
    remove_top = check_int(remove_top, "remove_top", 0)
    if remove_top >= min(M.shape):
        raise ValueError(f"remove_top must be < min(M.shape) = {min(M.shape)}, got {remove_top}")
    s2 = np.sort(linalg.svdvals(M, check_finite=False) ** 2)
    return s2[: s2.size - remove_top]


def attention_spectrum(ell: int, d: int | None = None, d_qk: int | None = None,
                       beta: float = 1.0, *, remove_top: int = 3, seed=0) -> np.ndarray:
    r"""Squared singular values of :math:`\sqrt\ell A`, the ``remove_top`` largest removed.

    The largest, about ℓ, belongs to the constant part :math:`\mathbf 1\mathbf 1^\top/\ell`
    of :math:`A`; the default drops it and two more, for the rank-one corrections that the
    row normalisation and the spread of the key norms add (the convention of Hayase et al.).
    """
    A = attention_matrix(ell, d, d_qk, beta, seed=seed)
    return squared_singular_values(np.sqrt(A.shape[0]) * A, remove_top=remove_top)


def hermite_coefficients(beta: float, kmax: int) -> np.ndarray:
    r"""Coefficients :math:`c_k = \beta^k/k!`, k = 0..kmax, of :math:`e^{\beta x-\beta^2/2}` in
    probabilists' Hermite polynomials.

    Since :math:`\mathbb E[\mathrm{He}_j(g)\mathrm{He}_k(g)] = k!\,\delta_{jk}` for a standard
    Gaussian g, the k-th term carries the variance :math:`c_k^2 k! = \beta^{2k}/k!`.
    """
    beta = _check_beta(beta)
    kmax = check_int(kmax, "kmax", 0)
    k = np.arange(kmax + 1)
    return beta**k / special.factorial(k)


def hermite_noise_variance(beta) -> np.ndarray | float:
    r"""Variance :math:`\sigma_\beta^2 = e^{\beta^2} - 1 - \beta^2` of the Hermite orders k >= 2.

    It is :math:`\sum_{k\ge2}\beta^{2k}/k!` (see :func:`hermite_coefficients`): the variance of
    :math:`e^{\beta g - \beta^2/2}`, :math:`e^{\beta^2} - 1`, minus that of the linear term.
    Computed with ``expm1`` so that it is accurate for small β (where it is about
    :math:`\beta^4/2`). Vectorised over β >= 0.
    """
    b = check_array(beta, "beta", nonnegative=True)
    out = np.expm1(b**2) - b**2
    return float(out) if out.ndim == 0 else out


def gaussian_equivalent(draw: AttentionDraw, beta: float, *, seed=0) -> np.ndarray:
    r"""The Gaussian-equivalent linear model of one draw.

    :math:`Y_{\rm lin} = (\mathbf 1\mathbf 1^\top + \beta S + \sigma_\beta G)/\sqrt\ell`.

    Its squared singular values are compared with those of :math:`\sqrt\ell A` for the same
    draw. :math:`G` has i.i.d. :math:`N(0, 1)` entries from the noise stream of ``seed``
    (independent of the scores even for the same integer seed);
    :math:`\sigma_\beta^2` is :func:`hermite_noise_variance`.

    Parameters
    ----------
    draw : AttentionDraw
    beta : float
        β >= 0.
    seed : int or numpy.random.Generator, default 0

    Returns
    -------
    numpy.ndarray
        ℓ×ℓ matrix.
    """
    beta = _check_beta(beta)
    if not isinstance(draw, AttentionDraw):
        raise ValueError(f"draw must be an AttentionDraw, got {type(draw).__name__}")
    ell = draw.ell
    G = as_generator(seed, _NOISE_STREAM).standard_normal((ell, ell))
    return (1.0 + beta * draw.scores + np.sqrt(hermite_noise_variance(beta)) * G) / np.sqrt(ell)


def gaussian_equivalent_spectrum(ell: int, d: int | None = None, d_qk: int | None = None,
                                 beta: float = 1.0, *, remove_top: int = 3,
                                 seed=0) -> np.ndarray:
    """Squared singular values of :func:`gaussian_equivalent`, ``remove_top`` largest removed."""
    draw = draw_attention(ell, d, d_qk, seed=seed)
    return squared_singular_values(gaussian_equivalent(draw, beta, seed=seed),
                                   remove_top=remove_top)


class MarchenkoPasturFit(NamedTuple):
    """A Marchenko–Pastur law σ²·MP_c fitted by moments: ``scale`` σ², ``ratio`` c."""

    scale: float
    ratio: float

    def density(self, x) -> np.ndarray:
        """Density of the continuous part at ``x``."""
        x = check_array(x, "x")
        return mp_density(x / self.scale, self.ratio) / self.scale

    def quantiles(self, n: int) -> np.ndarray:
        """``n`` midpoint quantiles (levels (i - 1/2)/n), atom included."""
        return self.scale * mp_quantiles(self.ratio, n)

    def edges(self) -> tuple[float, float]:
        """Edges of the continuous part."""
        a, b = mp_edges(self.ratio)
        return self.scale * a, self.scale * b

    def atom(self) -> float:
        """Mass of the atom at zero (ratio > 1)."""
        return mp_atom(self.ratio)


def fit_marchenko_pastur(values, ratio: float | None = None) -> MarchenkoPasturFit:
    r"""Fit σ²·MP_c to a list of squared singular values by moments.

    σ²·MP_c has mean σ² and second moment σ⁴(1 + c). With ``ratio=None`` both are matched:
    σ² = m₁ and c = m₂/m₁² − 1 (for a spectrum more spread than MP₁ this gives c > 1, an
    MP law with an atom at zero). With a given ``ratio`` (e.g. 1, the law of an ℓ×ℓ matrix
    with i.i.d. entries) only the mean is matched, σ² = m₁.

    Parameters
    ----------
    values : array_like
        At least two non-negative numbers, not all equal.
    ratio : float, optional
        Fixed c > 0.

    Returns
    -------
    MarchenkoPasturFit
    """
    v = check_array(values, "values", nonnegative=True).ravel()
    if v.size < 2:
        raise ValueError(f"values must hold at least 2 numbers, got {v.size}")
    m1, m2 = float(v.mean()), float(np.mean(v**2))
    if m1 <= 0 or m2 / m1**2 - 1 <= 0:
        raise ValueError("values must not all be equal (the fitted ratio c must be > 0)")
    if ratio is not None:
        return MarchenkoPasturFit(scale=m1, ratio=check_positive(ratio, "ratio"))
    return MarchenkoPasturFit(scale=m1, ratio=m2 / m1**2 - 1.0)


def quantile_error(values, reference, levels=DECILES) -> float:
    r"""Largest relative quantile error :math:`\max_p |q_{\rm values}(p)/q_{\rm reference}(p) - 1|`.

    Parameters
    ----------
    values, reference : array_like
        Two samples (e.g. two spectra), non-negative.
    levels : array_like, default :data:`DECILES`
        Quantile levels in (0, 1); the reference quantiles there must be > 0.
    """
    a = check_array(values, "values", nonnegative=True).ravel()
    b = check_array(reference, "reference", nonnegative=True).ravel()
    p = check_array(levels, "levels").ravel()
    if a.size == 0 or b.size == 0:
        raise ValueError("values and reference must not be empty")
    if p.size == 0 or np.any((p <= 0) | (p >= 1)):
        raise ValueError("levels must lie in the open interval (0, 1)")
    qb = np.quantile(b, p)
    if np.any(qb <= 0):
        raise ValueError("reference quantiles at the levels must be > 0")
    return float(np.max(np.abs(np.quantile(a, p) / qb - 1.0)))


def mean_squared_singular_value(draw: AttentionDraw, beta) -> np.ndarray | float:
    r"""Mean of the ℓ squared singular values of :math:`\sqrt\ell A`, i.e. :math:`\|A\|_F^2`.

    Exactly :math:`\frac1\ell\operatorname{tr}(\ell AA^\top) = \sum_{i,j} A_{ij}^2`: no
    singular value decomposition is needed. The linear model predicts
    :math:`e^{\beta^2}` (1 from the constant part, :math:`\beta^2` from the scores,
    :math:`\sigma_\beta^2` from the noise); every row of a stochastic matrix has
    :math:`\sum_j A_{ij}^2 \le 1`, so the true value never exceeds ℓ. Vectorised over β.
    """
    if not isinstance(draw, AttentionDraw):
        raise ValueError(f"draw must be an AttentionDraw, got {type(draw).__name__}")
    b = check_array(beta, "beta", nonnegative=True)
    out = np.array([float(np.sum(draw.attention(float(x)) ** 2)) for x in b.ravel()])
    return float(out[0]) if b.ndim == 0 else out.reshape(b.shape)


def lindeberg_ratio(beta, ell) -> np.ndarray | float:
    r"""The finite-size parameter :math:`x = e^{\beta^2}/\sqrt\ell` of the equivalence.

    Entries :math:`Y = e^{\beta g - \beta^2/2}` of :math:`\ell A` have second moment
    :math:`v = e^{\beta^2}`; the fraction of it carried by entries larger than
    :math:`\varepsilon\sqrt{\ell v}` (entries that alone make a singular value of the size
    of the bulk edge) is :math:`\bar\Phi(\log(\varepsilon/x)/\beta)`, a function of x. The
    Gaussian equivalence needs this Lindeberg fraction to be small: :math:`x \ll 1`, i.e.
    :math:`\beta \ll \sqrt{\log(\ell)/2}`. Vectorised.
    """
    b = check_array(beta, "beta", nonnegative=True)
    n = check_array(ell, "ell")
    if np.any(n < 1):
        raise ValueError("ell must be >= 1")
    out = np.exp(b**2) / np.sqrt(n)
    return float(out) if out.ndim == 0 else out


def equivalence_sweep(betas, ells=(400,), *, d_ratio: float = 1.0, qk_ratio: float = 1.0,
                      remove_top: int = 3, levels=DECILES, seed: int = 0) -> pd.DataFrame:
    r"""Distance between the attention spectrum and its linear model across β and ℓ.

    For each ℓ one draw (``seed``) gives the scores for every β. At each β the table holds
    the relative decile error (:func:`quantile_error`) and the Kolmogorov distance between
    the bulk of :math:`\sqrt\ell A` and that of the linear model of the same draw, and the
    same two numbers between two *independent* draws of the linear model (seeds ``seed``
    and ``seed + 1``): the finite-size noise floor of the statistic. It also holds the mean
    squared singular values, to compare with :math:`e^{\beta^2}`.

    Parameters
    ----------
    betas : array_like
        Inverse temperatures >= 0.
    ells : sequence of int, default (400,)
        Numbers of tokens (>= 10).
    d_ratio, qk_ratio : float, default 1
        d = round(d_ratio ℓ), d_qk = round(qk_ratio ℓ).
    remove_top : int, default 3
    levels : array_like, default :data:`DECILES`
    seed : int, default 0

    Returns
    -------
    pandas.DataFrame
        Columns ``ell, beta, lindeberg, error, floor, kolmogorov, kolmogorov_floor,
        mp_error`` (decile error of σ²·MP₁ with the bulk's mean), ``second_moment``
        (:math:`\|A\|_F^2`), ``second_moment_linear``
        (:math:`\|Y_{\rm lin}\|_F^2/\ell`) and ``hermite_moment`` (:math:`e^{\beta^2}`).
    """
    betas = check_array(betas, "betas", nonnegative=True).ravel()
    d_ratio = check_positive(d_ratio, "d_ratio")
    qk_ratio = check_positive(qk_ratio, "qk_ratio")
    seed = check_int(seed, "seed", 0)
    rows = []
    for ell in ells:
        ell = check_int(ell, "ell", 10)
        dims = dict(d=max(1, round(d_ratio * ell)), d_qk=max(1, round(qk_ratio * ell)))
        draw = draw_attention(ell, **dims, seed=seed)
        other = draw_attention(ell, **dims, seed=seed + 1)
        for beta in betas:
            A = draw.attention(beta)
            Y = gaussian_equivalent(draw, beta, seed=seed)
            att = squared_singular_values(np.sqrt(ell) * A, remove_top=remove_top)
            lin = squared_singular_values(Y, remove_top=remove_top)
            lin2 = squared_singular_values(gaussian_equivalent(other, beta, seed=seed + 1),
                                           remove_top=remove_top)
            rows.append(dict(
                ell=ell, beta=float(beta), lindeberg=lindeberg_ratio(beta, ell),
                error=quantile_error(att, lin, levels),
                floor=quantile_error(lin2, lin, levels),
                kolmogorov=kolmogorov_distance(att, lin),
                kolmogorov_floor=kolmogorov_distance(lin2, lin),
                mp_error=quantile_error(
                    att, fit_marchenko_pastur(att, ratio=1.0).quantiles(att.size), levels),
                second_moment=float(np.sum(A**2)),
                second_moment_linear=float(np.sum(Y**2)) / ell,
                hermite_moment=float(np.exp(beta**2)),
            ))
    import pandas as pd

    return pd.DataFrame(rows)


class EquivalenceThresholds(NamedTuple):
    r"""Scales of β at which the linear model must break down for ℓ tokens.

    ``self_averaging`` :math:`\sqrt{\log(\ell)/2}`: the variance :math:`e^{\beta^2}` of
    :math:`e^{\beta g - \beta^2/2}` is carried by values :math:`g \approx 2\beta`, which a row of
    ℓ Gaussian scores (maximum about :math:`\sqrt{2\log\ell}`) contains only below this β.
    ``frobenius`` :math:`\sqrt{\log\ell}`: where the linear model's mean squared singular value
    :math:`e^{\beta^2}` reaches ℓ, the largest possible value of
    :math:`\|A\|_F^2 = \sum_i \sum_j A_{ij}^2`. ``one_hot`` :math:`\sqrt{2\log\ell}`: the
    typical maximum of a row of scores, the scale of the random-energy-model freezing
    transition beyond which rows concentrate on few entries.
    """

    self_averaging: float
    frobenius: float
    one_hot: float


def equivalence_thresholds(ell: int) -> EquivalenceThresholds:
    """The three β scales of :class:`EquivalenceThresholds` for ``ell`` >= 2 tokens."""
    ell = check_int(ell, "ell", 2)
    L = math.log(ell)
    return EquivalenceThresholds(math.sqrt(L / 2), math.sqrt(L), math.sqrt(2 * L))


def argmax_counts(scores) -> np.ndarray:
    r"""How many rows of ``scores`` have their maximum in each column.

    For :math:`\beta\to\infty` the attention matrix becomes the one-hot matrix P of the row
    maxima, :math:`P^\top P` is the diagonal matrix of these counts, and so the squared
    singular values of :math:`A` tend to them.
    """
    scores = check_array(scores, "scores")
    if scores.ndim != 2:
        raise ValueError(f"scores must be a 2-D matrix, got shape {scores.shape}")
    return np.bincount(np.argmax(scores, axis=1), minlength=scores.shape[1])


def key_selection_rates(draw: AttentionDraw, *, grid: int = 801) -> np.ndarray:
    r"""Expected number of queries λ_j whose maximal score falls on key j (given the keys).

    For a fresh query :math:`q \sim N(0, W_Q^\top W_Q)` the score of key j is Gaussian with
    variance :math:`\sigma_j^2 = k_j^\top W_Q^\top W_Q k_j/d_{qk}`. Neglecting the
    :math:`O(d_{qk}^{-1/2})` correlations between scores,

    .. math:: p_j = \int \frac{1}{\sigma_j}\varphi\Big(\frac{x}{\sigma_j}\Big)
              \prod_{k\ne j}\Phi\Big(\frac{x}{\sigma_k}\Big)\,dx, \qquad \lambda_j = \ell p_j,

    normalised so that :math:`\sum_j \lambda_j = \ell`. The column counts of the one-hot
    limit are then approximately independent Poisson(λ_j): a mixed Poisson law, with
    variance :math:`1 + \operatorname{Var}(\lambda)` instead of 1.

    Parameters
    ----------
    draw : AttentionDraw
    grid : int, default 801
        Number of quadrature points in x (>= 101).

    Returns
    -------
    numpy.ndarray
        λ_j, shape ``(ell,)``, summing to ℓ.
    """
    if not isinstance(draw, AttentionDraw):
        raise ValueError(f"draw must be an AttentionDraw, got {type(draw).__name__}")
    grid = check_int(grid, "grid", 101)
    sigma_q = draw.query_map.T @ draw.query_map
    var = np.einsum("ja,ab,jb->j", draw.keys, sigma_q, draw.keys) / draw.d_qk
    sigma = np.sqrt(var)
    top = sigma.max() * (np.sqrt(2 * np.log(draw.ell)) + 5.0)
    x = np.linspace(-2.0 * sigma.max(), top, grid)
    z = x[:, None] / sigma[None, :]
    log_cdf = special.log_ndtr(z)
    log_pdf = -0.5 * z**2 - 0.5 * np.log(2 * np.pi) - np.log(sigma)[None, :]
    integrand = np.exp(log_pdf + log_cdf.sum(axis=1, keepdims=True) - log_cdf)
    p = np.trapezoid(integrand, x, axis=0)
    return draw.ell * p / p.sum()


def poisson_quantiles(n: int, mean: float = 1.0) -> np.ndarray:
    """``n`` midpoint quantiles F⁻¹((i − 1/2)/n), i = 1..n, of Poisson(``mean``)."""
    n = check_int(n, "n", 1)
    mean = check_positive(mean, "mean")
    from scipy import stats

    return stats.poisson.ppf((np.arange(n) + 0.5) / n, mean)


def mixed_poisson_pmf(rates, k) -> np.ndarray:
    """Probabilities P(N = k) of the mixture (1/n) Σ_j Poisson(rates_j) at integers ``k``."""
    lam = check_array(rates, "rates", nonnegative=True).ravel()
    k = np.asarray(k)
    if lam.size == 0:
        raise ValueError("rates must not be empty")
    if not np.issubdtype(k.dtype, np.integer) or np.any(k < 0):
        raise ValueError("k must hold integers >= 0")
    from scipy import stats

    return stats.poisson.pmf(k.reshape(-1, 1), lam.reshape(1, -1)).mean(axis=1).reshape(k.shape)


def mixed_poisson_quantiles(rates, n: int) -> np.ndarray:
    """``n`` midpoint quantiles of the mixture (1/m) Σ_j Poisson(rates_j)."""
    lam = check_array(rates, "rates", nonnegative=True).ravel()
    n = check_int(n, "n", 1)
    if lam.size == 0:
        raise ValueError("rates must not be empty")
    from scipy import stats

    kmax = int(stats.poisson.ppf(1 - 1e-12, max(lam.max(), 1e-12))) + 1
    cdf = np.cumsum(mixed_poisson_pmf(lam, np.arange(kmax + 1)))
    levels = (np.arange(n) + 0.5) / n
    return np.minimum(np.searchsorted(cdf, levels - 1e-12), kmax).astype(float)
