"""attnrmt_lib.figures.attention_matrix: the figures of appendix A4 draw."""

import pytest

from attnrmt_lib import attention_matrix as am
from attnrmt_lib.figures.attention_matrix import (
    plot_attention_spectrum,
    plot_equivalence_error,
    plot_poisson_limit,
    plot_second_moment,
)


def test_plots_return_figures():
    fig = plot_attention_spectrum(0.5, 100)
    assert len(fig.axes) == 2 and "beta" in fig.axes[0].get_title()
    table = am.equivalence_sweep([0.5, 1.0], ells=(60,))
    assert len(plot_equivalence_error(table).axes) == 2
    assert len(plot_second_moment(ells=(50,), betas=[0.0, 1.0, 3.0]).axes) == 1
    fig = plot_poisson_limit(20.0, 100)
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="columns"):
        plot_equivalence_error(table.drop(columns="floor"))
