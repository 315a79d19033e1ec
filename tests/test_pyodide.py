"""attnrmt_lib inside Pyodide, the 32-bit WebAssembly CPython the live explorers run on.

Node loads the Pyodide the book's site ships (lite/build.py assembles it from npm's core and
the verified package files) with the site's piplite wheels, and runs
tests/pyodide/explorers.py: every explorer of ``attnrmt_lib.widgets`` is built (its figure
drawn with the defaults) and each of its controls moved once. A wasm32-only failure, such as
an int64 index where numpy wants intp (``np.bincount``), fails here in about a minute,
without a browser; test_live.py then checks the reader's path in Chromium.

The assembly itself is checked without Node: a package file is taken only when its sha256
is the official lock's, and anything else stops the build naming the package. The bytecode
the build then adds (lite/bytecode.py) is checked against the official files: only
``.pyc`` entries are new, nothing else changed, the site's lock has the new hashes, and the
explorers under Node load the modules from it.

Needs ``node`` and ``npm ci --prefix lite``; skips without them, except under CI=true.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, unavailable

import attnrmt_lib.widgets as widgets


def _lite_build():
    spec = importlib.util.spec_from_file_location("attnrmt_lite_build", ROOT / "lite" / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


LITE = _lite_build()


# ------------------------------------------------------------------ the assembly, no Node

def _zipped(content: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("pkg/__init__.py", (2020, 1, 1, 0, 0, 0)), content)
    return buf.getvalue()


def _fake_lock(tmp_path, files: dict[str, bytes], claimed: dict[str, bytes] | None = None):
    """A lock naming ``files`` (hashes of ``claimed`` where given) and a carrier holding them."""
    carrier = tmp_path / "carrier"
    carrier.mkdir()
    packages = {}
    for name, content in files.items():
        data = _zipped(content)
        (carrier / f"{name}-1.0-py3-none-any.whl").write_bytes(data)
        digest = hashlib.sha256(_zipped((claimed or {}).get(name, content))).hexdigest()
        packages[name] = {"name": name, "version": "1.0", "depends": [],
                          "file_name": f"{name}-1.0-py3-none-any.whl", "sha256": digest}
    return {"packages": packages}, carrier


def test_a_package_file_is_taken_when_its_hash_is_the_locks(tmp_path):
    lock, carrier = _fake_lock(tmp_path, {"alpha": b"A", "beta": b"B"})
    out = tmp_path / "out"
    out.mkdir()
    shipped = LITE.verified_packages(lock, ["alpha", "beta"], carrier, out)
    assert [p["name"] for p in shipped] == ["alpha", "beta"]
    assert (out / "alpha-1.0-py3-none-any.whl").read_bytes() == _zipped(b"A")


def test_a_file_that_is_not_the_official_build_stops_the_assembly_by_name(tmp_path):
    lock, carrier = _fake_lock(tmp_path, {"alpha": b"A", "beta": b"tampered"},
                               claimed={"beta": b"B"})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(LITE.AssemblyError, match=r"beta 1\.0: sha256 .* is not the lock's"):
        LITE.verified_packages(lock, ["alpha", "beta"], carrier, out)
    assert not (out / "beta-1.0-py3-none-any.whl").exists()


def test_a_missing_file_stops_the_assembly_by_name(tmp_path):
    lock, carrier = _fake_lock(tmp_path, {"alpha": b"A"})
    lock["packages"]["gamma"] = {**lock["packages"]["alpha"], "name": "gamma",
                                 "file_name": "gamma-1.0-py3-none-any.whl"}
    with pytest.raises(LITE.AssemblyError, match="gamma 1.0: gamma-1.0-py3-none-any.whl not in"):
        LITE.verified_packages(lock, ["gamma"], carrier, tmp_path)


def test_the_closure_follows_the_locks_dependencies():
    lock = {"packages": {
        "numpy": {"depends": []}, "scipy": {"depends": ["numpy", "openblas"]},
        "openblas": {"depends": []}, "prompt-toolkit": {"depends": []},
        "ipython": {"depends": ["prompt_toolkit"]}, "unused": {"depends": []}}}
    assert LITE.closure(lock, ["scipy", "ipython"]) == [
        "ipython", "numpy", "openblas", "prompt-toolkit", "scipy"]
    with pytest.raises(LITE.AssemblyError, match="nothere is not a Pyodide"):
        LITE.closure(lock, ["nothere"])


def test_the_library_wheel_holds_every_module_of_the_checkout(tmp_path):
    wheel = LITE.library_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        record = z.read(next(n for n in names if n.endswith("dist-info/RECORD"))).decode()
        meta = z.read(next(n for n in names if n.endswith("dist-info/METADATA"))).decode()
        for line in record.splitlines():
            path, digest, _ = line.rsplit(",", 2)
            if digest:  # RECORD lists itself without a hash
                data = z.read(path)
                expected = "sha256=" + base64.urlsafe_b64encode(
                    hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert digest == expected, path
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "attnrmt_lib").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert sources <= names, sorted(sources - names)
    assert "Requires-Dist: numpy" in meta and "Name: attnrmt_lib" in meta


def test_assembled_wheels_are_byte_for_byte_reproducible(tmp_path):
    first = LITE.repacked_wheel("ipywidgets", tmp_path)
    data = first.read_bytes()
    again = LITE.repacked_wheel("ipywidgets", tmp_path)
    assert again.read_bytes() == data


# ------------------------------------------------------------------ Pyodide under Node

@pytest.fixture(scope="session")
def pyodide_site(tmp_path_factory):
    """The site's Pyodide and wheels, assembled as the book build does (offline)."""
    node = shutil.which("node")
    if node is None:
        unavailable("Node.js is not installed (apt-get install nodejs)")
    if not (ROOT / "lite" / "node_modules" / "pyodide" / "pyodide.mjs").is_file():
        unavailable("no Pyodide core: run `npm ci --prefix lite`")
    lite_dir = tmp_path_factory.mktemp("lite")
    try:
        LITE.assemble(lite_dir)
    except LITE.AssemblyError as exc:
        pytest.fail(str(exc), pytrace=False)
    return node, lite_dir


