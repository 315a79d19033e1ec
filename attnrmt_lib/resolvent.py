r"""Stieltjes transforms, resolvents and deterministic equivalents.

The book's convention for the Stieltjes transform of a probability law ν on the real line is

.. math::

    G_\nu(z) = \int \frac{d\nu(x)}{z - x}, \qquad z \in \mathbb{C}\setminus\operatorname{supp}\nu,

so that :math:`G_\nu(z) \sim 1/z` at infinity and :math:`\operatorname{Im} G_\nu(z) < 0` when
:math:`\operatorname{Im} z > 0`. (Silverstein & Bai and Couillet & Liao use
:math:`m_\nu(z) = \int d\nu(x)/(x - z) = -G_\nu(z)`.) For a symmetric d × d matrix S with
resolvent :math:`Q(z) = (zI - S)^{-1}`, :math:`\frac1d\operatorname{tr} Q(z)` is the Stieltjes
transform of the spectrum of S, and Stieltjes inversion recovers a density:

.. math::

    f(x) = -\frac{1}{\pi}\lim_{\eta\downarrow 0}\operatorname{Im} G_\nu(x + i\eta).

**Deterministic equivalent.** For :math:`S = \Sigma^{1/2} X^\top X \Sigma^{1/2}/N` with
:math:`X \in \mathbb{R}^{N\times d}` of i.i.d. standard entries, :math:`d/N \to \gamma`
and Σ of spectrum H, the resolvent is close (in normalised trace and in quadratic forms of
deterministic unit vectors) to

.. math::

    \bar Q(z) = \Bigl(zI - \frac{\Sigma}{1 - \gamma e(z)}\Bigr)^{-1}, \qquad
    e(z) = \frac1d\operatorname{tr}\Sigma\bar Q(z)
         = \int\frac{t\,dH(t)}{z - t/(1 - \gamma e(z))},

the Silverstein–Bai equation in deterministic-equivalent form (Silverstein & Bai 1995;
Couillet & Liao 2022, ch. 2). With Σ = I it gives the Marchenko–Pastur law:
:math:`G = 1/(z - 1/(1 - \gamma G))`, i.e. :math:`\gamma zG^2 - (z + \gamma - 1)G + 1 = 0`
(Marchenko & Pastur 1967).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import check_array, check_int, check_positive

__all__ = [
    "empirical_stieltjes",
    "stieltjes_inversion",
    "deterministic_equivalent",
    "mp_stieltjes_transform",
    "contour_integral",
]


def _check_complex(z, name: str) -> np.ndarray:
    try:
        arr = np.asarray(z, dtype=complex)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (complex) number or array, got {z!r}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers")
    return arr


def _out(values, like):
    return complex(values) if np.ndim(like) == 0 else values


def empirical_stieltjes(eigenvalues, z, weights=None):
    r"""Stieltjes transform :math:`\sum_i w_i/(z - \lambda_i)` of a finite spectrum.

    With the default weights :math:`w_i = 1/n` this is :math:`\frac1n\operatorname{tr}(zI - S)^{-1}`
    for a matrix S with eigenvalues :math:`\lambda_i`. With :math:`w_i = (v_i^\top u)^2`
    (the squared projections of a vector u on the eigenvectors :math:`v_i`) it is the
    quadratic form :math:`u^\top(zI - S)^{-1}u` of the resolvent.

    Parameters
    ----------
    eigenvalues : array_like
        The spectrum :math:`\lambda_1, \dots, \lambda_n` (1-D, finite, non-empty).
    z : complex or array_like of complex
        Evaluation points, off the spectrum.
    weights : array_like, optional
        Non-negative weights :math:`w_i`, one per eigenvalue (default ``1/n``).

    Returns
    -------
    complex or numpy.ndarray
        Same shape as ``z``.

    Examples
    --------
    >>> empirical_stieltjes([0.0, 2.0], 1j)   # (1/2)(1/i + 1/(i - 2))
    (-0.2-0.6j)
    """
    lam = check_array(eigenvalues, "eigenvalues").ravel()
    if lam.size == 0:
        raise ValueError("eigenvalues must be a non-empty array")
    if weights is None:
        w = np.full(lam.size, 1.0 / lam.size)
    else:
        w = check_array(weights, "weights", nonnegative=True).ravel()
        if w.size != lam.size:
            raise ValueError(
                f"weights must have one entry per eigenvalue ({lam.size}), got {w.size}"
            )
    zz = _check_complex(z, "z")
    flat = zz.ravel()
    out = np.empty(flat.size, dtype=complex)
    # Blocks keep the (points x eigenvalues) work array small.
    block = max(1, 2**20 // lam.size)
    for i in range(0, flat.size, block):
        diff = flat[i:i + block, None] - lam[None, :]
        if np.any(diff == 0):
            raise ValueError("z must not coincide with an eigenvalue (the resolvent is singular)")
        out[i:i + block] = (1.0 / diff) @ w
    return _out(out.reshape(zz.shape), z)


def stieltjes_inversion(stieltjes, x, eta: float) -> np.ndarray:
    r"""Smoothed density :math:`-\operatorname{Im} G(x + i\eta)/\pi` from a Stieltjes transform.

    For a law ν, :math:`-\frac1\pi\operatorname{Im} G_\nu(x + i\eta) = \int P_\eta(x - t)\,d\nu(t)`
    with the Cauchy (Poisson) kernel :math:`P_\eta(s) = \eta/(\pi(s^2 + \eta^2))`: the law
    smoothed at scale η, which tends to its density as η ↓ 0 (the inversion formula).

    Parameters
    ----------
    stieltjes : callable
        Vectorised :math:`G` on complex arrays (book convention :math:`\int d\nu/(z - x)`).
    x : array_like
        Real points.
    eta : float
        Smoothing scale η > 0.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> point_mass = lambda z: 1.0 / z           # G of the law concentrated at 0
    >>> bool(np.isclose(stieltjes_inversion(point_mass, 0.0, 0.5), 1 / (0.5 * np.pi)))
    True
    """
    if not callable(stieltjes):
        raise ValueError(f"stieltjes must be a callable G(z), got {stieltjes!r}")
    eta = check_positive(eta, "eta")
    xs = check_array(x, "x")
    values = np.asarray(stieltjes(xs + 1j * eta), dtype=complex)
    return -values.imag.reshape(xs.shape) / np.pi


def _population(population):
    """Distinct atoms ``t`` and weights ``w`` of H (``None``: the law concentrated at 1)."""
    if population is None:
        return np.array([1.0]), np.array([1.0])
    try:
        arr = check_array(population, "population", nonnegative=True)
    except (TypeError, ValueError) as exc:
        if str(exc).startswith("population"):
            raise
        raise ValueError(f"population must be a 1-D array of eigenvalues >= 0, got "
                         f"{population!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"population must be a non-empty 1-D array of eigenvalues >= 0, got shape {arr.shape}"
        )
    if not np.any(arr > 0):
        raise ValueError("population must contain at least one eigenvalue > 0 (all are zero)")
    t, counts = np.unique(arr, return_counts=True)
    return t, counts / arr.size


def _upper_edge(t, w, gamma):
    """Upper edge of H ⊠ MP_γ: ψ(u) = u(1 + γ∫t dH/(u - t)) at the root u > max t of ψ' = 0."""
    pos = t > 0
    tp, wp = t[pos], w[pos]
    tmax = tp[-1]

    def g(u):  # γ ∫ t² dH/(u - t)², decreasing from ∞ to 0 on (t_max, ∞)
        return gamma * np.sum(wp * tp**2 / (u - tp) ** 2)

    lo, hi = tmax, tmax + np.sqrt(gamma * np.sum(wp * tp**2)) * (1.0 + 1e-12) + 1e-300
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            break
        if g(mid) > 1.0:
            lo = mid
        else:
            hi = mid
    u = 0.5 * (lo + hi)
    return float(u * (1.0 + gamma * np.sum(wp * tp / (u - tp))))


