import runpy
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_zoo_example_runs(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["zoo.py", "--tasks", "xor", "sawtooth3_deep", "square"])
    runpy.run_path(str(EXAMPLES / "zoo.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "sawtooth3_deep" in out and "1-2-2-2-1" in out
    xor_line = next(line for line in out.splitlines() if line.startswith("xor"))
    assert "exact" in xor_line and "0.00e+00" in xor_line
