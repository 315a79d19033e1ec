import os

import numpy as np
from hypothesis import HealthCheck, settings

settings.register_profile(
    "attnrmt",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "attnrmt"))


def integrate_on_support(f, lower, upper, nodes=400):
    """∫_lower^upper f(λ) dλ for a density with square-root or λ^(-1/2), λ^(-2/3) edges.

    Gauss–Legendre in θ after λ = ℓ + (u - ℓ) sin⁶(θ/2) on [ℓ, m] and the mirror image on
    [m, u], so the integrand is smooth at both edges whatever their type.
    """
    t, w = np.polynomial.legendre.leggauss(nodes)
    h = (t + 1.0) * np.pi / 4.0  # θ/2 on [0, π/2]
    s, c = np.sin(h), np.cos(h)
    mid = (lower + upper) / 2.0
    jac = 3.0 * s**5 * c * (np.pi / 2.0) * w
    left = lower + (mid - lower) * s**6
    right = upper - (upper - mid) * s**6
    return (mid - lower) * np.sum(f(left) * jac) + (upper - mid) * np.sum(f(right) * jac)
