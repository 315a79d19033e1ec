"""The explorers let a reader do what their chapter asks.

Each chapter introduces an explorer with an "Explore it live" tip that suggests values to
try ("raise $\\rho$ above 8", "$\\delta = 1$, $\\gamma = 2.7$", "$T = 1$ against
$T = 16$") and states the explorer's fixed settings ("at $d = 250$", "$d \\le 400$"). This
test reads every such tip, builds the explorer exactly as the chapter's cell calls it, and
holds each statement against the explorer's controls: a suggested value must lie within
its slider's range (strictly below the maximum when the tip says "above" or "beyond"), a
bound ("\\le 400") must hold for the whole slider, and a value of a symbol that is not a
control must be the explorer's fixed setting. A tip that names a symbol the explorer has
neither as a control nor as a setting fails, as does a label that is not the symbol the
chapter uses.
"""

from __future__ import annotations

import ast
import inspect
import json
import re

import pytest

from conftest import ROOT, toc_files

# TeX in the tips -> the symbol an explorer's control label starts with.
SYMBOLS = {
    r"\delta": "δ", r"\gamma": "γ", r"\rho": "ρ", r"\tau": "τ", r"\beta": "β", r"\ell": "ℓ",
    r"\lambda": "λ", "s_0": "s₀", r"\|\mu\|^2": "‖μ‖²", "T": "T", "d": "d", "n": "n", "r": "r",
}
# The symbol -> names an explorer function may give the fixed setting.
PARAMETERS = {"δ": ("delta",), "γ": ("gamma",), "ρ": ("rho",), "τ": ("tau", "beta"),
              "β": ("beta",), "ℓ": ("ell",), "λ": ("lam",), "s₀": ("s0",),
              "‖μ‖²": ("mu_norm2",), "T": ("T",), "d": ("d",), "n": ("n",), "r": ("r",)}
SYM = "|".join(re.escape(k) for k in sorted(SYMBOLS, key=len, reverse=True))
NUM = r"(\d+(?:\.\d+)?)"
CHAPTERS = [f for f in toc_files() if f.startswith("chapters/")]
TIP = re.compile(r"^([`:]{3,})\{admonition\}[^\n]*\blive\b.*?^\1\s*$", re.M | re.S | re.I)
CALL = re.compile(r"\b([A-Za-z_]\w*_explorer)\s*\(")


def statements(tip: str):
    """(symbol, relation, value) the tip states; relation in {'=', 'above', '<=', '>='}."""
    found = []
    for math in re.findall(r"\$([^$]+)\$", tip):
        parts = [p.strip() for p in re.split(r"=", math)]
        m = re.fullmatch(NUM, parts[-1]) if len(parts) > 1 else None
        if m:  # $a = b = 0.5$: every symbol on the left takes the value
            for p in parts[:-1]:
                if p in SYMBOLS:
                    found.append((SYMBOLS[p], "=", float(m.group(1))))
        bound = re.fullmatch(rf"(.*?)\s*\\(le|ge)\s*{NUM}", parts[-1])
        if bound:  # $\ell = d \le 300$: a bound on every symbol of the chain
            for p in parts[:-1] + [bound.group(1)]:
                if p in SYMBOLS:
                    found.append((SYMBOLS[p], "<=" if bound.group(2) == "le" else ">=",
                                  float(bound.group(3))))
    for m in re.finditer(rf"\$({SYM})\$\s+(?:above|beyond|past)\s+\$?{NUM}", tip):
        found.append((SYMBOLS[m.group(1)], "above", float(m.group(2))))
    for m in re.finditer(rf"\$({SYM})\s*=\s*{NUM}\$\s+and\s+beyond", tip):
        found.append((SYMBOLS[m.group(1)], "above", float(m.group(2))))
    for m in re.finditer(rf"\$({SYM})\$\s+(?:to|towards)\s+\$?{NUM}", tip):
        found.append((SYMBOLS[m.group(1)], "=", float(m.group(2))))
    return found


