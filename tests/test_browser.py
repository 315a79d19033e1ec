"""The rendered book, checked in a real browser (Playwright driving Debian's Chromium).

Every page of the table of contents is served from the built HTML on 127.0.0.1 and opened
in headless Chromium, once in light and once in dark mode. The browser needs no internet:
MathJax is answered from a local copy (tests/browser/node_modules, `npm ci --prefix
tests/browser`), and any other request that leaves the machine is blocked and reported.

Each page must load without JavaScript errors, with every image loaded, every figure
captioned, all math typeset by MathJax, no inert widget without the note on running it
live, every cross-reference and citation resolved; each chapter must offer Binder, Colab
and a notebook download and must not show its install cell. A full-page screenshot of
every page in both modes is written to $ATTNRMT_SCREENSHOTS (default _build/screenshots).

Without Chromium, Playwright or the MathJax copy these tests skip with the reason, except
under CI=true, where they fail instead.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest
import yaml

# The browser, the served book and the offline routing are shared with test_live.py.
from conftest import route_offline

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(os.environ.get("ATTNRMT_SCREENSHOTS") or ROOT / "_build" / "screenshots")
# Raw math that MathJax did not typeset, and roles MyST did not turn into links.
RAW_MATH = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\$[^$\s][^$\n]{0,200}\$|\\(?:begin|frac|mathbb|mathrm)\b")
RAW_ROLE = re.compile(r"\{(?:numref|eq|cite(?::[pt])?|ref|doc|term|prf:ref|math)\}`")


def toc_pages() -> list[str]:
    """Every page of the table of contents, as a path without suffix (root first)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    walk(toc.get("chapters"))
    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", p) for p in pages]


PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]


@dataclass
class Visit:
    """What one page showed in one colour scheme."""

    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    external: list[str] = field(default_factory=list)  # requests blocked on their way out
    facts: dict = field(default_factory=dict, repr=False)  # what COLLECT found in the DOM
    screenshot: Path | None = None


# One pass over the DOM after the page, its images and MathJax have settled.
COLLECT = """
() => {
  const doc = document;
  const article = doc.querySelector('article.bd-article') || doc.body;
  const text = el => (el.textContent || '').replace(/\\s+/g, ' ').trim();
  const prose = () => {  // the article's text without code, scripts and typeset math
    const copy = article.cloneNode(true);
    copy.querySelectorAll('pre, code, script, style, mjx-container, .highlight').forEach(e => e.remove());
    return copy.textContent.replace(/\\s+/g, ' ');
  };
  const before = (a, b) => !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
  // The admonition telling the reader how to run an explorer ("Explore it live").
  const liveNotes = [...article.querySelectorAll('.admonition')].filter(
    a => /\\blive\\b/i.test(text(a.querySelector('.admonition-title') || a)));
  const explorerCells = [...article.querySelectorAll('.cell')].filter(c => {
    const src = text(c.querySelector('.cell_input') || c);
    return /explorer\\s*\\(|ipywidgets|\\binteract(ive)?\\s*\\(/.test(src);
  });
  const outputImages = [...article.querySelectorAll('.cell_output img')].filter(
    img => !img.closest('.solution, details, .dropdown'));
  const launch = sel => [...doc.querySelectorAll(sel)].map(a => a.getAttribute('href'));
  return {
    theme: doc.documentElement.dataset.theme || null,
    images: [...doc.images].map(img => ({
      src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0})),
    figures: [...article.querySelectorAll('figure')].map(f => ({
      id: f.id, caption: text(f.querySelector('figcaption') || doc.createElement('i'))})),
    uncaptionedOutputs: outputImages.filter(img => {
      const fig = img.closest('figure');
      return !fig || !text(fig.querySelector('figcaption') || doc.createElement('i'));
    }).map(img => img.getAttribute('src')),
    mathjax: !!(window.MathJax && MathJax.version),
    mathjaxVersion: window.MathJax && MathJax.version || null,
    mathElements: article.querySelectorAll('.math').length,
    untypeset: [...article.querySelectorAll('.math')].filter(
      m => !m.querySelector('mjx-container')).map(m => text(m).slice(0, 80)),
    mjxContainers: doc.querySelectorAll('mjx-container').length,
    mathErrors: [...doc.querySelectorAll(
      'mjx-merror, mjx-container [data-mjx-error], mjx-assistive-mml [mathcolor="red"], mjx-assistive-mml merror')
    ].map(e => (e.getAttribute('data-mjx-error') || text(e)).slice(0, 80)),
    prose: prose(),
    widgetControls: doc.querySelectorAll(
      '[class*="widget-"], .jupyter-widgets, .jupyter-widget, .jp-OutputArea').length,
    widgetViews: doc.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
    liveNotes: liveNotes.length,
    explorersWithoutNote: explorerCells.filter(c => !liveNotes.some(n => before(n, c))).map(
      c => text(c.querySelector('.cell_input') || c).slice(0, 80)),
    ids: [...doc.querySelectorAll('[id]')].map(e => e.id),
    internalLinks: [...doc.querySelectorAll('a.reference.internal')].map(a => a.getAttribute('href')),
    unresolvedXrefs: [...article.querySelectorAll('.xref')].filter(x => !x.closest('a')).map(text),
    problematic: [...article.querySelectorAll('.problematic')].map(text),
    citations: [...article.querySelectorAll('.bibtex-citation a, a.citation-reference')].map(
      a => a.getAttribute('href')),
    citationTexts: [...article.querySelectorAll('.bibtex-citation')].map(text),
    binder: launch('.dropdown-launch-buttons a[href*="mybinder"], a[title="Launch on Binder"]'),
    colab: launch('.dropdown-launch-buttons a[href*="colab.research.google.com"], a[title="Launch on Colab"]'),
    download: launch('a.btn-download-source-button'),
    articleText: text(article),
  };
}
"""

