"""attnrmt_lib.correlation: the positional sign models sample the correlation they claim."""

import numpy as np
import pytest

from attnrmt_lib import exchangeable, gaussian, iid, label_model, markov


@pytest.mark.parametrize(
    "model",
    [iid(6), label_model([0.9, 0.6, 0.3, 0.0, -0.2, 0.5]), markov(6, 0.7), exchangeable(6, 0.4),
     gaussian(markov(6, -0.5).R)],
    ids=["iid", "label", "markov", "exchangeable", "gaussian"],
)
def test_models_sample_their_correlation(model):
    n = 40000
    xi = model.sample(n, seed=11)
    assert xi.shape == (n, 6)
    # Entrywise sampling error of E[ξ_t ξ_s] is at most 1/√n for ±1 signs (√2/√n Gaussian).
    assert np.abs(xi.T @ xi / n - model.R).max() < 5 * np.sqrt(2.0 / n)
    assert np.abs(xi.mean(axis=0)).max() < 5 / np.sqrt(n)
    assert np.array_equal(xi, model.sample(n, seed=11))
    assert not np.array_equal(xi, model.sample(n, seed=12))
    if model.name != "Gaussian":
        assert set(np.unique(xi)) == {-1.0, 1.0}


def test_exchangeable_is_label_model_with_constant_purity():
    assert np.allclose(exchangeable(5, 0.36).R, label_model(np.full(5, 0.6)).R)


def test_the_label_model_still_imports_from_correlation_with_a_warning():
    with pytest.warns(DeprecationWarning, match="attnrmt_lib.labels"):
        from attnrmt_lib.correlation import label_model as old
    assert old is label_model
