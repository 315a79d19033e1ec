r"""Learned pooling: a sequence classifier trained on the label model, two parameterisations.

The label model (:func:`attnrmt_lib.label_model`) draws a sequence label :math:`y = \pm 1`
and class signs :math:`\xi_t` that agree with it with probability :math:`(1 + s_t)/2`; the
token at position t is :math:`X_t = \xi_t\mu + z_{x_t}`, a row of a centered Gaussian
vocabulary table plus the signed signal. Instead of fixing the pooling weights w and
running PCA on the pooled vectors (the unsupervised route of the main chapters), this
module *learns* a linear sequence classifier

.. math::

    f(X) = \sum_t w_t\, v^\top X_t = \langle B, X\rangle_F,
    \qquad B = w v^\top \in \mathbb R^{T\times d},

from labelled sequences, by regularised empirical risk minimisation with L-BFGS, in two
parameterisations:

- *factorised*: w and v with weight decay :math:`\tfrac\lambda2(\|w\|^2 + \|v\|^2)`, whose
  minimum over the factorisations of a fixed :math:`M = wv^\top` is the nuclear-norm
  penalty :math:`\lambda\|M\|_*` (:func:`min_factorised_penalty`);
- *direct*: a full T×d matrix B with weight decay :math:`\tfrac\lambda2\|B\|_F^2`.

The positional profile of a learned B is its top left singular vector (unit norm, summing
to a positive number). The module compares it with two closed forms:

- the *spectral* optimum of PCA pooling, the top eigenvector of
  :math:`R = ss^\top + \operatorname{diag}(1 - s_t^2)`, :math:`w_t \propto
  s_t/(\lambda_{max}(R) - 1 + s_t^2)` (:func:`attnrmt_lib.optimal_weights`);
- the *supervised* (Fisher / least-squares) optimum :func:`supervised_weights`,
  :math:`w_t \propto s_t/(1 + q(1 - s_t^2))`, q the per-token signal-to-noise ratio of the
  read-out direction v (:meth:`LabelTask.token_snr`).

Both are members of the one-parameter family of :func:`supervised_weights`: the spectral
optimum sits at the negative value :math:`q = -1/\lambda_{max}(R)`.

The subpackage has four modules, all re-exported here: :mod:`~attnrmt_lib.learned_pooling.task`
(the world and the labelled sequences), :mod:`~attnrmt_lib.learned_pooling.optima` (the
population optima, their finite-n predictions and the exact errors),
:mod:`~attnrmt_lib.learned_pooling.training` (the empirical risks and the L-BFGS fits) and
:mod:`~attnrmt_lib.learned_pooling.sweeps` (fits over training-set sizes). The figures of the
appendix are in :mod:`attnrmt_lib.figures.learned_pooling`.

Conventions
-----------
- The table has V = round(d/δ) rows of i.i.d. N(0, I_d) entries and is centered, as in
  :func:`attnrmt_lib.simulate`; ``delta=0`` means fresh N(0, I_d) noise for every token
  (V → ∞). Given the table, the token noise has mean 0 and covariance
  :math:`\Sigma_Z = Z^\top Z/V` (I for fresh noise), independently across positions.
- Losses are averaged over the n sequences: square :math:`\tfrac12(y - f)^2` or logistic
  :math:`\log(1 + e^{-yf})`. The classifier has no bias term (the classes are symmetric).
- Classification errors: :func:`profile_error` and :func:`classification_error` treat the
  pooled table noise as Gaussian (exact for fresh noise, ``delta=0``) and sum exactly over
  the :math:`2^T` sign patterns; :func:`empirical_error` counts mistakes on a sample.

References
----------
The label model and the spectral optimum: Seddik (2026), "How does attention help?".
Weight decay on factors as a nuclear-norm penalty: Srebro, Rennie & Jaakkola (2005),
"Maximum-margin matrix factorization".
"""

from .optima import (
    PARAMETERISATIONS,
    PopulationPooling,
    classification_error,
    direct_noise_bulk,
    error_optimal_weights,
    population_pooling,
    predicted_profile_angle,
    profile_cosine,
    profile_error,
    residual_variance,
    sign_fixed_profile,
    supervised_weights,
    whitened_snr,
)
from .sweeps import profile_convergence
from .task import LabelledSequences, LabelTask, label_sequences, label_task
from .training import (
    LOSSES,
    PoolingFit,
    direct_objective,
    empirical_error,
    factorised_objective,
    fit_direct_pooling,
    fit_factorised_pooling,
    min_factorised_penalty,
    nuclear_norm,
)

__all__ = [
    "LabelTask",
    "LabelledSequences",
    "PoolingFit",
    "label_task",
    "label_sequences",
    "supervised_weights",
    "whitened_snr",
    "PopulationPooling",
    "population_pooling",
    "residual_variance",
    "predicted_profile_angle",
    "direct_noise_bulk",
    "sign_fixed_profile",
    "profile_cosine",
    "profile_error",
    "error_optimal_weights",
    "classification_error",
    "empirical_error",
    "factorised_objective",
    "direct_objective",
    "fit_factorised_pooling",
    "fit_direct_pooling",
    "nuclear_norm",
    "min_factorised_penalty",
    "profile_convergence",
    "LOSSES",
    "PARAMETERISATIONS",
]
