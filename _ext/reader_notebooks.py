"""The chapters as readers open them outside the book: plain Markdown, solutions collapsed.

The chapters are written in MyST (admonitions, exercises and solutions, numbered theorems,
cross-references, citations). The book renders all of it; JupyterLab renders most of it with
``jupyterlab-myst``; but Colab, Notebook 7 without the extension, VS Code and GitHub show
``:::{admonition}``, ``{numref}`` or ``{cite:t}`` as literal text and the ``{solution}``
blocks as code, in full. So the book build writes a *reader notebook* for every chapter:

- every role replaced by the text the book shows for it ("Fig. 2.1", "(1.3)",
  "Exercise 1.4", "Seddik (2026)", a chapter title linking to that chapter's reader
  notebook), resolved by the book's own Sphinx domains, so the numbers are the book's;
- admonitions, exercises and theorems as block quotes with a bold title; solutions inside
  ``<details>`` (collapsed until clicked, in every Jupyter front end and on GitHub); a
  solution that spans cells (``{solution-start}`` … ``{solution-end}``) becomes one
  collapsed cell, its code shown as code blocks (no later cell may use what it defines:
  checked here);
- the "Explore it live" tips say what to do *in a notebook* (run the cell) instead of
  pointing at the download and launch buttons of the web page;
- the math macros of ``_config.yml`` expanded in place, and a list of the works cited.

Code cells are copied unchanged (the install cell stays first, so Colab and Binder install
the library). Where the reader notebooks go: every build writes them to
``_build/reader_notebooks/<page>.ipynb`` and over ``_build/html/_sources/<page>.ipynb``
(what the page's download button hands out); the repository keeps a copy in
``notebooks/<page>.ipynb``, which Binder and Colab open from GitHub (the chapters' launch
buttons are pointed at it). ``python _ext/reader_notebooks.py`` refreshes that copy without
executing anything; ``tests/test_reader_notebooks.py`` fails while it differs from the build.

Why a folder and not a branch: Colab opens notebooks from GitHub only, so the files must be
in the repository; a folder on ``main`` needs no deploy step and is reviewed with the
chapters that changed it.

The conversion itself, :func:`reader_notebook`, takes the resolver as an argument, so it is
tested without Sphinx. :func:`tidy_chapter` puts a chapter in the form JupyterLab (with
``jupyterlab-myst``) reads well; ``--tidy`` applies it to the book's chapters.
"""

from __future__ import annotations

import ast
import copy
import json
import posixpath
import re
from pathlib import Path
from typing import Callable

READER_DIR = "notebooks"  # in the repository, beside chapters/
ROLE = re.compile(r"\{(?P<role>[a-z]+(?::[a-z]+)?)\}`(?P<body>[^`]*)`")
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<args>.*?)\s*$")
PLAIN_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*?)\s*$")
TARGET = re.compile(r"^\((?P<label>[^)\s]+)\)=\s*$")
EQ_LABEL = re.compile(r"\$\$\s*\((?P<label>[^)\s]+)\)\s*$")
ADMONITIONS = {"note", "tip", "warning", "important", "hint", "caution", "attention",
               "danger", "error", "seealso"}
# The sentence of an "Explore it live" tip that tells a web reader how to get a kernel.
RUN_HINT = re.compile(
    r"(?:(?:In\s+Jupyter,\s+run\s+the\s+cell\s+below\.\s+On\s+the\s+book's\s+web\s+page,\s+the\s+sliders"
    r"|(?:The\s+)?[Ss]liders(?:\s+below)?)"
    r"\s+needs?\s+a\s+running\s+(?:Python\s+)?kernel[^.]*?\.(?=\s|$))"
    r"|(?:With\s+a\s+running\s+kernel\s+\([^)]*\),\s+)"
)
NOTEBOOK_RUN_HINT = "Run the cell below (after the cells above it), then move the sliders."

Resolver = Callable[[str, str], str]


