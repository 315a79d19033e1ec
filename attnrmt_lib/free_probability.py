r"""Free multiplicative convolution through S-transforms, for products of Marchenko–Pastur laws.

For a law ν on :math:`[0, \infty)` with moments :math:`m_k` and :math:`m_1 \ne 0`, the moment
series :math:`M_\nu(z) = \sum_{k\ge1} m_k z^k` has a compositional inverse
:math:`\chi_\nu` near 0, and the S-transform is

.. math::

    S_\nu(z) = \frac{1 + z}{z}\,\chi_\nu(z).

If A and B are asymptotically free (e.g. independent, one of them orthogonally invariant),
the spectrum of :math:`A^{1/2}BA^{1/2}` tends to :math:`\nu_A \boxtimes \nu_B`, and
:math:`S_{\nu_A\boxtimes\nu_B} = S_{\nu_A}S_{\nu_B}` (Voiculescu 1987; Nica & Speicher 2006).
For the Marchenko–Pastur law, :math:`S_{\mathrm{MP}_c}(z) = 1/(1 + cz)`, and scaling by κ
divides S by κ. So for :math:`\nu = \kappa\,\mathrm{MP}_{c_1}\boxtimes\dots\boxtimes\mathrm{MP}_{c_k}`,
:math:`\chi(z) = z/(\kappa(1 + z)\prod_i(1 + c_iz))`, and at :math:`z = M(1/\lambda)`

.. math::

    \lambda\,M = \kappa\,(1 + M)\prod_{i=1}^k(1 + c_iM),

a polynomial equation of degree k + 1 (k = 2: the cubic of the book's bulk law
κ(MP_δ ⊠ MP_γ), :mod:`attnrmt_lib.bulk`). The density is
:math:`|\operatorname{Im} M(\lambda + i0)|/(\pi\lambda)`.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from ._validation import check_array, check_int, check_positive
from .sampling import as_generator

__all__ = [
    "mp_s_transform",
    "free_mp_product_s_transform",
    "s_transform_coefficients",
    "free_mp_product_density",
    "free_mp_product_atom",
    "free_mp_product_upper_edge",
    "wishart_product_spectrum",
]


def _check_ratios(ratios) -> np.ndarray:
    try:
        arr = None if isinstance(ratios, str) else np.atleast_1d(np.asarray(ratios, dtype=float))
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"ratios must be a non-empty 1-D list of numbers > 0, got {ratios!r}")
    for i, c in enumerate(arr):
        check_positive(float(c), f"ratios[{i}]")
    return arr


def mp_s_transform(z, ratio: float):
    r"""S-transform of the Marchenko–Pastur law: :math:`S_{\mathrm{MP}_c}(z) = 1/(1 + cz)`.

    From the quadratic :math:`c\lambda G^2 - (\lambda + c - 1)G + 1 = 0` with
    :math:`G = (1 + M)/\lambda`: :math:`(1 + M)(1 + cM) = \lambda M`, so
    :math:`\chi(z) = z/((1 + z)(1 + cz))` and :math:`S = \chi(1 + z)/z`.

    Parameters
    ----------
    z : complex or array_like
        Points with :math:`1 + cz \ne 0`.
    ratio : float
        c > 0 (γ = d/N for a sample covariance).

    Returns
    -------
    complex or numpy.ndarray

    Examples
    --------
    >>> mp_s_transform(1.0, 0.5)
    0.6666666666666666
    """
    c = check_positive(ratio, "ratio")
    zz = np.asarray(z)
    if not np.all(np.isfinite(zz)):
        raise ValueError("z must contain only finite numbers")
    if np.any(1.0 + c * zz == 0):
        raise ValueError(f"z must avoid the pole z = -1/ratio = {-1.0 / c:.6g}")
    out = 1.0 / (1.0 + c * zz)
    return out.item() if np.ndim(z) == 0 else out


def free_mp_product_s_transform(z, ratios, kappa: float = 1.0):
    r"""S-transform of :math:`\kappa\,\mathrm{MP}_{c_1}\boxtimes\dots\boxtimes\mathrm{MP}_{c_k}`.

    .. math::

        S(z) = \frac{1}{\kappa}\prod_{i=1}^k \frac{1}{1 + c_iz},

    the product of the factors' S-transforms (Voiculescu 1987) and :math:`S_{\kappa\nu} = S_\nu/\kappa`.

    Examples
    --------
    >>> free_mp_product_s_transform(1.0, [0.5, 0.5])
    0.4444444444444444
    """
    c = _check_ratios(ratios)
    kappa = check_positive(kappa, "kappa")
    out = 1.0 / kappa
    for ci in c:
        out = out * mp_s_transform(z, float(ci))
    return out


def s_transform_coefficients(moments, order: int | None = None) -> np.ndarray:
    r"""Taylor coefficients :math:`s_0, s_1, \dots` of the S-transform of a law from its moments.

    Reverts the moment series :math:`M(z) = \sum_{k\ge1} m_kz^k` term by term to
    :math:`\chi(z) = \sum_{k\ge1} c_kz^k` (:math:`M(\chi(z)) = z`) and returns the coefficients
    of :math:`S(z) = (1 + z)\chi(z)/z`: :math:`s_j = c_{j+1} + c_j`. The first ones are

    .. math::

        s_0 = \frac{1}{m_1}, \qquad s_1 = \frac{m_1^2 - m_2}{m_1^3}, \qquad
        s_2 = \frac{2m_2^2 - m_1m_3 - m_1^2m_2}{m_1^5}.

    For :math:`\mathrm{MP}_c` they are :math:`(-c)^j`; since S-transforms multiply under
    ⊠, the coefficients of a free product are the Cauchy product of the factors'. From
    empirical moments of a spectrum this is a test of freeness.

    Parameters
    ----------
    moments : array_like
        :math:`m_1, \dots, m_K` (K >= 1, :math:`m_1 \ne 0`); not :math:`m_0`.
    order : int, optional
        Number of coefficients to return, 1 <= order <= K (default K).

    Returns
    -------
    numpy.ndarray
        :math:`s_0, \dots, s_{\text{order}-1}`.

    Examples
    --------
    >>> s_transform_coefficients([1.0, 1.5, 2.75]).round(12).tolist()  # MP_1/2: 1, -1/2, 1/4
    [1.0, -0.5, 0.25]
    """
    m = check_array(moments, "moments").ravel()
    if m.size == 0:
        raise ValueError("moments must hold at least m_1")
    if m[0] == 0:
        raise ValueError("moments[0] = m_1 must be non-zero (the S-transform needs a non-zero mean)")
    K = m.size
    order = K if order is None else check_int(order, "order", 1)
    if order > K:
        raise ValueError(f"order must be <= the number of moments ({K}), got {order}")
    # Truncated power series of length K + 1 (powers 0..K).
    mser = np.concatenate([[0.0], m])
    c = np.zeros(K + 1)
    c[1] = 1.0 / m[0]
    for k in range(2, K + 1):
        # Coefficient of z^k in M(χ) with c_k = 0 so far: m_1 c_k must cancel it.
        comp = np.zeros(K + 1)
        power = np.zeros(K + 1)
        power[0] = 1.0
        for j in range(1, k + 1):
            power = np.convolve(power, c)[: K + 1]
            comp += mser[j] * power
        c[k] = -comp[k] / m[0]
    s = c[1:] + c[:-1]  # s_j = c_{j+1} + c_j, j = 0..K-1
    return s[:order]


def free_mp_product_atom(ratios) -> float:
    r"""Mass :math:`\max(0, 1 - 1/c_1, \dots, 1 - 1/c_k)` of the atom at 0 of ⊠ MP_{c_i}.

    :math:`\nu_1\boxtimes\nu_2(\{0\}) = \max(\nu_1(\{0\}), \nu_2(\{0\}))`, and
    :math:`\mathrm{MP}_c(\{0\}) = \max(0, 1 - 1/c)` (a rank bound: a product is at most as
    large in rank as its factors).
    """
    c = _check_ratios(ratios)
    return float(max(0.0, np.max(1.0 - 1.0 / c)))


def free_mp_product_upper_edge(ratios, kappa: float = 1.0) -> float:
    r"""Upper edge of the support of :math:`\kappa\,\mathrm{MP}_{c_1}\boxtimes\dots\boxtimes\mathrm{MP}_{c_k}`.

    Above the support :math:`M = M(1/\lambda) > 0` is real and the polynomial equation is
    inverted by :math:`\lambda(M) = \kappa(1 + M)\prod_i(1 + c_iM)/M`; the edge is its minimum
    over M > 0, where :math:`M\,\frac{d}{dM}\log\lambda = \frac{M}{1 + M} + \sum_i\frac{c_iM}{1 + c_iM} - 1 = 0`
    (increasing in M from -1 to k, so the root is unique). For k = 1 this is
    :math:`\kappa(1 + \sqrt c)^2`; for k square factors (all :math:`c_i = 1`) it is
    :math:`\kappa(k + 1)^{k+1}/k^k` (Fuss–Catalan).

    Examples
    --------
    >>> round(free_mp_product_upper_edge([1.0, 1.0]), 12)   # 27/4
    6.75
    """
    c = _check_ratios(ratios)
    kappa = check_positive(kappa, "kappa")

    def slope(m):
        return m / (1.0 + m) + np.sum(c * m / (1.0 + c * m)) - 1.0

    hi = 1.0
    while slope(hi) <= 0.0:
        hi *= 2.0
    m = brentq(slope, 0.0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    return float(kappa * (1.0 + m) * np.prod(1.0 + c * m) / m)


def _companion_roots(coef):
    """Roots of the polynomials with coefficients ``coef[i]`` (lowest power first, monic
    after division by the last one), as the eigenvalues of stacked companion matrices."""
    n = coef.shape[1] - 1
    comp = np.zeros((coef.shape[0], n, n), dtype=coef.dtype)
    comp[:, 1:, :-1] = np.eye(n - 1)
    comp[:, :, -1] = -coef[:, :n] / coef[:, n:]
    return np.linalg.eigvals(comp)


def _newton(root, lam, c, iterations):
    """Newton steps on f(M) = (1 + M) Π(1 + c_i M) - λM, in factored form: the expanded
    polynomial loses all its digits near M = -1, where it has a root of high order when
    several c_i = 1 (hard edges, λ -> 0)."""
    for _ in range(iterations):
        P, dP = _factored(root, c)
        root = root - (P - lam * root) / (dP - lam)
    return root


def _factored(root, c):
    """P(M) = (1 + M) Π(1 + c_i M) and P'(M), by the product rule one factor at a time."""
    P = 1.0 + root
    dP = np.ones_like(root)
    for ci in c:
        factor = 1.0 + ci * root
        dP = dP * factor + P * ci
        P = P * factor
    return P, dP


