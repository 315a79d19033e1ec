"""The spiked Wishart model: determinant-lemma outlier, contour-integral alignment, simulation."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from attnrmt_lib.phase_diagram import paul_overlap, paul_top_eigenvalue
from attnrmt_lib.resolvent import contour_integral, empirical_stieltjes, mp_stieltjes_transform
from attnrmt_lib.spiked_wishart import (
    SpikedWishart,
    contour_alignment,
    determinant_lemma_outlier,
    spiked_resolvent_form,
    spiked_wishart,
)

ratios = st.floats(min_value=np.log(0.05), max_value=np.log(5.0)).map(np.exp)


@given(gamma=ratios, factor=st.floats(1.02, 20.0))
def test_outlier_is_the_bbp_paul_formula(gamma, factor):
    rho = factor * np.sqrt(gamma)
    lam = determinant_lemma_outlier(rho, gamma)
    assert lam == pytest.approx((1 + rho) * (1 + gamma / rho), rel=1e-12)
    assert lam == pytest.approx(paul_top_eigenvalue(rho, gamma), rel=1e-12)
    # It solves the determinant equation ρ(λG(λ) - 1) = 1 with G from the fixed point,
    # not the closed form used to find it.
    g = mp_stieltjes_transform(lam, gamma).real
    assert rho * (lam * g - 1) == pytest.approx(1.0, rel=1e-8)


@pytest.mark.parametrize("gamma", [0.1, 0.5, 2.0])
def test_no_outlier_at_or_below_the_threshold(gamma):
    edge = (1 + np.sqrt(gamma)) ** 2
    for rho in (0.0, 0.5 * np.sqrt(gamma), np.sqrt(gamma)):
        assert determinant_lemma_outlier(rho, gamma) == edge
        assert contour_alignment(rho, gamma) == 0.0
    # Continuity at the threshold: the outlier leaves the edge, the alignment leaves 0.
    rho = np.sqrt(gamma) * (1 + 1e-4)
    assert determinant_lemma_outlier(rho, gamma) == pytest.approx(edge, rel=1e-7)


@pytest.mark.parametrize("gamma", [0.1, 0.5, 2.0])
@pytest.mark.parametrize("factor", [1.05, 1.5, 4.0])
def test_contour_alignment_is_pauls_formula(gamma, factor):
    rho = factor * np.sqrt(gamma)
    assert contour_alignment(rho, gamma) == pytest.approx(paul_overlap(rho, gamma), abs=1e-9)


def test_contour_alignment_is_the_residue_in_closed_form():
    # Residue of G/((1 + ρ) - ρzG) at the outlier: -G(λ)/(ρ (λG)'(λ)), with (λG)' from the
    # quadratic's implicit derivative. Independent of Paul's closed form.
    gamma, rho = 0.5, 2.0
    lam = determinant_lemma_outlier(rho, gamma)
    h = 1e-5
    g = lambda x: mp_stieltjes_transform(x, gamma).real  # noqa: E731
    d_lam_g = ((lam + h) * g(lam + h) - (lam - h) * g(lam - h)) / (2 * h)
    assert contour_alignment(rho, gamma) == pytest.approx(-g(lam) / (rho * d_lam_g), rel=1e-7)


def test_spiked_resolvent_form_limits():
    z = np.array([5.0 + 1j, -1.0, 10.0, 0.7 + 0.2j])
    gamma = 0.5
    # No spike: the quadratic form of the resolvent of W, G(z).
    assert np.allclose(spiked_resolvent_form(z, 0.0, gamma), mp_stieltjes_transform(z, gamma))
    # Far away, u^T (zI - S)^{-1} u ~ 1/z + u^T S u / z², and u^T S u -> 1 + ρ.
    far = 1e4 * np.exp(1j * 0.7)
    rho = 1.5
    val = spiked_resolvent_form(far, rho, gamma)
    assert ((val * far - 1) * far) == pytest.approx(1 + rho, rel=1e-3)
    # A pole at the outlier: the form blows up there.
    lam = determinant_lemma_outlier(rho, gamma)
    assert abs(spiked_resolvent_form(lam + 1e-6j, rho, gamma)) > 1e4


def test_contour_of_the_sample_resolvent_is_the_sample_projection():
    # At finite d the contour integral of u^T(zI - S)^{-1}u around the top eigenvalue alone is
    # exactly its squared projection (Cauchy): the identity the theory passes to the limit.
    draw = spiked_wishart(300, 0.5, 2.0, seed=3)
    top, second = draw.eigenvalues[-1], draw.eigenvalues[-2]
    value = contour_integral(lambda z: empirical_stieltjes(draw.eigenvalues, z, draw.projections),
                             top, (top - second) / 2, nodes=512)
    assert value.real == pytest.approx(draw.overlap, abs=1e-9)


def test_simulation_agrees_with_theory_and_rejects_the_additive_formula():
    # Paul's CLT: sqrt(N)(λ̂ - λ) -> N(0, 2ℓ²(1 - γ/ρ²)), ℓ = 1 + ρ (real Gaussian data).
    # Averaging n draws divides the standard deviation by sqrt(n).
    d, gamma, rho, n = 400, 0.5, 2.0, 4
    draws = [spiked_wishart(d, gamma, rho, seed=s) for s in range(n)]
    N = draws[0].N
    sd = np.sqrt(2 * (1 + rho) ** 2 * (1 - gamma / rho**2) / N / n)
    mean_top = np.mean([s.top_eigenvalue for s in draws])
    assert abs(mean_top - determinant_lemma_outlier(rho, gamma)) < 4 * sd
    # Negative control: the outlier of an *additive* spike W + ρuu^T, ρ + ρ/(ρ - γ).
    assert abs(mean_top - (rho + rho / (rho - gamma))) > 4 * sd
    # Alignments fluctuate by O(d^(-1/2)) (0.9/sqrt(d) per draw is conservative).
    mean_ov = np.mean([s.overlap for s in draws])
    tol = 4 * 0.9 / np.sqrt(d * n)
    assert abs(mean_ov - contour_alignment(rho, gamma)) < tol
    # Negative control: dropping Paul's denominator, 1 - γ/ρ².
    assert abs(mean_ov - (1 - gamma / rho**2)) > tol


def test_below_threshold_the_top_eigenvector_forgets_u():
    d, gamma = 400, 1.0
    draw = spiked_wishart(d, gamma, 0.5, seed=0)
    # The overlap is O(1/d) below the threshold; 20/d is far below any outlier value.
    assert draw.overlap < 20 / d
    # The top eigenvalue sticks to the edge within Tracy–Widom fluctuations: scale
    # σ = (1 + √γ)(1 + 1/√γ)^(1/3) N^(-2/3), TW₁ mean -1.21σ and standard deviation 1.27σ.
    sigma = (1 + np.sqrt(gamma)) * (1 + 1 / np.sqrt(gamma)) ** (1 / 3) * draw.N ** (-2 / 3)
    assert abs(draw.top_eigenvalue - (1 + np.sqrt(gamma)) ** 2) < (1.21 + 4 * 1.27) * sigma


def test_spiked_wishart_draw_is_reproducible_and_consistent():
    a = spiked_wishart(50, 0.5, 1.0, seed=7)
    b = spiked_wishart(50, 0.5, 1.0, seed=np.random.default_rng(7))
    assert isinstance(a, SpikedWishart)
    assert np.array_equal(a.eigenvalues, b.eigenvalues)
    assert np.all(np.diff(a.eigenvalues) >= 0)
    assert a.projections.sum() == pytest.approx(1.0, abs=1e-12)
    assert (a.d, a.N, a.gamma, a.rho) == (50, 100, 0.5, 1.0)
    # u^T S u = 1 + ρ on average; the projections weight the spectrum to that mean.
    assert np.dot(a.projections, a.eigenvalues) == pytest.approx(
        1 + 1.0, abs=4 * np.sqrt(2 * 4 / a.N))
    with pytest.raises(Exception):
        a.rho = 2.0  # frozen


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: spiked_wishart(1, 0.5, 1.0), "d"),
        (lambda: spiked_wishart(10, 0.0, 1.0), "gamma"),
        (lambda: spiked_wishart(10, 0.5, -1.0), "rho"),
        (lambda: determinant_lemma_outlier(-0.1, 0.5), "rho"),
        (lambda: determinant_lemma_outlier(1.0, 0.0), "gamma"),
        (lambda: contour_alignment(1.0, -2.0), "gamma"),
        (lambda: contour_alignment(np.nan, 0.5), "rho"),
        (lambda: contour_alignment(2.0, 0.5, nodes=2), "nodes"),
        (lambda: spiked_resolvent_form(1j, -1.0, 0.5), "rho"),
        (lambda: spiked_resolvent_form(1.0, 1.0, 0.5), "real z"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_a_negative_seed_is_refused_by_name():
    with pytest.raises(ValueError, match="seed must be None, an integer >= 0"):
        spiked_wishart(20, 0.5, 1.0, seed=-1)