def _fixed_point(zu, gamma, t, w, tol, max_iter):
    """G(z) for points ``zu`` with Im z >= 0 (see :func:`deterministic_equivalent`)."""
    tw, t2w = t * w, t * t * w
    e = np.full(zu.shape, np.sum(tw), dtype=complex) / zu
    active = np.arange(zu.size)
    error = np.full(zu.size, np.inf)
    for _ in range(max_iter):
        if active.size == 0:
            break
        za, ea = zu[active], e[active]
        a = 1.0 / (1.0 - gamma * ea)
        inv = 1.0 / (za[:, None] - t[None, :] * a[:, None])
        new = inv @ tw
        slope = gamma * a * a * ((inv * inv) @ t2w)  # F'(e)
        step = new - ea
        # Linearising F at e, the fixed point sits at e + step/(1 - F'(e)): |step|/|1 - F'|
        # estimates the error. The step alone does not: near the support |F'| -> 1.
        newton = ea + step / (1.0 - slope)
        rel_step = np.abs(step) / np.abs(ea)
        err = np.maximum(rel_step, np.abs(step) / (np.abs(1.0 - slope) * np.abs(newton)))
        done = err <= tol
        # Close to the solution (small step) and away from a double root (|1 - F'| not
        # small), Newton's step converges quadratically; it must stay in the half-plane of
        # e (Im e <= 0 for Im z > 0, e real for real z), where the solution is unique.
        use_newton = (err < 1e-3) & (np.abs(1.0 - slope) > 0.1) & (newton.imag <= 0)
        e[active] = np.where(done | use_newton, newton, new)
        error[active] = err
        active = active[~done]
    if active.size:
        raise RuntimeError(
            f"deterministic_equivalent: the fixed point did not converge in {max_iter} "
            f"iterations at {active.size} of {zu.size} points (largest relative residual "
            f"{error[active].max():.3g} > tol = {tol:.3g}); z is too close to the support"
        )
    return (1.0 / (zu[:, None] - t[None, :] / (1.0 - gamma * e)[:, None])) @ w


