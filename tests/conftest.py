import contextlib
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Two pytest workers share the cores (pyproject.toml): one BLAS thread per process, in the
# workers and in everything they start (the book build's kernels, JupyterLab's, otter's).
# With a thread pool per process the cores are oversubscribed, and OpenBLAS's spinning
# threads then slow everything down (benchmarks/widgets.py saw 10-50 times on one eigensolve).
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)  # this process: numpy may be loaded already

import matplotlib
import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, settings

# Figures are drawn off screen in every test (and the doctests): set once, before any test
# module imports pyplot.
matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]

settings.register_profile(
    "attnrmt",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "attnrmt"))


def integrate_on_support(f, lower, upper, nodes=400):
    """∫_lower^upper f(λ) dλ for a density with square-root or λ^(-1/2), λ^(-2/3) edges.

    Gauss–Legendre in θ after λ = ℓ + (u - ℓ) sin⁶(θ/2) on [ℓ, m] and the mirror image on
    [m, u], so the integrand is smooth at both edges whatever their type.
    """
    t, w = np.polynomial.legendre.leggauss(nodes)
    h = (t + 1.0) * np.pi / 4.0  # θ/2 on [0, π/2]
    s, c = np.sin(h), np.cos(h)
    mid = (lower + upper) / 2.0
    jac = 3.0 * s**5 * c * (np.pi / 2.0) * w
    left = lower + (mid - lower) * s**6
    right = upper - (upper - mid) * s**6
    return (mid - lower) * np.sum(f(left) * jac) + (upper - mid) * np.sum(f(right) * jac)


