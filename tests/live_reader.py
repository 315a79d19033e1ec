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

from conftest import SERVED, route_offline

# Console messages of the JupyterLite 0.6 app itself that are not about the book, each with
# the reason it is harmless. Anything else at level "error" fails test_live.py.
COSMETIC_ERRORS: dict[str, str] = {}

FIGURE = ".jp-OutputArea-output img"


@dataclass
class LiveRun:
    """What one explorer did in the browser (seconds from the click on the link)."""

    url: str = ""
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    warnings: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)  # requests blocked on their way out
    first_figure: float | None = None  # seconds from the click to the explorer's figure
    move_seconds: float | None = None  # from releasing the control to the new figure
    moved: str = ""  # which control was moved
    changed: bool = False
    outputs: str = ""  # the notebook's printed output (tracebacks would show here)
    bytes_loaded: int = 0  # bytes the server sent from the click to the moved figure
    screenshot: str | None = None


def _cosmetic(text: str) -> bool:
    return any(pattern in text for pattern in COSMETIC_ERRORS)


def new_context(browser):
    """A browser profile as a first-time reader has it (nothing cached)."""
    return browser.new_context(viewport={"width": 1280, "height": 1000})


def run_explorer(browser, base: str, chapter: str, link_index: int, *, screenshot=None,
                 timeout: float = 240.0, context=None) -> LiveRun:
    """Open ``chapter``'s page, follow its ``link_index``-th live link, run, move, measure.

    With ``context`` (from :func:`new_context`) the run reuses that profile, its browser
    cache and JupyterLite's service worker, as a reader opening a second explorer does;
    without, a fresh profile is made and closed (a first visit).
    """
    run = LiveRun()
    own = context is None
    if own:
        context = new_context(browser)
    context.unroute("**/*")
    route_offline(context, base, run)

    def watch(page):
        def on_console(msg):
            text = f"{msg.text} ({(msg.location or {}).get('url', '')})"
            if msg.type == "error" and not _cosmetic(msg.text):
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
        figure = lite.wait_for_selector(FIGURE, timeout=timeout * 1000)
        run.first_figure = time.perf_counter() - start
        before = figure.get_attribute("src")
        lite.wait_for_timeout(300)  # the widget's own layout settles
        run.moved, released = _move_first_control(lite)
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            sources = [img.get_attribute("src") for img in lite.query_selector_all(FIGURE)]
            if sources and sources[-1] != before:
                run.changed = True
                run.move_seconds = time.perf_counter() - released
                break
            lite.wait_for_timeout(25)
        run.bytes_loaded = SERVED["bytes"] - served
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


def _move_first_control(page) -> tuple[str, float]:
    """Drag the explorer's first slider a few steps (or pick the next drop-down entry)."""
    slider = page.locator(".widget-slider .noUi-handle").first
    if slider.count():
        label = page.locator(".widget-slider .widget-label").first.inner_text()
        box = slider.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 30, y, steps=5)
        page.mouse.up()
        return f"slider {label}", time.perf_counter()
    select = page.locator(".widget-dropdown select").first
    options = select.locator("option").all_inner_texts()
    current = select.input_value()
    values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    target = values[(values.index(current) + 1) % len(values)]
    select.select_option(target)
    return f"drop-down {options[values.index(target)]}", time.perf_counter()