def _residual(root, lam, c):
    return np.abs(_factored(root, c)[0] - lam * root)


def _physical_root(y, p, c):
    r"""The root :math:`M(\lambda + i0)` of :math:`P(M) = \lambda M` that is the moment series.

    For k >= 2 factors the polynomial has degree >= 3, and outside the support the
    unphysical roots can be complex too, so "the root with non-zero imaginary part" does
    not identify the right one. The physical root is the branch that is analytic in the
    upper half-plane and behaves like :math:`1/\lambda` at infinity: it is followed by
    continuity along the vertical path :math:`\lambda + is`, s decreasing geometrically from
    :math:`100(\lambda + 1)` to :math:`10^{-10}\lambda` (3.5 steps a decade, Newton's method
    from the previous root; the start is the root nearest :math:`1/\lambda` among all roots,
    from a companion matrix). No other root meets it on the way (that would be a branch
    point off the real axis).
    """
    n = p.size - 1
    # From far above (100(λ + 1)) to 1e-10 λ: the last offset must be small relative to λ
    # itself, or tiny λ near a hard edge would read the density at the wrong scale.
    top, bottom = 100.0 * (1.0 + y), 1e-10 * y
    decades = np.log10(top / bottom)
    steps = int(np.ceil(3.5 * decades.max()))
    ratio = (bottom / top) ** (1.0 / steps)
    s = top
    lam = y + 1j * s
    coef = np.broadcast_to(p.astype(complex), (y.size, n + 1)).copy()
    coef[:, 1] -= lam
    roots = _companion_roots(coef)
    root = roots[np.arange(y.size), np.argmin(np.abs(roots - 1.0 / lam[:, None]), axis=1)]
    for _ in range(steps):
        s = s * ratio
        # Newton from the previous root: a step of 3.5 per decade moves the root by a small
        # fraction of its distance to the others, well inside Newton's basin.
        root = _newton(root, y + 1j * s, c, 4)
    return root