SETTLE = """
async () => {
  for (const img of document.images) img.loading = 'eager';
  await Promise.all([...document.images].map(img => img.complete ? null :
    new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done); })));
  // MathJax typesets the page once at startup; typesetting again would duplicate the output.
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  return true;
}
"""


def visit(browser, base: str, page_name: str, scheme: str) -> Visit:
    """Open one page in one colour scheme, offline apart from the local MathJax copy."""
    seen = Visit()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme=scheme, service_workers="block")

    route_offline(context, base, seen)
    page = context.new_page()

    def on_console(msg):
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        if "ERR_BLOCKED_BY_CLIENT" in msg.text and not where.startswith(base):
            return  # a blocked external request: reported in `external`
        if msg.text.startswith("Failed to load resource") and where in seen.external:
            return
        seen.errors.append(f"console: {msg.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: seen.errors.append(f"uncaught: {exc}"))
    page.on("requestfailed", lambda req: req.url.startswith(base) and seen.errors.append(
        f"failed to load {req.url}: {req.failure}"))
    page.on("response", lambda resp: resp.url.startswith(base) and resp.status >= 400
            and seen.errors.append(f"HTTP {resp.status} for {resp.url}"))
    try:
        response = page.goto(urljoin(base, f"{page_name}.html"), wait_until="load", timeout=30_000)
        if response is None or not response.ok:
            raise RuntimeError(f"HTTP {response and response.status}: is the page in the build?")
        page.evaluate(SETTLE)
        seen.facts = page.evaluate(COLLECT)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        seen.screenshot = SCREENSHOTS / f"{page_name.replace('/', '__')}-{scheme}.png"
        page.screenshot(path=str(seen.screenshot), full_page=True)
    except Exception as exc:  # one broken page must not hide what the others show
        seen.errors.append(f"could not render {page_name}: {exc}")
    finally:
        context.close()
    return seen


@pytest.fixture(scope="session")
def rendered(browser, server) -> dict[str, dict[str, Visit]]:
    """Every TOC page in light and dark mode: {page: {"light": Visit, "dark": Visit}}."""
    return {name: {scheme: visit(browser, server, name, scheme) for scheme in ("light", "dark")}
            for name in PAGES}


def facts_of(rendered, name: str, scheme: str = "light") -> dict:
    seen = rendered[name][scheme]
    if not seen.facts:
        pytest.fail(f"{name} ({scheme}) was not rendered: {seen.errors}", pytrace=False)
    return seen.facts


def ids_in(html_file: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html_file.read_text(encoding="utf-8")))


