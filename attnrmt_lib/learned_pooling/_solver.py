"""The one L-BFGS of learned pooling, which never hands back an unconverged point.

Private to :mod:`attnrmt_lib.learned_pooling` (its modules import :func:`lbfgs` from here).
"""

from __future__ import annotations

import numpy as np
import scipy.optimize


def lbfgs(fun, x0, *, name: str, max_iter: int, tol: float):
    """L-BFGS that never hands back an unconverged point.

    Accepts the result only when the largest gradient entry at the returned point is at most
    ``tol`` (re-evaluated here, not taken from the optimiser's own report): a success flag
    alone is not enough, since L-BFGS-B also reports success when f stops decreasing, and a
    line search that fails at the start returns x0 itself. Raises ``RuntimeError`` naming
    ``name`` and the residual gradient otherwise.
    """
    x, used = np.asarray(x0, dtype=float), 0
    # L-BFGS-B may stop on "f no longer decreases" with the gradient just above tol: a
    # restart from there (fresh curvature pairs) finishes the job; three are plenty.
    for _ in range(4):
        result = scipy.optimize.minimize(
            fun, x, jac=True, method="L-BFGS-B",
            options=dict(maxiter=max_iter - used, maxfun=2 * max_iter, gtol=tol, ftol=1e-15,
                         maxcor=20))
        x, used = result.x, used + result.nit
        value, grad = fun(x)
        residual = float(np.max(np.abs(grad))) if np.size(grad) else 0.0
        if residual <= tol or used >= max_iter or result.nit == 0:
            break
    result.nit = used
    if not (np.isfinite(value) and residual <= tol):
        raise RuntimeError(
            f"{name}: L-BFGS did not converge after {result.nit} iterations "
            f"({result.message}); largest gradient entry {residual:.3g} > tol = {tol:.3g}")
    return result
