"""attnrmt_lib.bulk_moments: the moments of κ(MP_δ ⊠ MP_γ), exact and by quadrature (chapter 2).

Finite-size checks use d = 400 with tolerances ∝ d^(-1/2).
"""

from math import comb

import numpy as np
import pytest

import attnrmt_lib as arl
from attnrmt_lib.bulk_moments import bulk_moments, bulk_moments_quadrature


D = 400


def _simulate(delta, gamma, T=8, seed=0, d=D):
    return arl.simulate(d=d, delta=delta, gamma=gamma, weights=arl.mean_weights(T),
                        correlation=arl.iid(T), mu_norm2=0.0, seed=seed)


def test_fuss_catalan_moments_are_exact_integers():
    m = bulk_moments(10, 1.0, 1.0)
    assert m.tolist() == [comb(3 * k, k) / (2 * k + 1) for k in range(11)]


@pytest.mark.parametrize("delta, gamma, kappa", [(0.5, 0.5, 1.0), (0.2, 3.0, 2.0), (4.0, 0.1, 0.3)])
def test_first_moments_and_kappa_scaling(delta, gamma, kappa):
    m = bulk_moments(3, delta, gamma, kappa)
    assert m[0] == 1.0
    assert m[1] == pytest.approx(kappa, rel=1e-14)
    assert m[2] == pytest.approx(kappa**2 * (1 + delta + gamma), rel=1e-14)
    # Third moment from [w^2] P(w)^3 / 3 expanded by hand.
    e1, e2 = 1 + delta + gamma, delta + gamma + delta * gamma
    assert m[3] == pytest.approx(kappa**3 * (e1**2 + e2), rel=1e-14)


def test_moments_symmetric_in_delta_and_gamma():
    assert np.allclose(bulk_moments(8, 0.3, 2.5), bulk_moments(8, 2.5, 0.3), rtol=1e-14)


def test_small_delta_gives_narayana_moments_of_mp():
    # Moments of MP_γ: sum_j N(k, j) γ^(j-1), N(k, j) = binom(k, j) binom(k, j-1) / k.
    gamma = 0.7
    mp = [1.0] + [sum(comb(k, j) * comb(k, j - 1) / k * gamma ** (j - 1) for j in range(1, k + 1))
                  for k in range(1, 7)]
    assert np.allclose(bulk_moments(6, 1e-12, gamma),
                       mp, rtol=1e-9)
    # ... and a finite δ is visibly different.
    assert not np.allclose(bulk_moments(6, 0.05, gamma), mp, rtol=1e-2)


@pytest.mark.parametrize("delta, gamma", [
    (0.5, 0.5), (1.0, 1.0), (1.0, 2.7), (2.7, 1.0), (2.0, 0.5), (0.3, 1.0), (2.0, 2.0),
    (0.01, 3.0), (5.0, 5.0),
])
def test_quadrature_of_the_density_matches_exact_moments(delta, gamma):
    q = bulk_moments_quadrature(6, delta, gamma, 1.5)
    e = bulk_moments(6, delta, gamma, 1.5)
    assert q == pytest.approx(e, rel=1e-10)


def test_simulated_trace_moments_match():
    for delta, gamma in [(0.5, 0.5), (2.0, 0.5), (1.0, 2.7)]:
        r = _simulate(delta, gamma)
        ev = r.eigenvalues / r.kappa
        emp = np.array([np.mean(ev**k) for k in (1, 2, 3)])
        theory = bulk_moments(3, r.delta, r.gamma)[1:]
        assert np.all(np.abs(emp / theory - 1) < 3 / np.sqrt(r.d)), (delta, gamma)


def test_moment_input_checks():
    with pytest.raises(ValueError, match="k_max"):
        bulk_moments(-1, 0.5, 0.5)
    with pytest.raises(ValueError, match="delta"):
        bulk_moments(3, 0.0, 0.5)
    with pytest.raises(ValueError, match="nodes"):
        bulk_moments_quadrature(3, 0.5, 0.5, nodes=2)
