r"""The model's randomness in one place: seeds, tables, tokens, token counts, labels and signs.

Every random function of the library takes ``seed`` (None, an integer >= 0 or a NumPy
Generator) and turns it into a Generator with :func:`as_generator`; the samplers here then
draw from it in a fixed order. A Generator passed as ``seed`` is used as it is (its state
advances), so several samplers called with one Generator draw one stream, and
:func:`attnrmt_lib.simulate` and :func:`attnrmt_lib.pool_sequences`, which draw the table,
the signal direction, the tokens and the signs through the same samplers in the same order,
see the same numbers for the same seed.

The pieces are those of the model of the first chapter (``chapters/01_model.ipynb``): a V×d
Gaussian vocabulary table Z (:func:`gaussian_table`), a uniformly random signal direction
u (:func:`random_direction`), tokens uniform over the vocabulary (:func:`uniform_tokens`),
the sparse token-count matrix :math:`A_{n,v} = \sum_t w_{n,t} 1[x_{n,t} = v]` through which
pooling acts (:func:`count_matrix`, :func:`token_count_matrix`), and the sequence labels
and class signs of the label model (:func:`labels_and_signs`).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse

from ._validation import check_int, check_weights

__all__ = [
    "as_generator",
    "gaussian_table",
    "random_direction",
    "uniform_tokens",
    "count_matrix",
    "token_count_matrix",
    "labels_and_signs",
    "label_signs",
]

TABLE_DTYPES = ("float64", "float32")

# Table entries drawn at once when the table is stored in float32 (float64 draws).
_CHUNK_ENTRIES = 1 << 22


def as_generator(seed=None, stream: int | None = None) -> np.random.Generator:
    """The NumPy Generator of a seed: the one place where the library seeds randomness.

    Parameters
    ----------
    seed : None, int >= 0, numpy.random.SeedSequence or numpy.random.Generator
        None draws fresh entropy; an integer (or a SeedSequence) gives
        ``numpy.random.default_rng(seed)`` (same seed, same numbers); a Generator is
        returned as it is.
    stream : int, optional
        With an integer seed, the independent stream ``default_rng([seed, stream])``: two
        computations given the same seed but different streams (the scores and the noise
        of :mod:`attnrmt_lib.attention_matrix`) never draw copies of each other's numbers.
        Stream 0 is the plain seed's generator (the entropy [seed] is padded with zeros).
        Ignored for a Generator and for None.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> int(as_generator(3).integers(100)) == int(as_generator(3).integers(100))
    True
    >>> g = as_generator(0)
    >>> as_generator(g) is g
    True
    >>> as_generator(-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: seed must be None, an integer >= 0, ... got -1
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, np.random.SeedSequence):
        if stream is None:
            return np.random.default_rng(seed)
        child = (*seed.spawn_key, check_int(stream, "stream", 0))
        return np.random.default_rng(np.random.SeedSequence(seed.entropy, spawn_key=child))
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError("seed must be None, an integer >= 0, a numpy SeedSequence or a numpy "
                         f"Generator, got {seed!r}")
    if stream is None:
        return np.random.default_rng(int(seed))
    return np.random.default_rng([int(seed), check_int(stream, "stream", 0)])


