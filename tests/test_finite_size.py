"""attnrmt_lib.finite_size: root-mean-square errors per dimension from a sweep table."""

import numpy as np
import pandas as pd
import pytest

from attnrmt_lib.finite_size import error_table
from attnrmt_lib.power_law import fit_power_law


def test_error_table_and_power_law_fit():
    d = np.array([100, 400, 1600, 6400])
    fit = fit_power_law(d, 3.0 * d**-0.5)
    assert fit.slope == pytest.approx(-0.5) and fit.prefactor == pytest.approx(3.0)
    noisy = fit_power_law(d, 3.0 * d**-0.5 * np.array([1.1, 0.9, 1.05, 0.97]), n=[8, 8, 8, 8])
    assert noisy.slope_se == pytest.approx(1 / 4 / np.sqrt(np.sum((np.log(d) - np.log(d).mean()) ** 2)))
    frame = pd.DataFrame({"d": [10, 10, 20], "top_eigenvalue": [2.0, 4.0, 3.0],
                          "theory_top_eigenvalue": [3.0, 3.0, 3.0], "kappa": [0.5, 0.5, 0.5],
                          "overlap": [0.5, 0.7, 0.6], "theory_overlap": [0.6, 0.6, 0.6]})
    t = error_table(frame)
    assert t["d"].tolist() == [10, 20] and t["n"].tolist() == [2, 1]
    assert t["lambda_rms"].tolist() == pytest.approx([2.0, 0.0])
    assert t["overlap_rms"].tolist() == pytest.approx([0.1, 0.0])
    assert t["lambda_bias"].tolist() == pytest.approx([0.0, 0.0])