class ReaderNotebookError(ValueError):
    """A chapter uses MyST that the reader notebooks cannot express."""


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _cell(kind: str, text: str, metadata=None) -> dict:
    cell = {"cell_type": kind, "metadata": metadata or {}, "source": text.splitlines(True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


# --------------------------------------------------------------------------- inline

def expand_macros(text: str, macros: dict[str, str]) -> str:
    r"""Replace ``\name`` by its definition (zero-argument macros, longest names first)."""
    for name in sorted(macros, key=len, reverse=True):
        text = re.sub(rf"\\{re.escape(name)}(?![A-Za-z])",
                      lambda m, d=macros[name]: d, text)
    return text


def replace_roles(text: str, resolve: Resolver) -> str:
    """Every ``{role}`target``` of the text, outside code, replaced via ``resolve``."""
    def sub(m):
        if m.group("role") == "math":
            return f"${m.group('body')}$"
        return resolve(m.group("role"), m.group("body"))

    # Inline code spans that are not a role's body are protected by masking them first.
    masked, spans = [], []
    pos = 0
    for m in re.finditer(r"\{[a-z]+(?::[a-z]+)?\}`[^`]*`|``[^`]+``|`[^`\n]+`", text):
        if m.group(0).startswith("{"):
            continue
        masked.append(text[pos:m.start()])
        masked.append(f"\x00{len(spans)}\x00")
        spans.append(m.group(0))
        pos = m.end()
    masked.append(text[pos:])
    done = ROLE.sub(sub, "".join(masked))
    return re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], done)


# --------------------------------------------------------------------------- blocks

def _split_directive(lines: list[str], start: int):
    """(name, args, options, body lines, index after the closing fence) of a directive."""
    m = FENCE.match(lines[start])
    char, width = m.group("fence")[0], len(m.group("fence"))
    closing = re.compile(rf"^ {{0,3}}{re.escape(char)}{{{width},}}\s*$")
    depth, i = 0, start + 1
    body: list[str] = []
    while i < len(lines):
        line = lines[i]
        inner = FENCE.match(line)
        if inner and inner.group("fence")[0] == char and len(inner.group("fence")) >= width:
            depth += 1
        elif closing.match(line):
            if depth == 0:
                break
            depth -= 1
        body.append(line)
        i += 1
    else:
        raise ReaderNotebookError(f"unclosed {{{m.group('name')}}} directive: {lines[start]!r}")
    options = {}
    while body and OPTION.match(body[0]):
        o = OPTION.match(body.pop(0))
        options[o.group("key")] = o.group("value")
    while body and not body[0].strip():
        body.pop(0)
    return m.group("name"), m.group("args"), options, body, i + 1


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip("\n").split("\n"))


class _Converter:
    def __init__(self, resolve: Resolver, macros: dict[str, str]):
        self.resolve = resolve
        self.macros = macros

    def number(self, kind: str, label: str | None, fallback: str) -> str:
        if not label:
            return fallback
        return self.resolve("numref" if kind == "exercise" else "prf:ref", label)

    def markdown(self, text: str) -> str:
        lines = text.split("\n")
        out, i = [], 0
        while i < len(lines):
            line = lines[i]
            if FENCE.match(line):
                name, args, options, body, i = _split_directive(lines, i)
                out.append(self.directive(name, args, options, "\n".join(body)))
                continue
            plain = PLAIN_FENCE.match(line)
            if plain:  # a code block: copied verbatim
                fence = plain.group(1)
                j = i + 1
                while j < len(lines) and not lines[j].lstrip().startswith(fence):
                    j += 1
                out.extend(lines[i:j + 1])
                i = j + 1
                continue
            if TARGET.match(line) or re.match(r"^\s*%", line):
                i += 1
                continue
            eq = EQ_LABEL.search(line)
            if eq:
                number = self.resolve("eq", eq.group("label")).strip("()")
                line = line[:eq.start()] + rf"\tag{{{number}}}$$"
            out.append(self.inline(line))
            i += 1
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out))

    def inline(self, text: str) -> str:
        return expand_macros(replace_roles(text, self.resolve), self.macros)

    def directive(self, name: str, args: str, options: dict, body: str) -> str:
        inner = self.markdown(body) if name not in ("math", "code", "code-block", "code-cell") else body
        label = options.get("label") or options.get("name")
        title = self.inline(args) if args else ""
        if name == "admonition":
            if re.search(r"\blive\b", args, re.I):
                inner = RUN_HINT.sub(NOTEBOOK_RUN_HINT + " ", inner)
                inner = re.sub(r"(the sliders\. )([a-z])", lambda m: m.group(1) + m.group(2).upper(),
                               inner)
            return _quote(f"**{title}**\n\n{inner}")
        if name in ADMONITIONS:
            head = title or name.capitalize()
            return _quote(f"**{head}**\n\n{inner}")
        if name == "exercise":
            head = self.number("exercise", label, "Exercise")
            return _quote(f"**{head}**" + (f" ({title})" if title else "") + f"\n\n{inner}")
        if name == "solution":
            return self.solution(args, inner)
        if name.startswith("prf:"):
            kind = name.split(":", 1)[1]
            if kind == "proof":
                return _quote(f"*Proof.* {inner} $\\square$")
            head = self.number(kind, label, kind.capitalize())
            return _quote(f"**{head}**" + (f" ({title})" if title else "") + f"\n\n{inner}")
        if name == "math":
            math = expand_macros(body.strip(), self.macros)
            if label:
                math += rf" \tag{{{self.resolve('eq', label).strip('()')}}}"
            return f"$$\n{math}\n$$"
        if name in ("code", "code-block"):
            return f"```{args}\n{body}\n```"
        raise ReaderNotebookError(f"no plain-Markdown form for the {{{name}}} directive")

    def solution(self, exercise_label: str, inner: str) -> str:
        head = self.resolve("ref", exercise_label) if exercise_label else "the exercise"
        head = re.sub(r"^\[([^\]]*)\]\([^)]*\)$", r"\1", head)
        return (f"<details>\n<summary><b>Solution to {head}</b> (click to show)</summary>\n\n"
                f"{inner.strip()}\n\n</details>")


