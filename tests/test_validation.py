"""Every bad input fails with a ValueError that names the parameter."""

import numpy as np
import pytest

import attnrmt_lib as arl

R3 = np.eye(3)
W3 = np.ones(3)


def _sim(**overrides):
    kwargs = dict(d=50, delta=0.5, gamma=0.5, weights=W3, correlation=arl.iid(3), mu_norm2=1.0)
    kwargs.update(overrides)
    return arl.simulate(**kwargs)


CASES = [
    (lambda: arl.bulk_density([1.0], 0.0, 0.5), "delta"),
    (lambda: arl.bulk_density([1.0], -1.0, 0.5), "delta"),
    (lambda: arl.bulk_density([1.0], np.nan, 0.5), "delta"),
    (lambda: arl.bulk_density([1.0], 0.5, np.inf), "gamma"),
    (lambda: arl.bulk_density([1.0], 0.5, 0.5, kappa=0.0), "kappa"),
    (lambda: arl.bulk_density([1.0, np.nan], 0.5, 0.5), "x"),
    (lambda: arl.bulk_edges("a", 0.5), "delta"),
    (lambda: arl.bulk_atom(0.5, 0.0), "gamma"),
    (lambda: arl.bulk_cdf([1.0], 0.5, -2), "gamma"),
    (lambda: arl.thresholds(0.0, 1.0), "delta"),
    (lambda: arl.thresholds(1.0, np.nan), "gamma"),
    (lambda: arl.top_eigenvalue(-1.0, 0.5, 0.5), "rho"),
    (lambda: arl.top_eigenvalue(np.nan, 0.5, 0.5), "rho"),
    (lambda: arl.overlap([1.0, -0.1], 0.5, 0.5), "rho"),
    (lambda: arl.population_outlier(1.0, 0.0), "delta"),
    (lambda: arl.population_overlap(-2.0, 0.5), "rho"),
    (lambda: arl.mean_weights(0), "T"),
    (lambda: arl.mean_weights(2.5), "T"),
    (lambda: arl.harmonic_weights(4, tau=-1.0), "tau"),
    (lambda: arl.token_weights(4, 4), "position"),
    (lambda: arl.optimal_weights([[1.0, 2.0], [2.0, 1.0]]), "positive semi-definite"),
    (lambda: arl.optimal_weights([[1.0, 0.5], [0.0, 1.0]]), "symmetric"),
    (lambda: arl.optimal_weights(np.ones((2, 3))), "square"),
    (lambda: arl.snr(np.zeros(3), R3), "all zero"),
    (lambda: arl.snr(np.ones(4), R3), "4 x 4"),
    (lambda: arl.snr([1.0, np.nan, 0.0], R3), "finite"),
    (lambda: arl.snr(W3, np.eye(4)), "3 x 3"),
    (lambda: arl.causal_attention_weights(np.ones(5), 1.0), "X"),
    (lambda: arl.causal_attention_weights(np.ones((2, 3)), -1.0), "tau"),
    (lambda: arl.label_model([0.5, 1.2]), "[-1, 1]"),
    (lambda: arl.label_model([]), "s"),
    (lambda: arl.markov(4, 1.5), "phi"),
    (lambda: arl.exchangeable(4, -0.1), "c"),
    (lambda: arl.gaussian([[1.0, 0.0], [0.0, -1.0]]), "positive semi-definite"),
    (lambda: arl.iid(3).sample(0), "n"),
    (lambda: arl.mp_density([1.0], 0.0), "delta"),
    (lambda: arl.mp_quantiles(0.5, 0), "n"),
    (lambda: _sim(d=0), "d"),
    (lambda: _sim(d=10.5), "d"),
    (lambda: _sim(delta=0.0), "delta"),
    (lambda: _sim(gamma=np.nan), "gamma"),
    (lambda: _sim(mu_norm2=-1.0), "mu_norm2"),
    (lambda: _sim(weights=np.ones(4)), "length"),
    (lambda: _sim(weights=np.zeros(3)), "all zero"),
    (lambda: _sim(correlation=np.eye(3)), "correlation"),
    (lambda: _sim(weights=arl.CausalAttention(tau=-1.0)), "tau"),
    (lambda: _sim(d=1, delta=1.0), "vocabulary"),
]


@pytest.mark.parametrize("call, message", CASES, ids=[m + str(i) for i, (_, m) in enumerate(CASES)])
def test_bad_input_raises_value_error_naming_it(call, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call()