def toc_files():
    """Every page of the book, as paths without suffix relative to the repository root."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return files


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The README's build command, into a temporary folder; returns the HTML directory."""
    out = tmp_path_factory.mktemp("book")
    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or "jupyter-book"
    proc = subprocess.run(
        [jb, "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
        capture_output=True, text=True, timeout=1800,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    assert "build succeeded" in log
    return out / "_build" / "html"


# ------------------------------------------------------------------ the book in a browser
# Shared by test_browser.py (every page) and test_live.py (the explorers in JupyterLite):
# Debian's Chromium under Playwright, the built book served on 127.0.0.1, and routing that
# answers MathJax from the npm copy and blocks every other request that leaves the machine.

MATHJAX_DIR = ROOT / "tests" / "browser" / "node_modules" / "mathjax"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A second wall behind the routing below (which requests made by a service worker can
    # bypass): no host name but the loopback one resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
# Any CDN spelling of MathJax 3 (jsdelivr/unpkg `mathjax@3...`, cdnjs `mathjax/3.x.y`):
# the part from `es5/` on is a path inside the npm package.
MATHJAX_URL = re.compile(r"/mathjax(?:@[^/]*|/3[^/]*)?/(es5/[^?#]+)")


def unavailable(reason: str):
    """Skip locally; under CI a missing browser is a failure, never a silent skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    """Debian's Chromium ($ATTNRMT_CHROMIUM overrides); Playwright never downloads one here."""
    if "ATTNRMT_CHROMIUM" in os.environ:
        candidates = [os.environ["ATTNRMT_CHROMIUM"]]
    else:
        candidates = [shutil.which("chromium"), "/usr/bin/chromium"]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def route_offline(context, base: str, seen) -> None:
    """Serve ``base`` and MathJax (local copy) to ``context``; block anything else.

    ``seen`` collects what happened: ``seen.external`` the blocked URLs, ``seen.errors``
    MathJax files missing from the local copy.
    """

    def route(r):
        url = r.request.url
        if url.startswith(base) or url.startswith(("data:", "blob:")):
            return r.continue_()
        match = MATHJAX_URL.search(urlsplit(url).path)
        if match:
            local = (MATHJAX_DIR / unquote(match.group(1))).resolve()
            if local.is_file() and MATHJAX_DIR.resolve() in local.parents:
                return r.fulfill(path=str(local), headers={"Access-Control-Allow-Origin": "*"})
            seen.errors.append(f"MathJax file missing from the local copy: {url}")
            return r.fulfill(status=404, body="")
        seen.external.append(url)
        return r.abort("blockedbyclient")

    context.route("**/*", route)


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the whole run.

    Playwright's sync API refuses to start a second driver while one is running in the same
    thread, so every browser fixture (the book's, JupyterLab's) launches from this one.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the Python package `playwright` is not installed (pip install playwright)")
    pw = sync_playwright().start()
    yield pw
    pw.stop()


def launch_chromium(pw):
    """Debian's Chromium, or a skip/failure saying why there is none."""
    exe = chromium_path()
    if exe is None:
        unavailable("Chromium is not installed (apt-get install -y chromium)")
    try:
        return pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:  # a broken install is also "no browser"
        unavailable(f"Chromium at {exe} does not start under Playwright: {exc}")


@pytest.fixture(scope="session")
def browser(request):
    if chromium_path() is None:
        unavailable("Chromium is not installed (apt-get install -y chromium)")
    if not (MATHJAX_DIR / "es5" / "tex-mml-chtml.js").is_file():
        unavailable("no local MathJax: run `npm ci --prefix tests/browser`")
    chromium = launch_chromium(request.getfixturevalue("playwright_driver"))
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def html_dir(browser, request) -> Path:
    """The built book: $ATTNRMT_HTML (an existing build, for quick local runs) or a fresh one.

    Requests the browser first, so a machine without Chromium skips before building.
    """
    given = os.environ.get("ATTNRMT_HTML")
    if given:
        path = Path(given)
        assert (path / "index.html").is_file(), f"ATTNRMT_HTML={given} holds no built book"
        return path
    return request.getfixturevalue("built_book")


# Bytes of file bodies the server has sent (benchmarks/live.py: what a first visit downloads,
# counted where it leaves the server, so requests of web workers are included).
SERVED = {"bytes": 0}


@contextlib.contextmanager
def serve(html_dir):
    """Serve ``html_dir`` over HTTP on 127.0.0.1 (a free port); yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def copyfile(self, source, outputfile):
            start = source.tell()
            super().copyfile(source, outputfile)
            SERVED["bytes"] += source.tell() - start

    handler = functools.partial(Quiet, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def server(html_dir):
    """The book over HTTP on 127.0.0.1 (a free port), as a browser would see it online."""
    with serve(html_dir) as base:
        yield base


# ------------------------------------------------------------ each chapter executed once
# tests/test_jupyterlab.py runs every cell of every chapter in JupyterLab and fails on any
# cell error, which is all that nbval (--nbval-lax) checks. When both are collected and the
# browser test can run, the chapters' nbval items are deselected, so a full run executes
# each chapter once, not twice. Alone (`pytest chapters/NAME.ipynb`), nbval runs as before.


def _lab_can_run() -> bool:
    try:
        import jupyterlab  # noqa: F401
        import playwright  # noqa: F401
    except ImportError:
        return False
    return chromium_path() is not None


# ------------------------------------------------------------ two workers (pytest-xdist)
# pyproject.toml runs two workers. Tests that share an expensive session fixture must run on
# one worker, or each worker pays for it: the built book (test_book, test_browser, test_live,
# test_reader_notebooks), JupyterLab, the problem sets' build, the Pyodide site. Everything
# else is scheduled by file, so module fixtures and a notebook's nbval cells stay together.
# The scopes are files, not `xdist_group` marks: with pytest 9.2, xdist's loadgroup no
# longer sees marks (pytest-dev/pytest-xdist#1386) and would build the book twice.
SHARED_FIXTURES = {
    "test_book.py": "book", "test_browser.py": "book", "test_live.py": "book",
    "test_reader_notebooks.py": "book",
}


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByFile(LoadScopeScheduling):
        """``--dist loadfile``, with the files of :data:`SHARED_FIXTURES` as one scope.

        xdist hands out the scopes largest first (by number of tests), which starts the
        book and the problem sets at once, on different workers."""

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return SHARED_FIXTURES.get(Path(path).name, path)

    return ByFile(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    in_lab = {item.callspec.params.get("chapter") for item in items
              if item.path.name == "test_jupyterlab.py" and hasattr(item, "callspec")
              and item.originalname == "test_chapter_runs_in_jupyterlab"}
    in_lab.discard(None)
    if not in_lab or not _lab_can_run():
        return
    twice = [item for item in items if item.path.suffix == ".ipynb"
             and item.path.parent == ROOT / "chapters" and f"chapters/{item.path.stem}" in in_lab]
    if twice:
        config.hook.pytest_deselected(items=twice)
        items[:] = [item for item in items if item not in twice]
