"""A reader's path through a live explorer, driven with Playwright (test_live.py, the benchmark).

From a chapter page of the served book: click "Run this explorer live in your browser",
which opens the explorer's notebook in the book's JupyterLite site in a new tab; run all
cells from the menu (Run → Run All Cells), as the notebook asks; wait for the explorer's
figure; drag its first slider (or pick the next entry of its first drop-down) and wait for
a different figure. Every request that leaves 127.0.0.1 is blocked (conftest.route_offline,
and Chromium resolves no other host name), and the console is recorded.

Not a test module (no ``test_`` prefix): test_live.py and benchmarks/live.py import it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

from conftest import MATHJAX_URL, SERVED, route_offline

# Console errors that are not about the book, each with the reason it is harmless, keyed
# by the URL they are reported for. Anything else at level "error" fails test_live.py.
COSMETIC_ERRORS: dict[str, str] = {
    "/favicon.ico": "Chromium asks the server root for a site icon on its own; the book "
                    "sets none for its pages (JupyterLite's pages set theirs)",
}

FIGURE = ".jp-OutputArea-output img"


@dataclass
class LiveRun:
    """What one explorer did in the browser (seconds from the click on the link)."""

    url: str = ""
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    warnings: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)  # requests blocked on their way out
    first_figure: float | None = None  # seconds from the click to the explorer's figure
    move_seconds: float | None = None  # from releasing the control to the new figure (median)
    moved: str = ""  # which control was moved
    changed: bool = False
    outputs: str = ""  # the notebook's printed output (tracebacks would show here)
    bytes_loaded: int = 0  # bytes the server sent from the click to the moved figure
    screenshot: str | None = None


def _cosmetic(url: str) -> bool:
    return any(url.endswith(suffix) for suffix in COSMETIC_ERRORS)


def new_context(browser):
    """A browser profile as a first-time reader has it (nothing cached)."""
    return browser.new_context(viewport={"width": 1280, "height": 1000})


def run_explorer(browser, base: str, chapter: str, link_index: int, *, screenshot=None,
                 timeout: float = 240.0, context=None, moves: int = 1,
                 offline: str = "route") -> LiveRun:
    """Open ``chapter``'s page, follow its ``link_index``-th live link, run, move, measure.

    With ``context`` (from :func:`new_context`) the run reuses that profile and
    JupyterLite's service worker, as a reader opening a second explorer does; without, a
    fresh profile is made and closed (a first visit). ``moves`` slider moves are timed in
    the page, from releasing the mouse to the new image (``move_seconds``: the median).

    ``offline="route"`` blocks every request that leaves the server in Playwright and
    records it (the tests); Playwright's routing also turns the browser cache off.
    ``offline="resolver"`` leaves the cache on and relies on Chromium resolving no host
    but the loopback one (conftest.CHROMIUM_ARGS), recording any request to another host
    (the benchmark's warm profile).
    """
    run = LiveRun()
    own = context is None
    if own:
        context = new_context(browser)
    context.unroute("**/*")
    if offline == "route":
        route_offline(context, base, run)
    else:  # MathJax of the book page is not on the live path (test_browser.py serves it)
        context.on("request", lambda req: req.url.startswith((base, "data:", "blob:"))
                   or MATHJAX_URL.search(req.url) or run.external.append(req.url))

    def watch(page):
        def on_console(msg):
            where = (msg.location or {}).get("url", "")
            text = f"{msg.text} ({where})"
            if msg.type == "error" and not _cosmetic(where) and not (
                    offline == "resolver" and MATHJAX_URL.search(where)):
                if "ERR_BLOCKED_BY_CLIENT" in msg.text or "ERR_NAME_NOT_RESOLVED" in msg.text:
                    run.errors.append(f"console (a request left the machine): {text}")
                else:
                    run.errors.append(f"console: {text}")
            elif msg.type == "warning":
                run.warnings.append(text)

        page.on("console", on_console)
        page.on("pageerror", lambda exc: run.errors.append(f"uncaught: {exc}"))

    context.on("page", watch)
    page = None
    try:
        page = context.new_page()
        page.goto(urljoin(base, f"{chapter}.html"), wait_until="load", timeout=60_000)
        links = page.locator("p.attnrmt-live-link a")
        link = links.nth(link_index)
        run.url = link.get_attribute("href")
        start, served = time.perf_counter(), SERVED["bytes"]
        with context.expect_page(timeout=60_000) as opened:
            link.click()
        lite = opened.value
        lite.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout * 1000)
        run_all(lite)
        lite.wait_for_selector(FIGURE, timeout=timeout * 1000)
        run.first_figure = time.perf_counter() - start
        run.bytes_loaded = SERVED["bytes"] - served
        lite.wait_for_timeout(500)  # the widget's own layout settles
        latencies = []
        for k in range(moves):
            lite.evaluate(WATCH_FIGURE)
            run.moved = _move_first_control(lite, step=30 if k % 2 == 0 else -30)
            lite.wait_for_function("() => window.__attnrmtChanged !== null",
                                   timeout=timeout * 1000)
            latencies.append(lite.evaluate(
                "() => (window.__attnrmtChanged - window.__attnrmtReleased) / 1000"))
            lite.wait_for_timeout(300)
        run.changed = True
        run.move_seconds = sorted(latencies)[len(latencies) // 2]
        lite.wait_for_timeout(300)
        run.outputs = lite.evaluate(
            "() => [...document.querySelectorAll('.jp-OutputArea-output')]"
            ".map(e => e.innerText).join('\\n')")
        if screenshot:
            lite.screenshot(path=str(screenshot), full_page=True)
            run.screenshot = str(screenshot)
    except Exception as exc:  # report what was seen, then fail in the test
        run.errors.append(f"the reader's path broke: {exc}")
        for p in context.pages:
            if screenshot and "lite/" in p.url:
                p.screenshot(path=str(screenshot), full_page=True)
                run.screenshot = str(screenshot)
    finally:
        context.remove_listener("page", watch)
        if own:
            context.close()
        else:
            for p in list(context.pages):
                p.close()
    return run


def run_all(page, tries: int = 5) -> None:
    """Run → Run All Cells, as the notebook asks the reader to; again if nothing started
    (the menu entry does nothing until the notebook has its kernel session)."""
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator", timeout=60_000)
    for _ in range(tries):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        for _ in range(50):  # 5 s for a prompt to show [*] or a number
            prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
            if any("*" in p or any(ch.isdigit() for ch in p) for p in prompts):
                return
            page.wait_for_timeout(100)
        page.keyboard.press("Escape")
    raise RuntimeError("Run All Cells started nothing")


# In the page: the time the control is released (mouse up, or a drop-down's change), and
# the time the explorer's image next changes (a new src, or a new image).
WATCH_FIGURE = """
() => {
  window.__attnrmtReleased = null;
  window.__attnrmtChanged = null;
  const released = () => { window.__attnrmtReleased = performance.now(); };
  document.addEventListener('pointerup', released, {capture: true, once: true});
  document.addEventListener('change', released, {capture: true, once: true});
  const area = document.querySelector('.jp-Notebook');
  const seen = new Set([...area.querySelectorAll('%s')].map(i => i.src));
  const observer = new MutationObserver(() => {
    const now = [...area.querySelectorAll('%s')].map(i => i.src);
    if (window.__attnrmtReleased !== null && now.some(src => src && !seen.has(src))) {
      window.__attnrmtChanged = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(area, {subtree: true, childList: true, attributes: true,
                          attributeFilter: ['src']});
}
""" % (FIGURE, FIGURE)


def _move_first_control(page, step: int = 30) -> str:
    """Drag the explorer's first slider by ``step`` pixels (or pick the next drop-down entry)."""
    slider = page.locator(".widget-slider .noUi-handle").first
    if slider.count():
        label = page.locator(".widget-slider .widget-label").first.inner_text()
        box = slider.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + step, y, steps=5)
        page.mouse.up()
        return f"slider {label}"
    select = page.locator(".widget-dropdown select").first
    options = select.locator("option").all_inner_texts()
    current = select.input_value()
    values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    target = values[(values.index(current) + 1) % len(values)]
    select.select_option(target)
    return f"drop-down {options[values.index(target)]}"
