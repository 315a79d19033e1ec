r"""The spiked Wishart model: outliers by the determinant lemma, eigenvectors by a contour integral.

Population :math:`\Sigma = I + \rho\,uu^\top` (ρ > 0, ‖u‖ = 1), sample covariance
:math:`S = \Sigma^{1/2}WΣ^{1/2}` with :math:`W = X^\top X/N`, X an N × d matrix of i.i.d.
standard Gaussians, :math:`d/N \to \gamma`.

* **Outlier (determinant lemma).** λ outside the spectrum of W is an eigenvalue of S iff
  :math:`\rho\,u^\top W(\lambda I - W)^{-1}u = 1`. With the deterministic equivalent
  :math:`u^\top(\lambda I - W)^{-1}u \to G_\gamma(\lambda)`, the Stieltjes transform of
  MP_γ, the outlier solves

  .. math::

      \lambda G_\gamma(\lambda) - 1 = \frac{1}{\rho},

  i.e. :math:`\lambda = (1 + \rho)(1 + \gamma/\rho)`, which exists iff :math:`\rho > \sqrt\gamma`
  (Baik, Ben Arous & Péché 2005; Baik & Silverstein 2006; Paul 2007).
* **Eigenvector (contour integral).** For a circle Γ around the outlier only,
  :math:`|\hat u^\top u|^2 = \frac{1}{2\pi i}\oint_\Gamma u^\top(zI - S)^{-1}u\,dz`, and by
  Sherman–Morrison

  .. math::

      u^\top(zI - S)^{-1}u \;\to\; \frac{G_\gamma(z)}{(1 + \rho) - \rho z G_\gamma(z)},

  whose residue at the outlier is :math:`(1 - \gamma/\rho^2)/(1 + \gamma/\rho)` (Paul 2007;
  Couillet & Liao 2022, §2.5).

The closed forms are :func:`attnrmt_lib.phase_diagram.paul_top_eigenvalue` and
:func:`attnrmt_lib.phase_diagram.paul_overlap`; this module computes the same numbers the
way they are derived (a root of the determinant equation, a numerical contour integral of
the deterministic equivalent), and samples the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._validation import check_int, check_nonnegative, check_positive
from .bai_yao import mp_stieltjes
from .resolvent import contour_integral, mp_stieltjes_transform
from .sampling import as_generator

__all__ = [
    "SpikedWishart",
    "spiked_wishart",
    "spiked_resolvent_form",
    "determinant_lemma_outlier",
    "contour_alignment",
]


@dataclass(frozen=True)
class SpikedWishart:
    """One draw of the spiked Wishart model.

    Attributes
    ----------
    eigenvalues : numpy.ndarray
        Spectrum of S, ascending.
    projections : numpy.ndarray
        :math:`(v_i^\\top u)^2` for the eigenvectors :math:`v_i` in the same order; they sum
        to 1 (the spectral measure of u).
    d, N : int
        Dimension and sample size.
    rho : float
        Spike strength ρ.
    """

    eigenvalues: np.ndarray
    projections: np.ndarray
    d: int
    N: int
    rho: float

    @property
    def gamma(self) -> float:
        """The realised ratio d/N."""
        return self.d / self.N

    @property
    def top_eigenvalue(self) -> float:
        return float(self.eigenvalues[-1])

    @property
    def overlap(self) -> float:
        r"""Squared alignment :math:`|\hat u^\top u|^2` of the top eigenvector with u."""
        return float(self.projections[-1])


def spiked_wishart(d: int, gamma: float, rho: float, *, seed=0) -> SpikedWishart:
    r"""Draw :math:`S = \Sigma^{1/2}X^\top X\Sigma^{1/2}/N`, :math:`\Sigma = I + \rho uu^\top`.

    The law of the spectrum and of the projections :math:`(v_i^\top u)^2` does not depend on
    the direction u (X is rotation invariant), so u is the first coordinate vector and the
    rows of X are scaled along it by :math:`\sqrt{1 + \rho}`.

    Parameters
    ----------
    d : int
        Dimension >= 2.
    gamma : float
        Target ratio d/N > 0; N = round(d/γ) >= 1.
    rho : float
        Spike strength ρ >= 0.
    seed : int, numpy.random.Generator or None, default 0
        Same seed, same draw.

    Returns
    -------
    SpikedWishart
    """
    d = check_int(d, "d", 2)
    gamma = check_positive(gamma, "gamma")
    rho = check_nonnegative(rho, "rho")
    N = max(1, round(d / gamma))
    rng = as_generator(seed)
    X = rng.standard_normal((N, d))
    X[:, 0] *= np.sqrt(1.0 + rho)
    values, vectors = np.linalg.eigh(X.T @ X / N)
    return SpikedWishart(values, vectors[0] ** 2, d, N, float(rho))


def spiked_resolvent_form(z, rho: float, gamma: float, *, tol: float = 1e-12,
                          max_iter: int = 100_000):
    r"""Deterministic equivalent of :math:`u^\top(zI - S)^{-1}u` in the spiked Wishart model.

    Write :math:`(zI - S)^{-1} = \Sigma^{-1/2}(z\Sigma^{-1} - W)^{-1}\Sigma^{-1/2}` with
    :math:`z\Sigma^{-1} = zI - c\,uu^\top`, :math:`c = z\rho/(1 + \rho)`. Sherman–Morrison
    and :math:`u^\top(zI - W)^{-1}u \to G_\gamma(z)` give

    .. math::

        u^\top(zI - S)^{-1}u \;\to\; \frac{1}{1 + \rho}\,\frac{G_\gamma}{1 - cG_\gamma}
        = \frac{G_\gamma(z)}{(1 + \rho) - \rho zG_\gamma(z)},

    with :math:`G_\gamma` from :func:`attnrmt_lib.resolvent.mp_stieltjes_transform` (the
    deterministic-equivalent fixed point). Its pole outside the bulk is the outlier of
    :func:`determinant_lemma_outlier`. Vectorised over ``z``.

    Parameters
    ----------
    z : complex or array_like of complex
        Points off the bulk, as for :func:`~attnrmt_lib.resolvent.mp_stieltjes_transform`.
    rho : float
        Spike strength ρ >= 0.
    gamma : float
        Ratio γ = d/N > 0.
    tol, max_iter
        Passed to the fixed-point solver.

    Returns
    -------
    complex or numpy.ndarray
    """
    rho = check_nonnegative(rho, "rho")
    g = mp_stieltjes_transform(z, gamma, tol=tol, max_iter=max_iter)
    return g / ((1.0 + rho) - rho * np.asarray(z) * g)


def determinant_lemma_outlier(rho: float, gamma: float) -> float:
    r"""Outlier of the spiked Wishart model as the root of the determinant equation.

    The non-zero eigenvalues of S are those of :math:`XΣX^\top/N = \tilde W + \rho vv^\top`
    (:math:`\tilde W = XX^\top/N`, :math:`v = Xu/\sqrt N`); by the matrix determinant lemma
    λ is one of them, and not an eigenvalue of :math:`\tilde W`, iff
    :math:`1 = \rho v^\top(\lambda - \tilde W)^{-1}v = \rho\,u^\top W(\lambda - W)^{-1}u`.
    In the limit :math:`u^\top W(\lambda - W)^{-1}u = \lambda u^\top(\lambda - W)^{-1}u - 1
    \to \lambda G_\gamma(\lambda) - 1`, so the outlier solves

    .. math::

        h(\lambda) := \lambda G_\gamma(\lambda) - 1 = 1/\rho, \qquad \lambda > (1 + \sqrt\gamma)^2 .

    h decreases from :math:`1/\sqrt\gamma` at the edge to 0 at infinity, so a root exists iff
    :math:`\rho > \sqrt\gamma` (the BBP threshold). The root is found by Brent's method on
    the closed-form :math:`G_\gamma` (:func:`attnrmt_lib.bai_yao.mp_stieltjes`); it equals
    :math:`(1 + \rho)(1 + \gamma/\rho)` (Baik, Ben Arous & Péché 2005; Paul 2007).

    Parameters
    ----------
    rho : float
        Spike strength ρ >= 0.
    gamma : float
        Ratio γ = d/N > 0.

    Returns
    -------
    float
        The outlier for :math:`\rho > \sqrt\gamma`, else the upper bulk edge
        :math:`(1 + \sqrt\gamma)^2` (where the top eigenvalue sticks).

    Examples
    --------
    >>> round(determinant_lemma_outlier(2.0, 0.5), 10)
    3.75
    """
    rho = check_nonnegative(rho, "rho")
    gamma = check_positive(gamma, "gamma")
    edge = (1.0 + np.sqrt(gamma)) ** 2
    if rho <= np.sqrt(gamma):
        return float(edge)
    target = 1.0 / rho

    def h(lam):
        return lam * mp_stieltjes(lam, gamma) - 1.0 - target

    # h(edge⁺) = 1/√γ - 1/ρ > 0; h(λ) ≈ 1/λ - 1/ρ for large λ, negative beyond 2(1 + ρ)(1 + γ).
    lo = edge * (1.0 + 1e-12)
    hi = 2.0 * (1.0 + rho) * (1.0 + gamma) + 1.0
    if h(lo) <= 0.0:  # the root is within rounding of the edge
        return float(edge)
    return float(brentq(h, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps))


def contour_alignment(rho: float, gamma: float, *, nodes: int = 64) -> float:
    r"""Squared alignment :math:`|\hat u^\top u|^2` as a contour integral of the resolvent.

    .. math::

        |\hat u^\top u|^2 = \frac{1}{2\pi i}\oint_\Gamma u^\top(zI - S)^{-1}u\,dz
        \;\to\; \frac{1}{2\pi i}\oint_\Gamma \frac{G_\gamma(z)\,dz}{(1 + \rho) - \rho zG_\gamma(z)},

    Γ the circle centred at the outlier λ (:func:`determinant_lemma_outlier`) of radius
    half its distance to the bulk edge, the integrand from :func:`spiked_resolvent_form`
    (deterministic-equivalent fixed point), the integral by
    :func:`~attnrmt_lib.resolvent.contour_integral`. The residue at λ is
    :math:`(1 - \gamma/\rho^2)/(1 + \gamma/\rho)` (Paul 2007).

    Parameters
    ----------
    rho : float
        Spike strength ρ >= 0.
    gamma : float
        Ratio γ = d/N > 0.
    nodes : int, default 64
        Quadrature nodes on the circle, >= 3.

    Returns
    -------
    float
        The squared alignment; 0 for :math:`\rho \le \sqrt\gamma` (no outlier to circle).

    Examples
    --------
    >>> round(contour_alignment(2.0, 0.5), 8)
    0.7
    """
    rho = check_nonnegative(rho, "rho")
    gamma = check_positive(gamma, "gamma")
    nodes = check_int(nodes, "nodes", 3)
    if rho <= np.sqrt(gamma):
        return 0.0
    lam = determinant_lemma_outlier(rho, gamma)
    edge = (1.0 + np.sqrt(gamma)) ** 2
    if lam <= edge:
        return 0.0
    value = contour_integral(lambda z: spiked_resolvent_form(z, rho, gamma), lam,
                             0.5 * (lam - edge), nodes=nodes)
    return float(value.real)