def free_mp_product_density(x, ratios, kappa: float = 1.0) -> np.ndarray:
    r"""Density of :math:`\kappa\,\mathrm{MP}_{c_1}\boxtimes\dots\boxtimes\mathrm{MP}_{c_k}` at ``x``.

    Solves :math:`\kappa(1 + M)\prod_i(1 + c_iM) - \lambda M = 0` (degree k + 1) for every
    λ at once with stacked companion matrices, follows the root that is the moment series
    :math:`M(1/\lambda)` from :math:`\lambda + i\infty` down to the real axis (unphysical
    roots can be complex too when k >= 2), polishes it with Newton steps at
    :math:`\lambda + i0`, and returns :math:`|\operatorname{Im} M|/(\pi\lambda)`. With two
    ratios (δ, γ) this is the book's bulk law κ(MP_δ ⊠ MP_γ)
    (:func:`attnrmt_lib.bulk.bulk_density`, which solves the cubic in closed form); with
    one ratio, κ MP_c.

    Parameters
    ----------
    x : array_like
        Evaluation points.
    ratios : sequence of float
        :math:`c_1, \dots, c_k > 0`.
    kappa : float, default 1.0
        Scale κ > 0.

    Returns
    -------
    numpy.ndarray
        The density of the continuous part (the atom at 0, :func:`free_mp_product_atom`,
        is not included), same shape as ``x``; 0 outside the support.

    Notes
    -----
    About 50 continuation steps of four Newton iterations (more when x comes close to
    0): 1000 points take a few hundredths of a second.

    Examples
    --------
    >>> import numpy as np
    >>> from attnrmt_lib.marchenko_pastur import mp_density
    >>> x = np.array([0.5, 1.0, 2.0])
    >>> bool(np.allclose(free_mp_product_density(x, [0.5]), mp_density(x, 0.5)))
    True
    """
    c = _check_ratios(ratios)
    kappa = check_positive(kappa, "kappa")
    xs = check_array(x, "x")
    lam = np.atleast_1d(xs).astype(float).ravel() / kappa
    out = np.zeros(lam.size)
    inside = (lam > 0) & (lam < free_mp_product_upper_edge(c))
    if not np.any(inside):
        return out.reshape(np.shape(xs))
    y = lam[inside]
    # P(M) = (1 + M) Π (1 + c_i M), coefficients lowest power first.
    p = np.array([1.0, 1.0])
    for ci in c:
        p = np.convolve(p, [1.0, ci])
    best = _physical_root(y, p, c)
    for _ in range(3):
        step = _newton(best, y, c, 1)
        # Newton is kept only where it helps: near a double root (an edge) it can overshoot.
        best = np.where(_residual(step, y, c) < _residual(best, y, c), step, best)
    im = np.abs(best.imag)
    # In a gap of the support the root is real up to the path's last offset 1e-10 λ.
    im = np.where(im > 1e-8 * (1.0 + np.abs(best)), im, 0.0)
    out[inside] = im / (np.pi * y * kappa)
    return out.reshape(np.shape(xs))