def _names_stored(code: str) -> set[str]:
    try:
        tree = ast.parse(re.sub(r"^\s*[%!].*$", "", code, flags=re.M))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _names_loaded(code: str) -> set[str]:
    try:
        tree = ast.parse(re.sub(r"^\s*[%!].*$", "", code, flags=re.M))
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


GATE = re.compile(r"^(?P<fence>[`:]{3,})\{solution-(?P<which>start|end)\}[ \t]*(?P<label>\S*)[^\n]*\n"
                  r"(?:(?!(?P=fence)).*\n)*?(?P=fence)[ \t]*$\n?", re.M)


def _tokens(cells: list[dict]):
    """The notebook as ("markdown", text), ("code"|"raw", cell), ("start", label), ("end", "").

    A markdown cell is cut at each {solution-start}/{solution-end} marker, so a marker may
    sit anywhere in a cell (a cell often closes one solution and opens the next).
    """
    for cell in cells:
        src = _source(cell)
        if cell["cell_type"] != "markdown":
            yield ("code" if cell["cell_type"] == "code" else "raw"), cell
            continue
        if "remove-cell" in cell.get("metadata", {}).get("tags", []) and \
                re.fullmatch(r"\s*(\$[^$]*\$|---\n.*\n---)\s*", src, re.S):
            continue  # the macro cell: macros are expanded in place
        pos = 0
        for m in GATE.finditer(src + "\n"):
            yield "markdown", src[pos:m.start()]
            yield m.group("which"), m.group("label")
            pos = m.end()
        yield "markdown", src[pos:]



