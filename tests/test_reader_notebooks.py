"""The chapters outside the book: reader notebooks (_ext/reader_notebooks.py) and JupyterLab.

Binder, Colab and the download button hand out ``notebooks/<page>.ipynb``: the chapter
with every MyST role resolved to the book's text, admonitions and exercises as plain
Markdown, solutions collapsed in ``<details>``. The conversion is tested here with a fake
resolver; the book build (``built_book``) checks that ``notebooks/`` is what the build
makes, that the launch buttons open it and the download button hands it out. The chapters
themselves must be in the form JupyterLab (with jupyterlab-myst) reads well.
"""

from __future__ import annotations

import json
import re
import sys

import pytest

from conftest import ROOT, toc_files

sys.path.insert(0, str(ROOT / "_ext"))
import reader_notebooks as rn  # noqa: E402

CHAPTERS = [f for f in toc_files() if f.startswith("chapters/")]
RAW = re.compile(r"\{[a-z]+(?::[a-z]+)?\}`|^\s*(?:`{3,}|:{3,})\{|^\([\w-]+\)=\s*$", re.M)


def fake(role: str, body: str) -> str:
    """Stands in for the book's resolver: says what it was asked."""
    return f"<{role}:{body}>"


def nb(*cells):
    out = []
    for kind, src, *meta in cells:
        cell = {"cell_type": kind, "metadata": meta[0] if meta else {}, "source": src}
        if kind == "code":
            cell.update(outputs=[], execution_count=None)
        out.append(cell)
    return {"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def md(notebook):
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]


def test_roles_are_resolved_but_code_is_left_alone():
    out = rn.reader_notebook(nb(("markdown", "See {numref}`fig-a`, {eq}`eq-b` and "
                                 "{cite:t}`x2020`; `{numref}` is code; {math}`x^2`.")), fake)
    (text,) = md(out)
    assert "<numref:fig-a>" in text and "<eq:eq-b>" in text and "<cite:t:x2020>" in text
    assert "`{numref}`" in text and "$x^2$" in text


def test_directives_become_plain_markdown_and_solutions_collapse():
    src = ("```{exercise} Title\n:label: ex-1\n\nDo it.\n```\n\n"
           "```{solution} ex-1\n:class: dropdown\n\nLike this, $\\E x$.\n```\n\n"
           ":::{admonition} Note\n:class: tip\nA tip.\n:::\n\n"
           "```{prf:theorem} Big\n:label: thm-1\n\nTrue.\n```\n\n"
           "```python\n{numref}`kept` in a code block\n```\n\n(target)=\n## Heading\n\n"
           "$$\nx = 1\n$$ (eq-x)\n")
    (text,) = md(rn.reader_notebook(nb(("markdown", src)), fake, {"E": r"\mathbb{E}"}))
    assert "> **<numref:ex-1>** (Title)" in text and "> Do it." in text
    assert "<details>" in text and "Solution to <ref:ex-1>" in text and "</details>" in text
    assert "Like this, $\\mathbb{E} x$." in text  # macros expanded
    assert "> **Note**" in text and "> **<prf:ref:thm-1>** (Big)" in text
    assert "{numref}`kept` in a code block" in text
    assert "(target)=" not in text and "\\tag{<eq:eq-x>}" in text
    assert not RAW.search(text.replace("{numref}`kept`", ""))


def test_a_solution_over_several_cells_becomes_one_collapsed_cell():
    out = rn.reader_notebook(nb(
        ("markdown", "```{exercise}\n:label: ex-2\n\nCompute.\n```\n\n"
                     "```{solution-start} ex-2\n:class: dropdown\n```\n\nFirst words."),
        ("code", "answer = 42\nprint(answer)"),
        ("markdown", "Last words.\n\n```{solution-end}\n```\n\n## After"),
        ("code", "print('after')"),
    ), fake)
    kinds = [c["cell_type"] for c in out["cells"]]
    assert kinds == ["markdown", "markdown", "markdown", "code"], kinds
    solution = "".join(out["cells"][1]["source"])
    assert solution.startswith("<details>") and solution.rstrip().endswith("</details>")
    assert "First words." in solution and "answer = 42" in solution and "Last words." in solution
    assert "".join(out["cells"][2]["source"]).startswith("## After")


def test_a_cell_that_needs_a_collapsed_solutions_result_is_refused():
    with pytest.raises(rn.ReaderNotebookError, match="answer"):
        rn.reader_notebook(nb(
            ("markdown", "```{solution-start} ex-3\n:class: dropdown\n```"),
            ("code", "answer = 42"),
            ("markdown", "```{solution-end}\n```"),
            ("code", "print(answer)"),
        ), fake)


def test_unknown_directives_and_unclosed_solutions_are_refused():
    with pytest.raises(rn.ReaderNotebookError, match="glue"):
        rn.reader_notebook(nb(("markdown", "```{glue} x\n```")), fake)
    with pytest.raises(rn.ReaderNotebookError, match="without"):
        rn.reader_notebook(nb(("markdown", "```{solution-start} ex\n```"), ("code", "1")), fake)


