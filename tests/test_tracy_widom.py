"""Tests of attnrmt_lib.tracy_widom: the TW1 law by Bornemann's Nyström quadrature."""

import numpy as np
import pytest

from attnrmt_lib.tracy_widom import tw1_cdf, tw1_moments, tw1_pdf, tw1_quantile


def test_moments_match_the_known_values():
    # Tracy & Widom (1996); Bornemann (2010), table 4: mean -1.2065335745820,
    # variance 1.6077810345810.
    mean, sd = tw1_moments()
    assert abs(mean + 1.2065335745820) < 1e-9
    assert abs(sd**2 - 1.6077810345810) < 1e-8


def test_quantiles_match_the_tables():
    # Standard tables of TW1 (e.g. Johnstone 2001, table 1): 0.4501, 0.9793, 2.0234.
    q = tw1_quantile([0.90, 0.95, 0.99])
    assert np.allclose(q, [0.4501, 0.9793, 2.0234], atol=1e-4)
    assert abs(tw1_cdf(tw1_quantile(0.3)) - 0.3) < 1e-10


def test_left_tail_constant():
    # Baik, Buckingham & DiFranco (2008): F1(s) = tau1 |s|^(-1/16)
    # exp(-|s|^3/24 - |s|^(3/2)/(3 sqrt 2)) (1 + O(|s|^(-3/2))), tau1 = 2^(-11/48) e^(zeta'(-1)/2).
    log_tau1 = -11 / 48 * np.log(2.0) + (-0.1654211437004509) / 2
    for s in (-8.0, -10.0):
        a = -s
        rest = np.log(tw1_cdf(s)) + a**3 / 24 + a**1.5 / (3 * np.sqrt(2)) + np.log(a) / 16
        assert abs(rest - log_tau1) < 0.2 * a**-1.5, (s, rest)


def test_density_is_the_derivative_and_integrates_to_one():
    s = np.array([-4.0, -2.0, -1.0, 0.0, 1.5, 3.0])
    h = 1e-4
    numeric = (tw1_cdf(s + h) - tw1_cdf(s - h)) / (2 * h)
    assert np.allclose(tw1_pdf(s), numeric, rtol=1e-6, atol=1e-10)
    x, w = np.polynomial.legendre.leggauss(80)
    assert abs(np.sum(tw1_pdf(-3.0 + 2.0 * x) * 2.0 * w) - (tw1_cdf(-1.0) - tw1_cdf(-5.0))) < 1e-10


def test_limits_shape_and_monotonicity():
    s = np.linspace(-7, 6, 27).reshape(3, 9)
    F = tw1_cdf(s)
    assert F.shape == s.shape
    assert np.all(np.diff(F.ravel()) > 0)
    assert tw1_cdf(-25.0) == 0.0 and tw1_cdf(20.0) == 1.0 and tw1_pdf(20.0) == 0.0
    assert isinstance(tw1_cdf(0.0), float)


def test_unconverged_quadrature_raises():
    with pytest.raises(RuntimeError, match="tw1_cdf.*did not converge"):
        tw1_cdf(-6.0, nodes=8)


@pytest.mark.parametrize("call, match", [
    (lambda: tw1_quantile(0.0), "p must lie"),
    (lambda: tw1_quantile(1.2), "p must lie"),
    (lambda: tw1_cdf(np.nan), "s must contain only finite"),
    (lambda: tw1_cdf(0.0, nodes=4), "nodes must be an integer >= 8"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