def reader_notebook(notebook: dict, resolve: Resolver,
                    macros: dict[str, str] | None = None) -> dict:
    """The reader version of a chapter notebook (a new dict; the input is not changed).

    Parameters
    ----------
    notebook : the chapter as nbformat-4 JSON.
    resolve : ``resolve(role, body) -> str``, the Markdown the book shows for a role
        (``"numref"``, ``"ref"``, ``"eq"``, ``"doc"``, ``"cite:t"``, ``"prf:ref"``, ...).
    macros : math macros (name without backslash -> definition), expanded in place.

    Raises
    ------
    ReaderNotebookError
        A directive with no plain form, an unclosed directive or solution, or a later
        cell that uses a name only a collapsed solution defines.
    """
    conv = _Converter(resolve, macros or {})
    out: list[dict] = []
    hidden_names: dict[str, str] = {}
    solution: list | None = None  # the parts of an open {solution-start} block
    opened_for = ""
    for kind, value in _tokens(notebook["cells"]):
        if kind == "start":
            if solution is not None:
                raise ReaderNotebookError(f"{{solution-start}} {value} inside the solution to {opened_for}")
            solution, opened_for = [], value
        elif kind == "end":
            if solution is None:
                raise ReaderNotebookError("{solution-end} without {solution-start}")
            inner = conv.markdown("\n\n".join(p.strip("\n") for p in solution if p.strip()))
            out.append(_cell("markdown", conv.solution(opened_for, inner)))
            solution = None
        elif solution is not None:
            if kind == "code":
                body = _source(value)
                solution.append(f"```python\n{body.strip()}\n```")
                for name in _names_stored(body):
                    hidden_names.setdefault(name, opened_for)
            elif kind == "markdown":
                solution.append(value)
        elif kind == "markdown":
            if value.strip():
                out.append(_cell("markdown", conv.markdown(value.strip("\n"))))
        else:
            cell = value
            new = copy.deepcopy(cell)
            if cell["cell_type"] == "code":
                new["outputs"], new["execution_count"] = [], None
                used = _names_loaded(_source(cell)) - _names_stored_before(out)
                clash = sorted(n for n in used if n in hidden_names)
                if clash:
                    raise ReaderNotebookError(
                        f"a code cell uses {clash}, defined only inside the collapsed solution "
                        f"to {hidden_names[clash[0]]}: define it outside the solution")
            out.append(new)
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
            if figure and figure.get("caption"):
                # The book's caption, under the figure the cell draws.
                head = conv.resolve("numref", figure["name"]) if figure.get("name") else "Figure"
                out.append(_cell("markdown", f"*{head}.* {conv.inline(figure['caption'])}"))
    if solution is not None:
        raise ReaderNotebookError(f"{{solution-start}} {opened_for} without {{solution-end}}")
    nb = {k: copy.deepcopy(v) for k, v in notebook.items() if k != "cells"}
    nb["cells"] = out
    return nb


def _names_stored_before(cells: list[dict]) -> set[str]:
    names: set[str] = set()
    for cell in cells:
        if cell["cell_type"] == "code":
            names |= _names_stored(_source(cell))
    return names


def write_notebook(path: Path, notebook: dict) -> bool:
    """Write if the content differs; True if the file changed."""
    text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


# --------------------------------------------------------------------------- Sphinx

def _sphinx_resolver(app, docname: str, cited: list) -> Resolver:
    from docutils import nodes
    from sphinx.addnodes import pending_xref
    from sphinx.util import logging

    env, builder = app.env, app.builder
    logger = logging.getLogger(__name__)
    registry = getattr(env, "sphinx_exercise_registry", {})

    def xref(domain: str, typ: str, target: str, title: str | None):
        node = pending_xref("", refdoc=docname, refdomain=domain, reftype=typ,
                            reftarget=target, refexplicit=title is not None, refwarn=True)
        cont = nodes.inline("", title if title is not None else target)
        node += cont
        return env.get_domain(domain).resolve_xref(env, docname, builder, typ, target, node, cont)

    def link(text: str, target_doc: str | None) -> str:
        if not target_doc or target_doc == docname:
            return text
        rel = posixpath.relpath(target_doc, posixpath.dirname(docname)) + ".ipynb"
        return f"[{text}]({rel})"

    def resolve(role: str, body: str) -> str:
        m = re.fullmatch(r"(?s)(?P<title>.*?)\s*<(?P<target>[^<>]+)>", body)
        title, target = (m.group("title"), m.group("target")) if m else (None, body.strip())
        try:
            if role.startswith("cite"):
                typ = role.split(":", 1)[1] if ":" in role else "p"
                for key in target.split(","):
                    cited.append(key.strip())
                result = xref("cite", typ, target, None)
                return result.astext() if result is not None else target
            if role == "doc":
                doc = posixpath.normpath(posixpath.join(posixpath.dirname(docname), target))
                text = title or (env.titles[doc].astext() if doc in env.titles else target)
                return link(text, doc)
            if role in ("ref", "numref") and target in registry and not title:
                role = "numref"  # the book shows "Exercise 1.3" for {ref} to an exercise
            if role in ("ref", "numref"):
                result = xref("std", role, target, title)
            elif role == "eq":
                result = xref("math", "eq", target, None)
            elif role == "prf:ref":
                result = xref("prf", "ref", target, title)
            else:
                raise ReaderNotebookError(f"no plain-Markdown form for the {{{role}}} role")
        except ReaderNotebookError:
            raise
        except Exception as exc:  # a resolver that needs more than we give: report, go on
            logger.warning(f"reader notebook {docname}: cannot resolve {{{role}}}`{body}`: {exc}")
            return title or target
        if result is None:
            logger.warning(f"reader notebook {docname}: unresolved {{{role}}}`{body}`")
            return title or target
        return link(result.astext(), result.get("refdocname") or _refdoc(result, docname))

    return resolve