def wishart_product_spectrum(d: int, ratios, *, seed=0) -> np.ndarray:
    r"""Spectrum of a product of independent Wishart matrices, the simulation of ⊠ MP_{c_i}.

    Starts from :math:`P_0 = I_d` and sets :math:`P_j = P_{j-1}^{1/2}W_jP_{j-1}^{1/2}` with
    :math:`W_j = X_j^\top X_j/N_j`, :math:`X_j` an :math:`N_j\times d` standard Gaussian matrix,
    :math:`N_j = \mathrm{round}(d/c_j)`. Because :math:`W_j` is orthogonally invariant, the
    spectrum of :math:`P_j` has the law of that of :math:`D^{1/2}W_jD^{1/2}` with D the
    diagonal matrix of eigenvalues of :math:`P_{j-1}`, which is what is computed (one
    symmetric eigenvalue problem per factor). For two factors this is the book's
    :math:`\Sigma_Z^{1/2}W\Sigma_Z^{1/2}` with :math:`\Sigma_Z = Z^\top Z/V`.

    Parameters
    ----------
    d : int
        Dimension >= 1.
    ratios : sequence of float
        :math:`c_j = d/N_j > 0`, applied in order.
    seed : int, numpy.random.Generator or None, default 0
        Same seed, same spectrum.

    Returns
    -------
    numpy.ndarray
        The d eigenvalues, ascending (zeros included).
    """
    d = check_int(d, "d", 1)
    c = _check_ratios(ratios)
    rng = as_generator(seed)
    values = np.ones(d)
    for cj in c:
        n = max(1, round(d / cj))
        scaled = rng.standard_normal((n, d)) * np.sqrt(values)[None, :]
        values = np.linalg.eigvalsh(scaled.T @ scaled / n)
        values = np.maximum(values, 0.0)  # rounding can leave -1e-16 on zero eigenvalues
    return values
