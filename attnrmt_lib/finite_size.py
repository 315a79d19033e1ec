r"""Finite-size errors of the outlier and the alignment, and their d^(-1/2) scaling.

At finite d the top eigenvalue :math:`\hat\lambda` and the squared alignment
:math:`|\hat u^\top u|^2` fluctuate around their limits (:func:`attnrmt_lib.top_eigenvalue`,
:func:`attnrmt_lib.overlap`) by :math:`O(d^{-1/2})`: above the transition the outlier is a
smooth function of quadratic forms :math:`u^\top g(\cdot)u` in the resolvent, averages
of d weakly dependent terms, so a central limit theorem applies (Paul 2007; Bai & Yao
2012); the bias is :math:`O(1/d)`. :func:`error_table` turns a :func:`attnrmt_lib.sweep.sweep`
table into root-mean-square errors per d, for :func:`attnrmt_lib.power_law.fit_power_law`;
the figures of the appendix are in :mod:`attnrmt_lib.figures.finite_size`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["error_table"]


def error_table(frame: pd.DataFrame, *, by: str = "d") -> pd.DataFrame:
    r"""Root-mean-square, mean and spread of the errors against theory, per value of ``by``.

    The eigenvalue error is :math:`(\hat\lambda - \lambda_{theory})/\kappa` (units of κ),
    the alignment error :math:`|\hat u^\top u|^2 - \text{theory}`, both at the realised
    ratios. ``*_rms_se`` is the standard error of the RMS, :math:`\text{rms}/\sqrt{2n}`
    (exact for Gaussian errors).

    Parameters
    ----------
    frame : pandas.DataFrame
        A table from :func:`attnrmt_lib.sweep.sweep`.
    by : str, default "d"
        Column to group by.

    Returns
    -------
    pandas.DataFrame
        One row per value of ``by``: ``n``, ``lambda_rms``, ``lambda_rms_se``,
        ``lambda_bias``, ``lambda_sd``, and the same for ``overlap``.
    """
    if by not in frame:
        raise ValueError(f"no column {by!r} in the table")
    errors = pd.DataFrame({
        by: frame[by],
        "lambda": (frame["top_eigenvalue"] - frame["theory_top_eigenvalue"]) / frame["kappa"],
        "overlap": frame["overlap"] - frame["theory_overlap"],
    })
    rows = []
    for value, group in errors.groupby(by, sort=True):
        n = len(group)
        row = {by: value, "n": n}
        for name in ("lambda", "overlap"):
            e = group[name].to_numpy()
            rms = float(np.sqrt(np.mean(e**2)))
            row[f"{name}_rms"] = rms
            row[f"{name}_rms_se"] = rms / np.sqrt(2 * n)
            row[f"{name}_bias"] = float(e.mean())
            row[f"{name}_sd"] = float(e.std(ddof=1)) if n > 1 else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)