@pytest.fixture(scope="session")
def explorers_in_pyodide(pyodide_site):
    node, lite_dir = pyodide_site
    wheels = sorted(str(p) for p in (lite_dir / "pypi").glob("*.whl"))
    proc = subprocess.run(
        [node, str(ROOT / "lite" / "run.mjs"), str(lite_dir / "static" / "pyodide"),
         str(ROOT / "tests" / "pyodide" / "explorers.py"), *wheels],
        capture_output=True, text=True, timeout=900, cwd=ROOT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, (proc.stdout + proc.stderr)[-4000:]
    report = json.loads(lines[-1][len("RESULT "):])
    print(f"\nPyodide: core {report['load_seconds']['core']:.1f} s, packages "
          f"{report['load_seconds']['packages']:.1f} s, imports {report['import_seconds']:.1f} s")
    return report


def test_pyodide_is_32_bit_webassembly(explorers_in_pyodide):
    assert explorers_in_pyodide["platform"] == "emscripten"


def test_bytecode_is_all_the_site_adds_to_the_official_package_files(pyodide_site):
    _, lite_dir = pyodide_site
    out = lite_dir / "static" / "pyodide"
    official_lock = json.loads((LITE.npm_pyodide() / "pyodide-lock.json").read_text())
    official = official_lock["packages"]
    site = json.loads((out / "pyodide-lock.json").read_text())["packages"]
    changed = []
    for name in LITE.closure(official_lock):
        entry = site[name]
        assert LITE.sha256(out / entry["file_name"]) == entry["sha256"], name
        if entry["sha256"] == official[name]["sha256"]:
            continue
        changed.append(name)
        with zipfile.ZipFile(LITE.carrier_dir() / entry["file_name"]) as before, \
                zipfile.ZipFile(out / entry["file_name"]) as after:
            old, new = set(before.namelist()), set(after.namelist())
            assert old <= new, f"{name}: entries removed"
            for added in new - old:
                assert "/__pycache__/" in added and added.endswith(".cpython-312.pyc"), added
                assert LITE.source_of(added) in old, f"{name}: {added} has no source"
                assert after.read(added)[4:8] == b"\x01\x00\x00\x00", f"{added}: not unchecked-hash"
            for kept in old:
                assert after.read(kept) == before.read(kept), f"{name}: {kept} changed"
    assert {"matplotlib", "scipy", "numpy", "ipython"} <= set(changed)


def test_the_explorers_run_on_the_shipped_bytecode(explorers_in_pyodide):
    assert explorers_in_pyodide["bytecode"] == {
        "matplotlib.figure": 1, "scipy.linalg": 1, "ipywidgets": 1, "attnrmt_lib.widgets": 1}


@pytest.mark.parametrize("name", widgets.__all__)
def test_explorer_draws_and_redraws_in_pyodide(explorers_in_pyodide, name):
    entry = explorers_in_pyodide["explorers"][name]
    assert entry["error"] is None, f"{name} under Pyodide:\n{entry['error']}"
    assert entry["draw_seconds"] is not None
    assert entry["moves"], f"{name}: no control found to move"
    still = [label for label, move in entry["moves"].items() if not move["changed"]]
    assert not still, f"{name}: moving {still} did not change the figure under Pyodide"