def tips_and_calls():
    """(chapter, tip text, explorer call source) for each explorer cell after a live tip."""
    cases = []
    for chapter in CHAPTERS:
        nb = json.loads((ROOT / f"{chapter}.ipynb").read_text(encoding="utf-8"))
        tip = None
        for cell in nb["cells"]:
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if cell["cell_type"] == "markdown":
                found = TIP.search(src)
                if found:
                    tip = found.group(0)
            elif cell["cell_type"] == "code" and CALL.search(src) and tip is not None:
                for node in ast.walk(ast.parse(src)):
                    if isinstance(node, ast.Call) and getattr(node.func, "id", "").endswith("_explorer"):
                        cases.append((chapter, tip, ast.unparse(node)))
                tip = None
    return cases


CASES = tips_and_calls()


def control_symbol(control) -> str:
    return control.description.split(" ")[0]


def slider_range(control):
    if hasattr(control, "options") and not hasattr(control, "max"):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        numeric = [v for v in values if isinstance(v, (int, float))]
        return (min(numeric), max(numeric)) if numeric else None
    if hasattr(control, "base"):
        return control.base ** control.min, control.base ** control.max
    return control.min, control.max


def test_every_explorer_of_the_book_has_a_live_tip():
    assert CASES, "no explorer cell after an 'Explore it live' tip was found"
    called = {call.split("(")[0] for _, _, call in CASES}
    assert len(called) >= 5, called


@pytest.mark.parametrize("chapter,tip,call", CASES, ids=[f"{c}:{k.split('(')[0]}" for c, _, k in CASES])
def test_tip_matches_the_explorer(chapter, tip, call):
    from attnrmt_lib import widgets

    name = call.split("(")[0]
    explorer = eval(call, {name: getattr(widgets, name)})  # noqa: S307 - the chapter's own call
    controls = {control_symbol(c): c for c in explorer.controls.values()}
    signature = inspect.signature(getattr(widgets, name))
    settings = {p: v.default for p, v in signature.parameters.items()}
    tree = ast.parse(call).body[0].value
    settings.update({k.arg: ast.literal_eval(k.value) for k in tree.keywords})
    for p, arg in zip(signature.parameters, tree.args):
        settings[p] = ast.literal_eval(arg)
    problems = []
    for symbol, relation, value in statements(tip):
        control = controls.get(symbol)
        if control is not None:
            low, high = slider_range(control)
            eps = 1e-9 * max(1.0, abs(value))
            if relation == "=" and not (low - eps <= value <= high + eps):
                problems.append(f"{symbol} = {value:g} is outside the slider [{low:.3g}, {high:.3g}]")
            elif relation == "above" and not (value < high - eps and value >= low - eps):
                problems.append(f"{symbol} above {value:g}: the slider stops at {high:.3g}")
            elif relation == "<=" and high > value + eps:
                problems.append(f"{symbol} ≤ {value:g}, but the slider reaches {high:.3g}")
            elif relation == ">=" and low < value - eps:
                problems.append(f"{symbol} ≥ {value:g}, but the slider starts at {low:.3g}")
            continue
        names = [n for n in PARAMETERS.get(symbol, ()) if n in settings]
        if not names and relation in ("<=", ">="):
            continue  # a bound on a symbol tied to a control ("ℓ = d ≤ 300")
        if not names:
            problems.append(f"the tip sets {symbol}, but {name} has no control or setting {symbol}")
        elif relation == "=" and settings[names[0]] != value:
            problems.append(f"the tip says {symbol} = {value:g}, {name} uses "
                            f"{names[0]} = {settings[names[0]]}")
        elif relation == "<=" and settings[names[0]] > value:
            problems.append(f"the tip says {symbol} ≤ {value:g}, {name} uses {settings[names[0]]}")
    assert not problems, f"{chapter}, {call}:\n" + "\n".join(problems)


def test_statements_are_read():
    """The parser finds what the tips say (a parser that finds nothing would pass anything)."""
    tip = (r"raise $\rho$ above 8; near $T = 4$ at $\delta=\gamma=0.5$; $\ell = d = d_{qk} \le 300$;"
           r" $\tau = 2$ and beyond; lower $n$ to 1000; $d \le 400$")
    found = set(statements(tip))
    assert {("ρ", "above", 8.0), ("T", "=", 4.0), ("δ", "=", 0.5), ("γ", "=", 0.5),
            ("τ", "above", 2.0), ("τ", "=", 2.0), ("n", "=", 1000.0), ("d", "<=", 400.0),
            ("ℓ", "<=", 300.0)} <= found
