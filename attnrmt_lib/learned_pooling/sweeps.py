r"""Sample-size sweeps of learned pooling: how fast the learned profiles reach the optimum."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._validation import check_int
from ..weights import optimal_weights
from .optima import classification_error, profile_cosine, supervised_weights
from .task import LabelTask, label_sequences
from .training import fit_direct_pooling, fit_factorised_pooling

# pandas is imported where the table is built: explorers never build one, and in the
# reader's browser (Pyodide) importing it adds seconds to the first figure.
if TYPE_CHECKING:
    import pandas as pd

__all__ = ["profile_convergence"]


def profile_convergence(task: LabelTask, n_values, *, lam: float, seeds=(0,),
                        loss: str = "square"):
    r"""Fit both parameterisations at several sample sizes and compare with the optima.

    For each n and seed: draw n training sequences (seed), fit factorised and direct
    pooling, and record the angle (degrees) between the learned profile and the
    supervised optimum at :math:`q^\star` (:meth:`LabelTask.token_snr`), the angle to the
    spectral optimum (top eigenvector of R), the test error
    (:func:`classification_error`), the top singular value and the optimiser's flags.

    Parameters
    ----------
    task : LabelTask
    n_values : sequence of int
        Training-set sizes >= 1.
    lam : float
        Weight decay λ >= 0 (the same for both parameterisations).
    seeds : sequence of int, default (0,)
    loss : {"square", "logistic"}

    Returns
    -------
    pandas.DataFrame
        Columns ``n``, ``seed``, ``parameterisation``, ``angle_supervised``,
        ``angle_spectral``, ``error``, ``sigma1``, ``n_iter``.
    """
    if not isinstance(task, LabelTask):
        raise ValueError(f"task must be a LabelTask, got {type(task).__name__}")
    n_values = [check_int(int(n) if isinstance(n, np.integer) else n, "n", 1)
                for n in n_values]
    w_sup = supervised_weights(task.s, task.token_snr())
    w_spec = optimal_weights(task.R)
    rows = []
    for n in n_values:
        for seed in seeds:
            data = label_sequences(task, n, seed=seed)
            for fit in (fit_factorised_pooling(data, lam=lam, loss=loss),
                        fit_direct_pooling(data, lam=lam, loss=loss)):
                p = fit.profile
                rows.append(dict(
                    n=n, seed=seed, parameterisation=fit.parameterisation,
                    angle_supervised=float(np.degrees(np.arccos(profile_cosine(p, w_sup)))),
                    angle_spectral=float(np.degrees(np.arccos(profile_cosine(p, w_spec)))),
                    error=classification_error(fit.B, task), sigma1=fit.singular_values[0],
                    n_iter=fit.n_iter))
    import pandas as pd

    return pd.DataFrame(rows)
