"""examples/teacher_student.py end to end, small."""

import runpy
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the example needs PyTorch")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_teacher_student_example_small(tmp_path, monkeypatch, capsys):
    out = tmp_path / "t.png"
    monkeypatch.setattr(sys, "argv", ["teacher_student.py", "--rows", "4-4", "4-5", "--runs",
                                      "12", "--fit-global-tasks", "1", "--out", str(out)])
    runpy.run_path(str(EXAMPLES / "teacher_student.py"), run_name="__main__")
    text = capsys.readouterr().out
    assert "population MSE 0 (exact)" in text and "fit_global" in text
    assert "\n  4   4 " in text and "\n  4   5 " in text  # the two table rows
    assert out.stat().st_size > 10_000
