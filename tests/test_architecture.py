"""The library's layering, read off its source: what may import what (see CONTRIBUTING.md).

- Computation (every module outside ``figures/``, ``widgets.py`` and ``plotting.py``) never
  imports matplotlib, ipywidgets or IPython, nor the figures, the explorers or the
  deprecated ``plotting``; ``import attnrmt_lib`` loads no plotting library.
- No import cycle between the package's modules.
- A name that starts with one underscore is private to its module: no other module imports
  it or reads it as an attribute. Helpers shared inside the library live in modules whose
  own name starts with an underscore (``_validation``, ``figures/_style``, ...): private to
  the library, their names are plain and any of its modules may import them.

The import graph is built from every ``import`` statement of the package, at module level
or inside functions, by walking the syntax tree (nothing is imported to build it).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = "attnrmt_lib"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE
PRESENTATION = ("attnrmt_lib.figures", "attnrmt_lib.widgets", "attnrmt_lib.plotting")
GUI_LIBRARIES = ("matplotlib", "ipywidgets", "IPython")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(module: str, level: int, target: str | None) -> str:
    """Absolute name of ``from <level dots><target> import ...`` written in ``module``."""
    if level == 0:
        return target or ""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _imports(module: str):
    """(imported module, imported names or None, line) for every import in ``module``."""
    tree = ast.parse(MODULES[module].read_text(), filename=str(MODULES[module]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            names = [a.name for a in node.names]
            yield _resolve(module, node.level, node.module), names, node.lineno


def _edges(module: str):
    """The package modules ``module`` imports (a from-import of a submodule counts as it)."""
    for target, names, _ in _imports(module):
        if not target.startswith(PACKAGE):
            continue
        submodules = [f"{target}.{n}" for n in names or () if f"{target}.{n}" in MODULES]
        if submodules:
            yield from submodules
            if len(submodules) == len(names):
                continue
        if target in MODULES:
            yield target


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_presentation(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in PRESENTATION)


COMPUTATION = [m for m in MODULES if not _is_presentation(m)]


def test_the_package_has_the_modules_this_test_reads():
    assert {"attnrmt_lib", "attnrmt_lib.bulk", "attnrmt_lib.figures", "attnrmt_lib.figures._style",
            "attnrmt_lib.learned_pooling", "attnrmt_lib.widgets"} <= set(MODULES)
    assert len(COMPUTATION) > 20


def test_import_attnrmt_lib_loads_no_plotting_library():
    # A fresh interpreter: the test process itself has matplotlib loaded long ago. Every
    # computation module is imported, not only what the package's __init__ pulls in.
    code = ("import sys, importlib\n"
            f"for name in {COMPUTATION!r}:\n"
            "    importlib.import_module(name)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {GUI_LIBRARIES!r}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]", out
    # Negative control: the same probe does see matplotlib when a figure module is imported.
    probe = ("import sys, attnrmt_lib.figures.bulk\n"
             "print('matplotlib' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "True"


def test_the_explorers_load_neither_pandas_nor_scipy_stats():
    # In the reader's browser (Pyodide) these two imports add seconds before the first
    # figure of a live explorer, which never uses them (issue 15).
    probe = ("import sys, {module}\n"
             "print(sorted(m for m in ('pandas', 'scipy.stats') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", probe.format(module="attnrmt_lib.widgets")],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
    # Negative control: the same probe sees pandas when a table-building module is loaded.
    out = subprocess.run([sys.executable, "-c", probe.format(module="attnrmt_lib.finite_size")],
                         capture_output=True, text=True, check=True).stdout
    assert "pandas" in out, out


@pytest.mark.parametrize("module", COMPUTATION)
def test_computation_never_imports_figures_widgets_or_a_gui_library(module):
    for target, _, line in _imports(module):
        top = target.split(".")[0]
        assert top not in GUI_LIBRARIES, f"{module}:{line} imports {target}"
        assert not _is_presentation(target), f"{module}:{line} imports {target}"
        # ``from attnrmt_lib import figures`` names the presentation layer too.
        assert not any(_is_presentation(m) for m in _edges_of_line(module, line)), \
            f"{module}:{line} imports the presentation layer"


def _edges_of_line(module: str, line: int):
    for target, names, lineno in _imports(module):
        if lineno == line and target.startswith(PACKAGE):
            yield from (f"{target}.{n}" for n in names or ())


def test_figure_modules_never_import_the_explorers():
    for module in MODULES:
        if module.startswith("attnrmt_lib.figures"):
            targets = set(_edges(module))
            assert "attnrmt_lib.widgets" not in targets and "attnrmt_lib.plotting" not in targets


def _cycles(graph: dict) -> list:
    """Strongly connected components with more than one module (or a self-import)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    graph = {m: set(_edges(m)) for m in MODULES}
    assert _cycles(graph) == []
    # Negative control: the detector does find a cycle when one is added.
    graph["attnrmt_lib.bulk"] = graph["attnrmt_lib.bulk"] | {"attnrmt_lib.spikes"}
    assert ["attnrmt_lib.bulk", "attnrmt_lib.spikes"] in _cycles(graph)


@pytest.mark.parametrize("module", list(MODULES))
def test_no_module_imports_another_modules_private_names(module):
    tree = ast.parse(MODULES[module].read_text())
    aliases = {}  # local name -> package module it is bound to
    for target, names, line in _imports(module):
        if not target.startswith(PACKAGE):
            continue
        for name in names or ():
            if f"{target}.{name}" in MODULES:
                continue  # a submodule, checked below like any module
            assert not _is_private(name), f"{module}:{line} imports {name} from {target}"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(module, node.level, node.module)
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and _is_private(node.attr)):
            raise AssertionError(
                f"{module}:{node.lineno} reads {aliases[node.value.id]}.{node.attr}")


def test_the_private_import_check_catches_a_violation(tmp_path, monkeypatch):
    # Negative control: a module that imports another module's private helper fails.
    fake = tmp_path / "attnrmt_lib" / "fake_module.py"
    fake.parent.mkdir()
    fake.write_text("from .spikes import _check_rho\n")
    monkeypatch.setitem(MODULES, "attnrmt_lib.fake_module", fake)
    with pytest.raises(AssertionError, match="_check_rho"):
        test_no_module_imports_another_modules_private_names("attnrmt_lib.fake_module")


def _seeding_calls(source: str) -> list[int]:
    """Lines that make a NumPy Generator or seed NumPy's global state."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("default_rng", "seed", "RandomState"):
            lines.append(node.lineno)
    return lines


def test_randomness_is_seeded_in_one_place():
    """Every random draw starts at sampling.as_generator (a seed or a Generator, a clear
    error for a bad seed): no other module makes its own Generator."""
    offenders = {name: _seeding_calls(path.read_text()) for name, path in MODULES.items()
                 if name != f"{PACKAGE}.sampling"}
    assert not {name: lines for name, lines in offenders.items() if lines}
    assert _seeding_calls("import numpy as np\nrng = np.random.default_rng(0)\n") == [2]