def _refdoc(node, docname: str) -> str | None:
    uri = node.get("refuri", "")
    if not uri or uri.startswith("#"):
        return docname
    return posixpath.normpath(posixpath.join(posixpath.dirname(docname), uri.split("#")[0]))\
        .removesuffix(".html")


def _macros(app) -> dict[str, str]:
    cfg = getattr(app.config, "mathjax3_config", None) or {}
    return {k: v if isinstance(v, str) else v[0]
            for k, v in (cfg.get("tex", {}).get("macros", {}) or {}).items()}


def _references(app, keys: list[str]) -> list[str]:
    import pybtex.plugin

    domain = app.env.get_domain("cite")
    plain = pybtex.plugin.find_plugin("pybtex.backends", "plaintext")()
    seen, out = set(), []
    for cit in getattr(domain, "citations", []):
        if cit.key in keys and cit.key not in seen:
            seen.add(cit.key)
            out.append((keys.index(cit.key), cit.formatted_entry.text.render(plain)))
    return [text for _, text in sorted(out)]


def chapter_docnames(app) -> list[str]:
    return sorted(d for d in app.env.found_docs
                  if Path(app.env.doc2path(d)).suffix == ".ipynb")


def write_reader_notebooks(app, exception):
    """build-finished: a reader notebook per chapter, in _sources/ and _build/reader_notebooks/."""
    if exception is not None or app.builder.format != "html":
        return
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    out = Path(app.outdir).parent / "reader_notebooks"
    written = 0
    for docname in chapter_docnames(app):
        source = json.loads(Path(app.env.doc2path(docname)).read_text(encoding="utf-8"))
        cited: list[str] = []
        try:
            reader = reader_notebook(source, _sphinx_resolver(app, docname, cited), _macros(app))
        except ReaderNotebookError as exc:
            logger.warning(f"reader notebook for {docname}: {exc}")
            continue
        refs = _references(app, list(dict.fromkeys(cited)))
        if refs:
            reader["cells"].append(_cell("markdown", "## Works cited\n\n"
                                         + "\n".join(f"- {r}" for r in refs)))
        write_notebook(Path(app.outdir) / "_sources" / f"{docname}.ipynb", reader)
        write_notebook(out / f"{docname}.ipynb", reader)
        written += 1
    stale = [p for p in sorted(out.rglob("*.ipynb"))
             if not (Path(app.srcdir) / app.config.reader_notebooks_dir / p.relative_to(out)).is_file()
             or (Path(app.srcdir) / app.config.reader_notebooks_dir / p.relative_to(out)).read_bytes()
             != p.read_bytes()]
    logger.info(f"[reader notebooks] {written} written to {out}"
                + (f"; {len(stale)} differ from {app.config.reader_notebooks_dir}/: run "
                   "`python _ext/reader_notebooks.py` and commit it" if stale else ""))


def point_launch_buttons(app, pagename, templatename, context, doctree):
    """Binder and Colab open the reader notebook (notebooks/<page>.ipynb), not the chapter."""
    folder = app.config.reader_notebooks_dir
    if not folder:
        return
    source = f"{pagename}.ipynb"
    for button in context.get("header_buttons", []) or []:
        for item in button.get("buttons", []) or []:
            url = item.get("url", "")
            if item.get("text") in ("Binder", "Colab") and url.endswith(source):
                item["url"] = url[: -len(source)] + f"{folder}/{source}"


