import runpy
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_euclid_compare_runs_end_to_end(tmp_path, monkeypatch, capsys):
    out = tmp_path / "e.png"
    monkeypatch.setattr(sys, "argv", ["euclid_compare.py", "--runs", "2", "--epochs", "20",
                                      "--n-samples", "300", "--n-jobs", "1", "--out", str(out),
                                      "--json", str(tmp_path / "r.json")])
    runpy.run_path(str(EXAMPLES / "euclid_compare.py"), run_name="__main__")
    text = capsys.readouterr().out
    assert "fit_global" in text and "Why gradient descent failed" in text
    assert out.stat().st_size > 10_000 and (tmp_path / "r.json").exists()


def test_remedies_runs_end_to_end(tmp_path, monkeypatch, capsys):
    out = tmp_path / "r.png"
    monkeypatch.setattr(sys, "argv", ["remedies.py", "--optimizers", "adam", "--activations",
                                      "relu", "tanh", "--seeds", "3", "--epochs", "3",
                                      "--widths", "3", "4", "--n-samples", "200",
                                      "--out", str(out)])
    runpy.run_path(str(EXAMPLES / "remedies.py"), run_name="__main__")
    text = capsys.readouterr().out
    assert "Success: MSE <=" in text and out.stat().st_size > 10_000
