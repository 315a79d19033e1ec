"""The problem sets in assignments/: they assign, grade and leak nothing.

One build per session (``assignments/build.py`` into a temporary folder, without otter's own
solution run: ``test_solution_scores_full_marks`` performs that same grading explicitly, with
``otter.api.grade_submission``, i.e. ``otter run`` without Docker).
"""

import ast
import csv
import json
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

with warnings.catch_warnings():  # otter 7 passes traitlets types, deprecated since traitlets 4.1
    warnings.simplefilter("ignore", DeprecationWarning)
    from otter.api import grade_submission
    from otter.test_files import ExceptionTestFile

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ROOT / "assignments"
MASTERS = sorted((ASSIGNMENTS / "master").glob("*.ipynb"))
SETS = [p.stem for p in MASTERS]

# otter 7 calls DataFrame.drop(inplace=True), deprecated in pandas 3.1: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop is deprecated")

# The chapters the coursework must cover, one set each (issue 4).
CHAPTER_SETS = ["set1_model", "set2_bulk", "set3_transitions", "set4_optimal", "set5_causal"]


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("assignments_dist")
    proc = subprocess.run(
        [sys.executable, str(ASSIGNMENTS / "build.py"), "--out", str(out), "--no-run-tests"],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    return out


# --- reading the master notebooks ---------------------------------------------------------

def _raw_first_line(cell):
    return cell.source.strip().splitlines()[0].strip().upper() if cell.source.strip() else ""


def _master_parts(name):
    """(solution needles, hidden-test needles, public text) of one master notebook.

    Solution needles: the code a `# SOLUTION` line or a `# BEGIN/END SOLUTION` block hides
    (for `x = value  # SOLUTION` the hidden part is `value`). Hidden-test needles: the body
    lines of the tests marked `# HIDDEN`. Public text: everything the student may see
    (markdown, provided code, public tests), used to exempt strings published on purpose.
    """
    nb = nbformat.read(ASSIGNMENTS / "master" / f"{name}.ipynb", as_version=4)
    solutions, hidden, hidden_unparsed, public = [], [], [], []
    block = None
    for cell in nb.cells:
        if cell.cell_type == "raw":
            first = _raw_first_line(cell)
            if first in ("# BEGIN SOLUTION", "# BEGIN TESTS"):
                block = first
            elif first in ("# END SOLUTION", "# END TESTS"):
                block = None
            continue
        lines = cell.source.splitlines()
        if cell.cell_type == "code" and block == "# BEGIN TESTS":
            if lines and lines[0].strip().upper() == "# HIDDEN":
                # as written, and as otter writes it into the test files (ast.unparse)
                hidden += [line.strip() for line in lines[1:]]
                tree = ast.parse("\n".join(lines[1:]))
                hidden_unparsed += [line.strip() for line in ast.unparse(tree.body[0]).splitlines()]
            else:
                public += lines
            continue
        if cell.cell_type == "code" and block == "# BEGIN SOLUTION":
            inside = False
            for line in lines:
                text = line.strip()
                if text.endswith("# BEGIN SOLUTION"):
                    inside = True
                elif text.endswith("# END SOLUTION"):
                    inside = False
                elif inside:
                    solutions.append(text)
                elif re.search(r"#\s*SOLUTION$", text):
                    code = re.sub(r"#\s*SOLUTION$", "", text).strip()
                    m = re.match(r"^[\w.\[\], ]+=(?!=)(.*)$", code)
                    solutions.append(m.group(1).strip() if m else code)
                else:
                    public.append(line)
            continue
        public += lines
    public_text = "\n".join(public)
    solution_needles = sorted({s for s in solutions if len(s) >= 6 and s not in public_text})
    def needles(lines):
        return sorted({
            h for h in lines
            if len(h) >= 8 and not h.startswith(("import ", "from ")) and h not in public_text
        })

    return solution_needles, (needles(hidden), needles(hidden_unparsed)), public_text


def _texts(folder):
    """Every text a student receives: files of the student folder and the release zip."""
    texts = {}

    def add(label, name, data):
        if name.endswith(".ipynb"):
            nb = nbformat.reads(data.decode(), as_version=4)
            texts[label] = "\n".join(c.source for c in nb.cells) + json.dumps(nb.metadata)
        else:
            texts[label] = data.decode("utf-8", errors="replace")

    for path in sorted(folder.rglob("*")):
        if path.is_file():
            add(str(path), path.name, path.read_bytes())
    return texts


def _student_texts(dist, name):
    texts = _texts(dist / name / "student")
    with zipfile.ZipFile(dist / "release" / f"{name}.zip") as zf:
        for member in zf.namelist():
            data = zf.read(member)
            if member.endswith(".ipynb"):
                nb = nbformat.reads(data.decode(), as_version=4)
                texts[f"zip:{member}"] = "\n".join(c.source for c in nb.cells) + json.dumps(nb.metadata)
            else:
                texts[f"zip:{member}"] = data.decode("utf-8", errors="replace")
    return texts


def _errors(nb):
    return [
        f"{o.get('ename')}: {o.get('evalue', '')[:200]}"
        for c in nb.cells if c.cell_type == "code"
        for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]


# --- the tests ----------------------------------------------------------------------------

def test_one_set_per_chapter():
    assert set(CHAPTER_SETS) <= set(SETS), SETS


@pytest.mark.parametrize("name", SETS)
def test_set_assigns(dist, name):
    student, autograder = dist / name / "student", dist / name / "autograder"
    assert (student / f"{name}.ipynb").is_file()
    assert (autograder / f"{name}.ipynb").is_file()
    assert (dist / "release" / f"{name}.zip").is_file()
    assert (dist / "autograders" / f"{name}-autograder.zip").is_file()
    # every question has public tests for the student and hidden tests for the grader
    questions = sorted(p.name for p in (autograder / "tests").glob("q*.py"))
    assert len(questions) >= 4
    assert questions == sorted(p.name for p in (student / "tests").glob("q*.py"))
    for q in questions:
        cases = ExceptionTestFile.from_file(str(autograder / "tests" / q)).test_cases
        assert any(tc.hidden for tc in cases), f"{name}/{q} has no hidden test"
        assert any(not tc.hidden for tc in cases), f"{name}/{q} has no public test"
        public = ExceptionTestFile.from_file(str(student / "tests" / q)).test_cases
        assert public and not any(tc.hidden for tc in public)
    # students initialise the grader themselves; the notebook says how to install it in Colab
    nb = nbformat.read(student / f"{name}.ipynb", as_version=4)
    assert "pip install otter-grader attnrmt_lib" in nb.cells[0].source
    assert any(f'otter.Notebook("{name}.ipynb")' in c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", SETS)
def test_solution_scores_full_marks(dist, name):
    results = grade_submission(
        str(dist / name / "autograder" / f"{name}.ipynb"),
        str(dist / "autograders" / f"{name}-autograder.zip"),
        quiet=True,
    )
    assert results.possible >= 10
    assert results.total == results.possible, results.summary()
    assert not _errors(results.notebook)


@pytest.mark.parametrize("name", SETS)
def test_student_notebook_scores_below_full_marks(dist, name):
    results = grade_submission(
        str(dist / name / "student" / f"{name}.ipynb"),
        str(dist / "autograders" / f"{name}-autograder.zip"),
        quiet=True,
    )
    assert results.possible >= 10
    assert results.total < results.possible
    # the unanswered notebook earns nothing, and runs top to bottom without an error
    assert results.total == 0, results.summary()
    assert not _errors(results.notebook), _errors(results.notebook)


@pytest.mark.parametrize("name", SETS)
def test_student_version_leaks_no_solution(dist, name):
    solutions, _, _ = _master_parts(name)
    assert len(solutions) >= 5
    texts = _student_texts(dist, name)
    leaks = [(s, label) for s in solutions for label, text in texts.items() if s in text]
    assert not leaks, leaks
    # the search does find them where they belong
    solution_nb = _texts(dist / name / "autograder")[str(dist / name / "autograder" / f"{name}.ipynb")]
    assert all(s in solution_nb for s in solutions)


@pytest.mark.parametrize("name", SETS)
def test_student_version_leaks_no_hidden_test(dist, name):
    _, (as_written, as_unparsed), _ = _master_parts(name)
    assert len(as_unparsed) >= 5
    texts = _student_texts(dist, name)
    leaks = [(h, label) for h in as_written + as_unparsed for label, text in texts.items() if h in text]
    assert not leaks, leaks
    # the search does find them where they belong
    grader_tests = "\n".join(p.read_text() for p in (dist / name / "autograder" / "tests").glob("*.py"))
    assert all(h in grader_tests for h in as_unparsed)


def test_grade_script_writes_csv(dist, tmp_path):
    name = "set4_optimal"
    subs = tmp_path / "submissions"
    subs.mkdir()
    shutil.copy(dist / name / "autograder" / f"{name}.ipynb", subs / "alice.ipynb")
    (subs / "carol.ipynb").write_text("not a notebook")
    out = tmp_path / "grades.csv"
    proc = subprocess.run(
        [sys.executable, str(ASSIGNMENTS / "grade.py"), name, str(subs), "-o", str(out),
         "--autograder", str(dist / "autograders" / f"{name}-autograder.zip")],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    with open(out, newline="") as f:
        rows = {Path(r["submission"]).stem: r for r in csv.DictReader(f)}
    assert float(rows["alice"]["total"]) == float(rows["alice"]["possible"]) == 15
    assert float(rows["alice"]["q5"]) == 4 and not rows["alice"]["error"]
    assert float(rows["carol"]["total"]) == 0 and rows["carol"]["error"]


# Answers that hard-code the public worked example: they pass every public test and must fail
# a hidden one (the hidden tests try other parameter values), question by question.
def _const(value):
    return lambda *args, **kwargs: value


CHEATS = {
    "set1_model": {
        "q1": {"effective_snr": _const(3.0)},
        "q2": {"label_correlation": _const(np.array([[1.0, 0.25], [0.25, 1.0]]))},
        "q3": {"mean_pooling_gain": _const(1.0)},
        "q4": {"spurious_rho": _const(8.0)},
        "q5": {"top_uncentered": 12.0, "top_centered": 4.0},
    },
    "set2_bulk": {
        "q1": {"upper_edge_equal": _const(6.75)},
        "q2": {"lower_edge_equal": _const(0.3375)},
        "q3": {"bulk_moment": lambda k, delta, gamma, kappa=1.0: [1, 3, 12, 55][k - 1]},
        "q4": {"atom_mass": _const(0.0)},
        "q5": {"emp_moments": np.array([1.0, 2.0, 5.25]), "theory_moments": np.array([1.0, 2.0, 5.25])},
    },
    "set3_transitions": {
        "q1": {"rho1": _const(1.2071067811865475)},
        "q2": {"rho2": _const(1.7807764064044151)},
        "q3": {"outlier": _const(5.04)},
        "q4": {"alignment": lambda rho, delta, gamma: 0.64 if rho > 1.78 else 0.0},
        "q5": {"paul_outlier": _const(3.75), "paul_alignment": _const(0.7)},
        "q6": {"sim_top": 5.04, "sim_alignment": 0.64},
    },
    "set4_optimal": {
        "q1": {"gain": _const(1.0)},
        "q2": {"best_weights": lambda R: np.full(len(R), 1 / np.sqrt(len(R)))},
        "q3": {"markov_mean_gain": lambda T, phi: 1.0 if T == 1 else 1.5},
        "q4": {"detection_threshold": _const(1.7807764064044151)},
        "q5": {"alignment_best": 0.84, "alignment_mean": 0.75},
    },
    "set5_causal": {
        "q1": {"harmonic": lambda T: [1.0] if T == 1 else [0.75, 0.25]},
        "q2": {"causal_limit_weights": lambda T, tau: __import__("attnrmt_lib").harmonic_weights(T)},
        "q3": {"harmonic_kappa": lambda T: 1.0 if T == 1 else 0.625},
        "q4": {"harmonic_exchangeable_gain": _const(1.0)},
        "q5": {"harmonic_minus_mean": lambda R: 0.0 if np.allclose(R, np.eye(len(R))) else 0.68},
        "q6": {"weight_error": 0.001, "alignment_causal": 0.84},
    },
}


@pytest.mark.parametrize("name", SETS)
def test_hidden_tests_reject_hard_coded_answers(dist, name):
    cheats = CHEATS[name]
    tests = sorted((dist / name / "autograder" / "tests").glob("q*.py"))
    assert sorted(cheats) == [p.stem for p in tests], "every question needs a cheat"
    for path in tests:
        test_file = ExceptionTestFile.from_file(str(path))
        test_file.run(dict(cheats[path.stem]))
        for result in test_file.test_case_results:
            if result.test_case.hidden:
                assert not result.passed, f"{name}/{path.stem}: hidden test accepts the cheat"
            else:
                assert result.passed, f"{name}/{path.stem}: cheat should pass the public test\n{result.message}"
