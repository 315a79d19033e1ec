"""attnrmt_lib.figures: one style for every figure, and the old import paths.

Found dynamically, so a figure module or function added later is held to the same rules:
every public function of every module of ``attnrmt_lib/figures`` goes through the style
decorator ``readable``, and no figure module builds a ``Figure`` or touches pyplot itself
(its figure comes from ``figure_axes``).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

import attnrmt_lib.figures as figures_package
from attnrmt_lib.figures._style import figure_axes, readable, scale_fonts

FIGURE_MODULES = sorted(info.name for info in pkgutil.iter_modules(figures_package.__path__)
                        if not info.name.startswith("_"))


def _public_functions(module):
    return {name: obj for name, obj in vars(module).items()
            if inspect.isfunction(obj) and not name.startswith("_")
            and obj.__module__ == module.__name__}


def test_there_is_a_figure_module_per_chapter():
    assert {"spectrum", "model", "bulk", "transitions", "optimal_attention",
            "causal_attention", "finite_size", "real_tables", "theory_bends",
            "attention_matrix", "learned_pooling"} <= set(FIGURE_MODULES)


@pytest.mark.parametrize("name", FIGURE_MODULES)
def test_every_public_figure_function_goes_through_the_style_decorator(name):
    module = importlib.import_module(f"attnrmt_lib.figures.{name}")
    functions = _public_functions(module)
    assert functions, f"{name} defines no figure"
    for fname, function in functions.items():
        assert getattr(function, "readable", False) is True, f"{name}.{fname} lacks @readable"
        parameters = inspect.signature(function).parameters
        assert "ax" in parameters or "axes" in parameters, f"{name}.{fname} takes no ax/axes"
    # Every figure is exported; __all__ may also hold constants (a style table, ...).
    assert set(functions) <= set(getattr(module, "__all__", functions)), name


@pytest.mark.parametrize("name", FIGURE_MODULES)
def test_figure_modules_get_their_figures_from_figure_axes(name):
    source = (Path(figures_package.__file__).parent / f"{name}.py").read_text()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "Figure", f"{name}:{node.lineno} builds a Figure"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
            assert not any("pyplot" in n for n in names), f"{name}:{node.lineno} imports pyplot"


def test_readable_scales_the_fonts_of_a_wide_figure_only():
    @readable
    def wide(*, axes=None):
        fig, axes = figure_axes(axes, ncols=2, figsize=(12.8, 3.8))
        axes[0].set_xlabel("x")
        return fig

    fig = wide()
    base = plt.rcParams["font.size"]
    assert fig.axes[0].xaxis.label.get_fontsize() == pytest.approx(2 * base)
    assert isinstance(fig, Figure) and plt.get_fignums() == []
    # Drawn into the caller's axes: left alone.
    own = Figure(figsize=(12.8, 3.8))
    wide(axes=own.subplots(1, 2))
    assert own.axes[0].xaxis.label.get_fontsize() == pytest.approx(base)
    # A single-panel figure is not scaled (factor 1).
    narrow = Figure(figsize=(6.4, 3.8))
    narrow.subplots().set_xlabel("x")
    scale_fonts(narrow)
    assert narrow.axes[0].xaxis.label.get_fontsize() == pytest.approx(base)


def test_figure_axes_checks_the_number_of_axes():
    fig, axes = figure_axes(None, ncols=3, squeeze=False)
    assert len(axes) == 3 and fig is axes[0].figure
    assert figure_axes(axes, ncols=3)[1] == list(axes)
    one = figure_axes(None)[1]
    assert figure_axes(one, ncols=1, squeeze=False)[1].tolist() == [one]
    with pytest.raises(ValueError, match="3 Axes"):
        figure_axes(axes[:2], ncols=3)
    with pytest.raises(ValueError, match="ncols"):
        figure_axes(None, ncols=0)


def test_the_old_plotting_module_still_serves_every_figure_with_a_warning():
    import attnrmt_lib.plotting as plotting

    for name in plotting.__all__:
        with pytest.warns(DeprecationWarning, match="attnrmt_lib.figures"):
            old = getattr(plotting, name)
        home = plotting._NEW_HOMES[name]
        assert old is getattr(importlib.import_module(home), name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError):
            plotting.no_such_figure
