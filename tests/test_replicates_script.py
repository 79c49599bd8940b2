"""benchmarks/teacher_student_replicates.py on the stored seed sets of row 14-15."""
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def _script():
    spec = importlib.util.spec_from_file_location(
        "replicates", ROOT / "benchmarks" / "teacher_student_replicates.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _stuck(path):
    rows = json.loads(path.read_text())["gd_rows"].values()
    return next(r["stuck"] for r in rows if (r["k"], r["n"]) == (14, 15))


@pytest.mark.skipif(not (RESULTS / "teacher_student_14-15_seed1.json").exists(),
                    reason="no stored replicates")
def test_exclude_leaves_a_seed_set_out_of_the_pooled_count(capsys):
    files = sorted(RESULTS.glob("teacher_student_14-15_seed*.json"))
    _script().main(["--row", "14-15", "--exclude", "0"])
    out = capsys.readouterr().out
    assert "seed 0:" not in out
    total = sum(_stuck(f) for f in files)
    assert f"pooled: {total} / {1000 * len(files)}" in out
    assert f"homogeneity of the {len(files)} samples" in out
    _script().main(["--row", "14-15"])
    out = capsys.readouterr().out
    total += _stuck(RESULTS / "teacher_student.json")
    assert "seed 0: 78 / 1000" in out and f"pooled: {total} /" in out