# ---------------------------------------------------------------------------- tests

@pytest.mark.parametrize("name", PAGES)
def test_page_loads_without_javascript_errors(rendered, name):
    for scheme, seen in rendered[name].items():
        assert not seen.errors, f"{name} ({scheme}):\n" + "\n".join(seen.errors)


@pytest.mark.parametrize("name", PAGES)
def test_page_needs_nothing_from_the_internet_but_mathjax(rendered, name):
    external = sorted({url for seen in rendered[name].values() for url in seen.external})
    assert not external, (
        f"{name} loads these from the internet (only MathJax is expected; widget embedding "
        f"scripts come from myst-nb's nb_ipywidgets_js):\n" + "\n".join(external))


@pytest.mark.parametrize("name", PAGES)
def test_every_image_loads(rendered, name):
    facts = facts_of(rendered, name)
    broken = [img["src"] for img in facts["images"] if not img["ok"]]
    assert not broken, f"{name}: images that did not load: {broken}"


@pytest.mark.parametrize("name", PAGES)
def test_every_figure_has_a_caption(rendered, name):
    facts = facts_of(rendered, name)
    bare = [f["id"] or "(no id)" for f in facts["figures"] if not f["caption"]]
    assert not bare, f"{name}: figures without a caption: {bare}"
    assert not facts["uncaptionedOutputs"], (
        f"{name}: plots outside a captioned figure: {facts['uncaptionedOutputs']}")


@pytest.mark.parametrize("name", PAGES)
def test_math_is_typeset(rendered, name):
    facts = facts_of(rendered, name)
    if facts["mathElements"]:
        assert facts["mathjax"], f"{name}: has math but MathJax 3 did not load"
        assert facts["mathjaxVersion"].startswith("3"), facts["mathjaxVersion"]
    assert not facts["untypeset"], f"{name}: math left untypeset: {facts['untypeset']}"
    assert not facts["mathErrors"], f"{name}: MathJax errors: {sorted(set(facts['mathErrors']))}"
    raw = sorted({m.group(0) for m in RAW_MATH.finditer(facts["prose"])})
    assert not raw, f"{name}: raw TeX visible in the text: {raw}"


@pytest.mark.parametrize("name", PAGES)
def test_no_widget_is_shown_inert(rendered, name):
    facts = facts_of(rendered, name)
    if facts["widgetControls"] or facts["widgetViews"]:
        assert facts["liveNotes"], (
            f"{name}: shows {facts['widgetControls'] + facts['widgetViews']} widget(s) with no "
            "admonition telling the reader how to run them live")
    assert not facts["explorersWithoutNote"], (
        f"{name}: explorer cells with no 'live' admonition before them: "
        f"{facts['explorersWithoutNote']}")


@pytest.mark.parametrize("name", PAGES)
def test_cross_references_resolve(rendered, html_dir, name):
    facts = facts_of(rendered, name)
    assert "??" not in facts["prose"], f"{name}: an unresolved reference renders as '??'"
    roles = sorted(set(RAW_ROLE.findall(facts["prose"])))
    assert not RAW_ROLE.search(facts["prose"]), f"{name}: raw MyST roles in the text: {roles}"
    assert not facts["unresolvedXrefs"], f"{name}: unresolved references: {facts['unresolvedXrefs']}"
    assert not facts["problematic"], f"{name}: problematic markup: {facts['problematic']}"
    here = (html_dir / f"{name}.html")
    own_ids, dangling = set(facts["ids"]), []
    for href in facts["internalLinks"]:
        if href is None or re.match(r"^[a-z]+:", href):
            continue
        path, _, anchor = href.partition("#")
        target = (here.parent / unquote(path)).resolve() if path else here
        if not target.is_file():
            dangling.append(f"{href} (no page)")
        elif anchor and unquote(anchor) not in (own_ids if target == here else ids_in(target)):
            dangling.append(f"{href} (no anchor)")
    assert not dangling, f"{name}: internal links to nowhere: {dangling}"