def setup(app):
    app.add_config_value("reader_notebooks_dir", READER_DIR, "env")
    app.connect("build-finished", write_reader_notebooks)
    # After sphinx-book-theme's launch buttons (priority 500).
    app.connect("html-page-context", point_launch_buttons, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# --------------------------------------------------------------------------- JupyterLab

# JupyterLab renders the chapters themselves with jupyterlab-myst. Two things need the
# chapters' help: math macros (KaTeX there reads them from the front matter of the first
# markdown cell, not from `\newcommand`s, which KaTeX also refuses for \R), and solutions
# that span cells (jupyterlab-myst collapses a {solution} block, but the cells after a
# {solution-start} are ordinary cells). `tidy_chapter` puts a chapter in that form: the
# macro cell as front matter, every cell inside a gated solution on its own and collapsed
# (`jupyter.source_hidden`/`outputs_hidden`, which the book ignores and JupyterLab honours).

HIDDEN = {"source_hidden": True, "outputs_hidden": True}


def _newcommands(text: str) -> dict[str, str]:
    r"""``\newcommand{\name}{body}`` definitions of a text (balanced braces)."""
    found = {}
    for m in re.finditer(r"\\(?:re)?newcommand\{\\(\w+)\}\{", text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        found[m.group(1)] = text[m.end():i - 1]
    return found


def macro_front_matter(macros: dict[str, str]) -> str:
    lines = ["---", "math:"]
    lines += [f"  '\\{name}': '{body}'" for name, body in macros.items()]
    return "\n".join(lines + ["---"])


def is_macro_cell(cell: dict) -> bool:
    src = _source(cell)
    return cell["cell_type"] == "markdown" and "remove-cell" in cell.get("metadata", {}).get("tags", []) \
        and (src.lstrip().startswith("$\\newcommand") or re.match(r"---\nmath:", src) is not None)


def tidy_chapter(notebook: dict, macros: dict[str, str]) -> dict:
    """The chapter in the form JupyterLab reads well (see above); a new dict."""
    nb = copy.deepcopy(notebook)
    cells, inside = [], False
    for cell in nb["cells"]:
        if is_macro_cell(cell):
            own = _newcommands(_source(cell))
            own.update(re.findall(r"^  '\\(\w+)': '(.*)'$", _source(cell), re.M))
            cell["source"] = macro_front_matter({**macros, **own}).splitlines(True)
            cells.append(cell)
            continue
        if cell["cell_type"] != "markdown" or not GATE.search(_source(cell) + "\n"):
            if inside:
                meta = cell.setdefault("metadata", {})
                meta["jupyter"] = dict(HIDDEN) if cell["cell_type"] == "code" else {"source_hidden": True}
            elif "jupyter" in cell.get("metadata", {}):
                cell["metadata"].pop("jupyter")
            cells.append(cell)
            continue
        src = _source(cell) + "\n"
        cuts, state = [], []
        for m in GATE.finditer(src):
            cut = m.end() if m.group("which") == "start" else m.start()
            cuts.append(cut)
            state.append(m.group("which"))
        pieces, pos, flags = [], 0, []
        for cut, which in zip(cuts, state):
            pieces.append(src[pos:cut])
            flags.append(inside)
            inside = which == "start"
            pos = cut
        pieces.append(src[pos:])
        flags.append(inside)
        emitted = 0
        for text, hidden in zip(pieces, flags):
            text = text.strip("\n")
            if not text.strip():
                continue
            piece = copy.deepcopy(cell)
            piece["source"] = text.splitlines(True)
            if emitted:
                piece["id"] = f"{cell.get('id', 'cell')}-{emitted}"[:64]
            emitted += 1
            meta = piece.setdefault("metadata", {})
            if hidden:
                meta["jupyter"] = {"source_hidden": True}
            else:
                meta.pop("jupyter", None)
            cells.append(piece)
    nb["cells"] = cells
    return nb


def toc_notebooks(root: Path) -> list[Path]:
    """The notebooks of the book's table of contents."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files, stack = [], [toc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            stack.extend(v for k, v in node.items() if k in ("parts", "chapters", "sections"))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return [root / f"{f.removesuffix('.ipynb')}.ipynb" for f in files
            if (root / f"{f.removesuffix('.ipynb')}.ipynb").is_file()]


def config_macros(root: Path) -> dict[str, str]:
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    macros = config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    return {k: v if isinstance(v, str) else v[0] for k, v in macros.items()}


# --------------------------------------------------------------------------- command line

# A 1 × 1 PNG: stands in for a figure cell's output, so that a build without execution
# numbers the figures exactly as the executed book does (myst-nb makes a figure of a cell's
# image output).
_PLACEHOLDER_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAA"
                    "AABJRU5ErkJggg==")
_NOT_COPIED = (".git", ".venv", "_build", "node_modules", "lite", READER_DIR, "assignments",
               "benchmarks", "tests", "*.egg-info", "__pycache__", ".ipynb_checkpoints")


def main(argv=None) -> int:
    """``python _ext/reader_notebooks.py``: rewrite ``notebooks/`` without executing anything.

    Builds the book from a temporary copy with execution off (each figure cell given a
    placeholder image, so figures are numbered as in the executed book) and copies the
    reader notebooks the build wrote into ``notebooks/``. ``--check`` only reports whether
    ``notebooks/`` is current (exit status 1 if not).
    """
    import argparse
    import shutil
    import subprocess
    import sys
    import tempfile

    import yaml

    parser = argparse.ArgumentParser(description=main.__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    parser.add_argument("--tidy", action="store_true",
                        help="first put every chapter in the form JupyterLab reads well "
                             "(macros as front matter, gated solutions collapsed)")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    if args.tidy:
        macros = config_macros(root)
        for path in toc_notebooks(root):
            nb = json.loads(path.read_text(encoding="utf-8"))
            tidy = tidy_chapter(nb, macros)
            if tidy != nb:
                path.write_text(json.dumps(tidy, indent=1, ensure_ascii=False) + "\n",
                                encoding="utf-8")
                print(f"tidied {path.relative_to(root)}")
    with tempfile.TemporaryDirectory(prefix="attnrmt-reader-") as tmp:
        book = Path(tmp) / "book"
        shutil.copytree(root, book, ignore=shutil.ignore_patterns(*_NOT_COPIED))
        config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8"))
        config.setdefault("execute", {})["execute_notebooks"] = "off"
        sphinx = config.setdefault("sphinx", {})
        sphinx.get("local_extensions", {}).pop("live_explorers", None)
        sphinx["extra_extensions"] = [e for e in sphinx.get("extra_extensions", [])
                                      if e != "jupyterlite_sphinx"]
        for key in [k for k in sphinx.get("config", {}) if k.startswith("jupyterlite")]:
            sphinx["config"].pop(key)
        config.get("launch_buttons", {}).pop("jupyterlite_url", None)
        (book / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True,
                                                         sort_keys=False), encoding="utf-8")
        for path in book.rglob("*.ipynb"):
            nb = json.loads(path.read_text(encoding="utf-8"))
            for cell in nb["cells"]:
                if cell.get("metadata", {}).get("mystnb", {}).get("figure"):
                    cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                                        "data": {"image/png": _PLACEHOLDER_PNG}}]
            path.write_text(json.dumps(nb), encoding="utf-8")
        jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or "jupyter-book"
        proc = subprocess.run([jb, "build", str(book)], capture_output=True, text=True)
        log = proc.stdout + proc.stderr
        problems = [line for line in log.splitlines() if "WARNING" in line and "reader notebook" in line]
        if proc.returncode != 0 or problems:
            print(log[-4000:] if proc.returncode else "\n".join(problems), file=sys.stderr)
            return 2
        built = book / "_build" / "reader_notebooks"
        if not any(built.rglob("*.ipynb")):
            print("the build wrote no reader notebook: is reader_notebooks in _config.yml?",
                  file=sys.stderr)
            return 2
        target = root / READER_DIR
        new = {p.relative_to(built): p.read_bytes() for p in built.rglob("*.ipynb")}
        old = {p.relative_to(target): p.read_bytes() for p in target.rglob("*.ipynb")} \
            if target.is_dir() else {}
        differ = sorted(str(k) for k in set(new) | set(old) if new.get(k) != old.get(k))
        if args.check:
            print("notebooks/ is current" if not differ else "stale: " + ", ".join(differ))
            return 1 if differ else 0
        if target.is_dir():
            shutil.rmtree(target)
        for rel, data in new.items():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            (target / rel).write_bytes(data)
        print(f"wrote {len(new)} reader notebooks to {target}"
              + (f" ({len(differ)} changed)" if differ else " (unchanged)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