def gaussian_table(V: int, d: int, *, center: bool = True, dtype: str = "float64",
                   seed=None) -> tuple[np.ndarray, np.ndarray]:
    r"""A V×d table of i.i.d. N(0, 1) entries and its mean row :math:`\bar z`.

    Parameters
    ----------
    V, d : int
        Rows (vocabulary size) and columns (embedding dimension), >= 1.
    center : bool, default True
        Subtract the mean row from the table (the rows then sum to zero).
    dtype : {"float64", "float32"}, default "float64"
        Storage of the table. float32 draws the same float64 numbers row block by row
        block (the float64 table is never held at once) and centers with the float64 mean.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    Z : numpy.ndarray, shape (V, d)
    zbar : numpy.ndarray, shape (d,)
        The mean row before centering (float64).
    """
    V = check_int(V, "V", 1)
    d = check_int(d, "d", 1)
    if dtype not in TABLE_DTYPES:
        raise ValueError(f"dtype must be one of {TABLE_DTYPES}, got {dtype!r}")
    rng = as_generator(seed)
    if dtype == "float64":
        Z = rng.standard_normal((V, d))
        zbar = Z.mean(axis=0)
        if center:
            Z -= zbar
        return Z, zbar
    Z = np.empty((V, d), dtype=np.float32)
    total = np.zeros(d)
    rows = max(1, _CHUNK_ENTRIES // d)
    for start in range(0, V, rows):
        block = rng.standard_normal((min(rows, V - start), d))
        total += block.sum(axis=0)
        Z[start:start + block.shape[0]] = block
    zbar = total / V
    if center:
        for start in range(0, V, rows):
            block = Z[start:start + rows]
            block -= zbar.astype(np.float32)
    return Z, zbar


def random_direction(d: int, *, seed=None) -> np.ndarray:
    """A unit vector uniform on the sphere of R^d (a normalised Gaussian vector)."""
    d = check_int(d, "d", 1)
    u = as_generator(seed).standard_normal(d)
    return u / np.linalg.norm(u)


def uniform_tokens(V: int, n: int, T: int, *, seed=None) -> np.ndarray:
    """Token indices of n sequences of T tokens, i.i.d. uniform over V words: shape (n, T)."""
    V = check_int(V, "V", 1)
    n = check_int(n, "n", 1)
    T = check_int(T, "T", 1)
    return as_generator(seed).integers(0, V, size=(n, T))


def count_matrix(weights, tokens, V: int) -> scipy.sparse.csr_matrix:
    r"""The token-count matrix :math:`A_{n,v} = \sum_t W_{n,t}\,1[x_{n,t} = v]`, sparse N×V.

    Pooling sequence n with weights :math:`W_{n,\cdot}` is :math:`c_n = (AZ)_n` for a
    table Z, so the N×T×d tensor of embeddings is never built. A token repeated in a
    sequence gives duplicate (n, v) entries, which every product sums
    (``A.sum_duplicates()`` merges them).

    Parameters
    ----------
    weights : array_like, shape (T,) or (N, T)
        Pooling weights, the same for every sequence or one row per sequence.
    tokens : array_like of int, shape (N, T)
        Token indices in [0, V).
    V : int
        Vocabulary size >= 1.

    Examples
    --------
    >>> count_matrix([0.5, 0.5], [[0, 2], [1, 1]], 3).toarray().tolist()
    [[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]]
    """
    tokens = np.asarray(tokens)
    V = check_int(V, "V", 1)
    if tokens.ndim != 2 or not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(f"tokens must be an (N, T) array of integers, got shape {tokens.shape}")
    if tokens.size and (tokens.min() < 0 or tokens.max() >= V):
        raise ValueError(f"tokens must lie in [0, V) = [0, {V})")
    N, T = tokens.shape
    W = np.broadcast_to(np.asarray(weights, dtype=float), (N, T))
    return scipy.sparse.csr_matrix(
        (W.ravel(), tokens.ravel(), np.arange(0, N * T + 1, T)), shape=(N, V)
    )


def token_count_matrix(weights, *, V: int, N: int, seed=0) -> scipy.sparse.csr_matrix:
    r"""Token-count matrix :math:`A_{n,v} = \sum_t w_t 1[x_{n,t} = v]` of N sequences of
    uniform tokens over V words, as a sparse N×V matrix.

    Parameters
    ----------
    weights : array_like, shape (T,)
        Pooling weights.
    V, N : int
        Vocabulary size and number of sequences (>= 1).
    seed : int, numpy.random.Generator or None, default 0
        Same seed, same tokens.
    """
    w = check_weights(weights)
    V = check_int(V, "V", 1)
    N = check_int(N, "N", 1)
    return count_matrix(w, uniform_tokens(V, N, w.size, seed=seed), V)


def labels_and_signs(s, n: int, *, seed=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Labels and class signs of n sequences of the label model with purity profile s.

    :math:`y = \pm1` with probability 1/2 each; :math:`\xi_t = y` with probability
    :math:`(1 + s_t)/2` and :math:`-y` otherwise, independently over t (the model of
    :func:`attnrmt_lib.label_model`).

    Parameters
    ----------
    s : array_like, shape (T,)
        Purity profile, entries in [-1, 1].
    n : int
        Number of sequences >= 1.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    y : numpy.ndarray, shape (n,)
    signs : numpy.ndarray, shape (n, T)
    """
    s = np.asarray(s, dtype=float)
    n = check_int(n, "n", 1)
    rng = as_generator(seed)
    y = rng.choice([-1.0, 1.0], size=n)
    agree = rng.random((n, s.size)) < (1.0 + s) / 2.0
    return y, np.where(agree, y[:, None], -y[:, None])


def label_signs(s, n: int, seed=None) -> np.ndarray:
    """The class signs of :func:`labels_and_signs` alone, shape (n, T): the sign sampler of
    a :class:`~attnrmt_lib.PositionalModel` of the label model (``sampler(n, rng)``)."""
    return labels_and_signs(s, n, seed=seed)[1]