def deterministic_equivalent(z, gamma: float, population=None, *, tol: float = 1e-12,
                             max_iter: int = 100_000):
    r"""Stieltjes transform of :math:`H \boxtimes \mathrm{MP}_\gamma` by the deterministic-equivalent fixed point.

    Iterates

    .. math::

        e \;\leftarrow\; \int \frac{t\,dH(t)}{z - t/(1 - \gamma e)}, \qquad
        G(z) = \int \frac{dH(t)}{z - t/(1 - \gamma e)} = \frac1d\operatorname{tr}\bar Q(z),

    from :math:`e = \int t\,dH/z`, finishing with Newton steps, where
    :math:`\bar Q(z) = (zI - \Sigma/(1 - \gamma e))^{-1}` is the deterministic equivalent of
    the resolvent of
    :math:`S = \Sigma^{1/2}X^\top X\Sigma^{1/2}/N` (Silverstein & Bai 1995; Couillet & Liao
    2022). For :math:`\operatorname{Im} z > 0` the map sends the lower half-plane into a
    bounded part of itself, so the iteration converges; it slows down (about
    :math:`1/\operatorname{Im} z` steps) as z approaches the support. On the real axis it
    converges to the right of the support and to the left of 0. Points with
    :math:`\operatorname{Im} z < 0` use :math:`G(\bar z) = \overline{G(z)}`. Vectorised over ``z``.

    Parameters
    ----------
    z : complex or array_like of complex
        Evaluation points: off the real axis, or real and either above the upper edge of
        the support or below 0.
    gamma : float
        Ratio γ = d/N > 0.
    population : array_like, optional
        Population spectrum H as a 1-D list of eigenvalues >= 0 (equal weights, not all
        zero). Default: Σ = I, for which the result is the Marchenko–Pastur law MP_γ.
    tol : float, default 1e-12
        Relative error of e at which a point counts as converged: both the relative
        residual :math:`|F(e) - e|/|e|` of the fixed-point map F and the linearised error
        estimate :math:`|F(e) - e|/(|1 - F'(e)|\,|e|)` (which accounts for slow contraction
        near the support) must be below it.
    max_iter : int, default 100000
        Iteration budget.

    Returns
    -------
    complex or numpy.ndarray
        G(z), same shape as ``z``.

    Raises
    ------
    ValueError
        For a real z in [0, upper edge], or bad parameters.
    RuntimeError
        When some point has not converged after ``max_iter`` iterations (the message gives
        the largest relative residual).

    Examples
    --------
    >>> g = deterministic_equivalent(3.0, 0.5)        # MP_1/2 at z = 3: the root of
    >>> round(g.real, 10)                              # 1.5 G² - 3.5 G + 1 = 0 below 1
    0.6666666667
    """
    gamma = check_positive(gamma, "gamma")
    tol = check_positive(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", 1)
    t, w = _population(population)
    zz = _check_complex(z, "z")
    flat = zz.ravel()
    on_axis = flat.imag == 0
    if np.any(on_axis):
        edge = _upper_edge(t, w, gamma)
        bad = on_axis & (flat.real >= 0) & (flat.real <= edge)
        if np.any(bad):
            raise ValueError(
                f"real z must lie above the upper edge {edge:.6g} of the support or below 0 "
                f"(the Stieltjes transform has a branch cut on the support), got "
                f"{flat.real[bad][0]:.6g}"
            )
    lower = flat.imag < 0
    zu = np.where(lower, flat.conj(), flat)
    g = np.empty(zu.size, dtype=complex)
    # Blocks of points keep the (points x atoms) work arrays small.
    block = max(1, 2**18 // t.size)
    for i in range(0, zu.size, block):
        g[i:i + block] = _fixed_point(zu[i:i + block], gamma, t, w, tol, max_iter)
    g = np.where(lower, g.conj(), g)
    return _out(g.reshape(zz.shape), z)


def mp_stieltjes_transform(z, gamma: float, *, tol: float = 1e-12, max_iter: int = 100_000):
    r"""Stieltjes transform of the Marchenko–Pastur law MP_γ by its deterministic equivalent.

    The fixed point :math:`G = 1/(z - 1/(1 - \gamma G))` of :func:`deterministic_equivalent`
    with Σ = I: Sherman–Morrison on each sample and concentration of
    :math:`x_n^\top Q x_n/N` around :math:`\gamma G` give
    :math:`\mathbb{E}\,Q(z) \approx I/(z - 1/(1 - \gamma G))`. Equivalently
    :math:`\gamma zG^2 - (z + \gamma - 1)G + 1 = 0` (Marchenko & Pastur 1967), whose root with
    :math:`G \sim 1/z` the iteration selects. Same parameters, errors and domain as
    :func:`deterministic_equivalent`.

    Examples
    --------
    >>> g = mp_stieltjes_transform(2.0 + 0.5j, 0.5)
    >>> abs(0.5 * (2.0 + 0.5j) * g**2 - (2.0 + 0.5j - 0.5) * g + 1) < 1e-10
    True
    """
    return deterministic_equivalent(z, gamma, None, tol=tol, max_iter=max_iter)


def contour_integral(f, center, radius: float, *, nodes: int = 64) -> complex:
    r"""The contour integral :math:`\frac{1}{2\pi i}\oint_{|z - c| = r} f(z)\,dz`, counter-clockwise.

    Trapezoid rule on the circle, :math:`z_k = c + re^{i\theta_k}`, which converges
    geometrically for f analytic near the circle. With :math:`f(z) = u^\top(zI - S)^{-1}u`
    it returns :math:`\sum_i (v_i^\top u)^2` over the eigenvalues of S inside the circle
    (Cauchy's residue theorem), the basis of the eigenvector formulas of spiked models.

    Parameters
    ----------
    f : callable
        Vectorised function of complex arrays.
    center : complex
        Centre c of the circle.
    radius : float
        Radius r > 0.
    nodes : int, default 64
        Number of quadrature nodes, >= 3.

    Returns
    -------
    complex

    Examples
    --------
    >>> round(contour_integral(lambda z: 3.0 / (z - 1.0), 1.2, 0.5).real, 12)
    3.0
    """
    if not callable(f):
        raise ValueError(f"f must be a callable, got {f!r}")
    if isinstance(center, (bool, np.bool_)) or not isinstance(center, numbers.Number):
        raise ValueError(f"center must be a (complex) number, got {center!r}")
    center = complex(center)
    if not np.isfinite(center):
        raise ValueError(f"center must be finite, got {center}")
    radius = check_positive(radius, "radius")
    nodes = check_int(nodes, "nodes", 3)
    phase = np.exp(2j * np.pi * np.arange(nodes) / nodes)
    values = np.asarray(f(center + radius * phase), dtype=complex)
    # dz = i r e^{iθ} dθ, so (1/2πi) ∮ f dz = (r/n) Σ f(z_k) e^{iθ_k}.
    return complex(radius * np.mean(values * phase))