@pytest.mark.parametrize("name", PAGES)
def test_citations_point_at_bibliography_entries(rendered, html_dir, name):
    facts = facts_of(rendered, name)
    unresolved = [t for t in facts["citationTexts"] if "?" in t]
    assert not unresolved, f"{name}: unresolved citations: {unresolved}"
    here = html_dir / f"{name}.html"
    for href in facts["citations"]:
        path, _, anchor = (href or "").partition("#")
        target = (here.parent / unquote(path)).resolve() if path else here
        assert target.is_file() and anchor, f"{name}: citation link {href!r} leads nowhere"
        entry = re.search(rf'<[^>]+\bid="{re.escape(unquote(anchor))}"[^>]*>',
                          target.read_text(encoding="utf-8"))
        assert entry and re.search(r'doc-biblioentry|class="citation"', entry.group(0)), (
            f"{name}: citation {href!r} is not a bibliography entry")


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_offers_binder_colab_and_notebook_download(rendered, server, name):
    import urllib.request

    facts = facts_of(rendered, name)
    notebook = f"{name}.ipynb"
    assert any(h and h.startswith("https://mybinder.org/v2/gh/") and h.endswith(notebook)
               for h in facts["binder"]), f"{name}: no Binder button for {notebook}: {facts['binder']}"
    assert any(h and "colab.research.google.com/github/" in h and h.endswith(notebook)
               for h in facts["colab"]), f"{name}: no Colab button for {notebook}: {facts['colab']}"
    downloads = [h for h in facts["download"] if h and h.endswith(".ipynb")]
    assert downloads, f"{name}: no download-notebook button: {facts['download']}"
    url = urljoin(urljoin(server, f"{name}.html"), downloads[0])
    with urllib.request.urlopen(url, timeout=10) as resp:
        nb = json.load(resp)
    assert nb.get("nbformat") == 4 and nb.get("cells"), f"{url} is not a notebook"


@pytest.mark.parametrize("name", CHAPTERS)
def test_install_cell_is_hidden(rendered, name):
    nb = json.loads((ROOT / f"{name}.ipynb").read_text(encoding="utf-8"))
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = "".join(first["source"])
    assert "attnrmt_lib" in source and "pip install" in source, (
        f"{name}: the first code cell should install attnrmt_lib when it is missing")
    assert "remove-cell" in first.get("metadata", {}).get("tags", []), (
        f"{name}: the install cell should be tagged remove-cell")
    shown = facts_of(rendered, name)["articleText"]
    # The lines only the install cell has (`import attnrmt_lib` is in every chapter anyway).
    distinctive = [" ".join(line.split()) for line in source.splitlines()
                   if re.search(r"pip|ImportError|^\s*#.{12}", line)]
    leaked = [line for line in distinctive if line in shown]
    assert "pip install" not in shown and not leaked, (
        f"{name}: the rendered page shows the install cell: {leaked or 'pip install'}")


@pytest.mark.parametrize("name", PAGES)
def test_screenshots_are_saved(rendered, name):
    for scheme, seen in rendered[name].items():
        assert seen.screenshot and seen.screenshot.stat().st_size > 10_000, (name, scheme)
    assert facts_of(rendered, name, "dark")["theme"] == "dark", f"{name}: dark mode did not apply"
    assert facts_of(rendered, name)["theme"] == "light", f"{name}: light mode did not apply"
