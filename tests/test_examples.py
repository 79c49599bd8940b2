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


def _run(script, args, monkeypatch):
    monkeypatch.setattr(sys, "argv", [script] + args)
    runpy.run_path(str(EXAMPLES / script), run_name="__main__")


def test_identity_compare_quick(tmp_path, monkeypatch, capsys):
    _run("identity_compare.py", ["--quick", "--out", str(tmp_path / "i.png")], monkeypatch)
    text = capsys.readouterr().out
    assert "construction" in text and "Least-squares linear layer" in text
    assert (tmp_path / "i.png").exists()


def test_lookup_compare_small(tmp_path, monkeypatch, capsys):
    _run("lookup_compare.py", ["--seeds", "5", "--widths", "1", "2", "--out",
                               str(tmp_path / "l.png"), "--json", str(tmp_path / "l.json")],
         monkeypatch)
    text = capsys.readouterr().out
    assert "Success probability" in text and (tmp_path / "l.json").exists()


def test_spectrum_compare_quick(tmp_path, monkeypatch, capsys):
    _run("spectrum_compare.py", ["--quick", "--out", str(tmp_path / "s.png")], monkeypatch)
    assert "proved max" in capsys.readouterr().out and (tmp_path / "s.png").exists()


import pytest  # noqa: E402


@pytest.mark.parametrize("script", ["euclid_compare.py", "identity_compare.py",
                                    "lookup_compare.py", "remedies.py", "spectrum_compare.py"])
def test_help_shows_defaults_and_where_files_go(script, monkeypatch, capsys):
    with pytest.raises(SystemExit) as exc:
        _run(script, ["--help"], monkeypatch)
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "(default:" in text and "saved here" in text


def test_lookup_and_remedies_redraw_from_saved_results(tmp_path, monkeypatch, capsys):
    results = EXAMPLES.parent / "benchmarks" / "results"
    _run("lookup_compare.py", ["--from-json", str(results / "lookup.json"), "--out",
                               str(tmp_path / "l.png")], monkeypatch)
    _run("remedies.py", ["--from-json", str(results / "remedies"), "--out",
                         str(tmp_path / "r.png")], monkeypatch)
    assert (tmp_path / "l.png").stat().st_size > 10_000
    assert (tmp_path / "r.png").stat().st_size > 10_000


@pytest.mark.slow
def test_own_model_checks_a_trained_torch_model(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    out = tmp_path / "own"
    monkeypatch.setattr(sys, "argv", ["own_model.py", "--steps", "50", "--out", str(out)])
    with pytest.raises(SystemExit) as exc:
        runpy.run_path(str(EXAMPLES / "own_model.py"), run_name="__main__")
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "Verdict:" in text and "best known" in text
    assert (out / "check.json").exists() and (out / "best.json").exists()
