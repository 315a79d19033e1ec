r"""Power-law fits on log-log axes, for the :math:`d^{-1/2}` convergence plots.

Used for the error of finite-d causal softmax weights (the causal-attention chapter) and the errors of the
outlier and the alignment (appendix "Finite-size effects").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_array

__all__ = ["PowerLawFit", "fit_power_law"]


@dataclass(frozen=True)
class PowerLawFit:
    """y ≈ prefactor · x^slope; ``slope_se`` is the standard error of the slope."""

    slope: float
    slope_se: float
    prefactor: float

    def __call__(self, x):
        return self.prefactor * np.asarray(x, dtype=float) ** self.slope


def fit_power_law(x, y, n=None) -> PowerLawFit:
    r"""Weighted least squares of :math:`\log y = \log c + s\log x`.

    Parameters
    ----------
    x, y : array_like
        1-D, same length >= 2, positive and finite (e.g. d and an RMS error); x must hold
        at least two different values.
    n : array_like, optional
        Runs behind each y when y is an RMS over n Gaussian errors: then
        :math:`\operatorname{Var}\log y \approx 1/(2n)`, the weights are 2n and
        ``slope_se`` is the standard error from these variances. Default: equal weights
        and the residual variance.

    Returns
    -------
    PowerLawFit
    """
    x = check_array(x, "x")
    y = check_array(y, "y")
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError(f"x and y must be 1-D of the same length >= 2, got {x.shape}, {y.shape}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must contain only numbers > 0 for a log-log fit")
    if np.ptp(np.log(x)) == 0:
        raise ValueError("x must contain at least two different values")
    X = np.column_stack([np.ones_like(x), np.log(x)])
    ly = np.log(y)
    if n is None:
        w = np.ones_like(x)
    else:
        w = 2.0 * np.asarray(n, dtype=float)
        if w.shape != x.shape or np.any(w <= 0):
            raise ValueError("n must be positive, one per point")
    XtW = X.T * w
    cov = np.linalg.inv(XtW @ X)
    beta = cov @ (XtW @ ly)
    if n is None:
        dof = max(x.size - 2, 1)
        cov = cov * float(np.sum(w * (ly - X @ beta) ** 2)) / dof
    return PowerLawFit(slope=float(beta[1]), slope_se=float(np.sqrt(cov[1, 1])),
                       prefactor=float(np.exp(beta[0])))