def test_live_tips_say_what_to_do_in_a_notebook():
    src = (":::{admonition} Explore it live\n:class: tip\nThe sliders below need a running "
           "Python kernel: download this page as a notebook with the\ndownload button at the "
           "top, or open it in Binder or Colab. Try $T = 1$.\n:::")
    (text,) = md(rn.reader_notebook(nb(("markdown", src)), fake))
    assert "download" not in text and "Binder" not in text
    assert rn.NOTEBOOK_RUN_HINT in text and "Try $T = 1$." in text


def test_figure_captions_follow_their_figure():
    out = rn.reader_notebook(nb(("code", "plot()", {"mystnb": {"figure": {
        "name": "fig-z", "caption": "A {numref}`fig-y` caption."}}})), fake)
    assert [c["cell_type"] for c in out["cells"]] == ["code", "markdown"]
    assert "".join(out["cells"][1]["source"]) == "*<numref:fig-z>.* A <numref:fig-y> caption."


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_converts_and_keeps_its_code(chapter):
    notebook = json.loads((ROOT / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    out = rn.reader_notebook(notebook, fake, rn.config_macros(ROOT))
    for text in md(out):
        assert not RAW.search(text), f"{chapter}: {RAW.search(text).group(0)!r} left in {text[:200]!r}"
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    kept = ["".join(c["source"]) for c in out["cells"] if c["cell_type"] == "code"]
    assert kept[0] == "".join(code[0]["source"]), "the install cell must stay first"
    assert len(kept) <= len(code)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_is_in_the_form_jupyterlab_reads_well(chapter):
    """Macros as front matter (KaTeX), every cell inside a multi-cell solution collapsed."""
    notebook = json.loads((ROOT / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    assert rn.tidy_chapter(notebook, rn.config_macros(ROOT)) == notebook, (
        f"{chapter}: run `python _ext/reader_notebooks.py --tidy` (then commit the chapters "
        "and notebooks/)")
    assert any(rn.is_macro_cell(c) for c in notebook["cells"]), f"{chapter}: no macro cell"


def test_tidy_hides_exactly_the_cells_inside_a_solution():
    macros = {"E": r"\mathbb{E}"}
    chapter = nb(
        ("markdown", "$\\newcommand{\\E}{\\mathbb{E}}\\newcommand{\\V}{\\operatorname{Var}}$",
         {"tags": ["remove-cell"]}),
        ("markdown", "Exercise.\n\n```{solution-start} ex\n:class: dropdown\n```\n\nWords."),
        ("code", "x = 1"),
        ("markdown", "More.\n\n```{solution-end}\n```\n\nAfter."),
    )
    for i, c in enumerate(chapter["cells"]):
        c["id"] = f"c{i}"
    tidy = rn.tidy_chapter(chapter, macros)
    got = [("".join(c["source"])[:12], c["metadata"].get("jupyter")) for c in tidy["cells"]]
    assert got[0][0].startswith("---\nmath:") and "'\\V': '\\operatorname{Var}'" in "".join(tidy["cells"][0]["source"])
    assert got[1:] == [("Exercise.\n\n`", None), ("Words.", {"source_hidden": True}),
                       ("x = 1", {"source_hidden": True, "outputs_hidden": True}),
                       ("More.", {"source_hidden": True}), ("```{solution", None)]
    assert len({c["id"] for c in tidy["cells"]}) == len(tidy["cells"])
    assert rn.tidy_chapter(tidy, macros) == tidy


# ------------------------------------------------------------------ against the book build

def test_notebooks_folder_is_what_the_build_makes(built_book):
    built = built_book.parent / "reader_notebooks"
    made = {p.relative_to(built): p.read_bytes() for p in built.rglob("*.ipynb")}
    assert {str(p.with_suffix("")) for p in made} == set(CHAPTERS)
    stale = [str(p) for p, data in made.items()
             if not (ROOT / "notebooks" / p).is_file() or (ROOT / "notebooks" / p).read_bytes() != data]
    assert not stale, (f"notebooks/ differs from the build for {stale}: run "
                       "`python _ext/reader_notebooks.py` and commit notebooks/")


def test_download_button_hands_out_the_reader_notebook(built_book):
    for chapter in CHAPTERS:
        served = (built_book / "_sources" / f"{chapter}.ipynb").read_bytes()
        assert served == (built_book.parent / "reader_notebooks" / f"{chapter}.ipynb").read_bytes()


def test_binder_and_colab_open_the_reader_notebooks(built_book):
    for chapter in CHAPTERS:
        html = (built_book / f"{chapter}.html").read_text(encoding="utf-8")
        links = re.findall(r'href="(https://(?:mybinder\.org|colab\.research\.google\.com)[^"]+)"', html)
        assert links and all(link.endswith(f"notebooks/{chapter}.ipynb") for link in links), links
