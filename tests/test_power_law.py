"""attnrmt_lib.power_law: the fitted power law y = c x^p."""

import numpy as np
import pytest

from attnrmt_lib.power_law import fit_power_law

def test_fit_power_law_recovers_exponent():
    x = np.array([1.0, 2.0, 5.0, 10.0])
    fit = fit_power_law(x, 3.0 * x**-0.5)
    p, c = fit.slope, fit.prefactor
    assert p == pytest.approx(-0.5, abs=1e-12) and c == pytest.approx(3.0, rel=1e-12)


@pytest.mark.parametrize("call,name", [
    (lambda: fit_power_law([1.0, 2.0], [1.0, -1.0]), "y"),
    (lambda: fit_power_law([1.0], [1.0]), "x"),
])
def test_input_checks(call, name):
    with pytest.raises(ValueError, match=name):
        call()
