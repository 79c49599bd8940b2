"""benchmarks/zoo.py on a tiny configuration: rows, judging, checkpoint and resume."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "zoo.py"


@pytest.fixture
def zoo():
    spec = importlib.util.spec_from_file_location("zoo_benchmark", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _args(tmp_path, *tasks):
    return ["--seeds", "4", "--steps", "60", "--tasks", *tasks, "--out", str(tmp_path),
            "--figure", str(tmp_path / "zoo.png")]


def test_tiny_run_judges_every_run(zoo, tmp_path, capsys):
    assert zoo.main(_args(tmp_path, "xor", "square")) == 0
    res = json.loads((tmp_path / "zoo.json").read_text())
    assert [r["key"] for r in res["rows"]] == ["xor", "square"]
    for row in res["rows"]:
        losses = np.array(row["runs"]["loss"])
        polished = np.array(row["runs"]["polished"])
        assert len(losses) == 4 and row["adam"]["runs"] == 4
        # the best known loss is the lowest of everything computed
        assert row["best_loss"] == min(row["construction"]["loss"], row["fit_global"]["loss"],
                                       losses.min(), polished.min())
        # every count is recomputable from the stored losses and the stated rule
        assert row["adam"]["successes"] == int(np.sum(losses <= row["threshold"]))
        assert row["polished"]["successes"] == int(np.sum(polished <= row["threshold"]))
        assert row["construction"]["reached"] == (row["construction"]["loss"] <= row["threshold"])
        # a polish never makes a run worse
        assert np.all(polished <= losses * (1 + 1e-9))
        assert row["steps"] >= 60 and row["epochs"] * -(-row["n_samples"] // 32) == row["steps"]
    xor, square = res["rows"]
    assert xor["exact"] and xor["threshold"] == pytest.approx(1e-8 * np.var([0, 1, 1, 0]))
    assert not square["exact"]
    assert square["threshold"] == pytest.approx(1.01 * square["best_loss"])
    md = (tmp_path / "zoo.md").read_text()
    assert "tasks.xor()" in md and "tasks.square()" in md and "INTERRUPTED" not in md
    assert (tmp_path / "zoo.png").stat().st_size > 10_000


def test_interrupted_run_resumes(zoo, tmp_path, monkeypatch, capsys):
    real = zoo.run_task
    calls = []

    def flaky(key, *a, **k):
        calls.append(key)
        if key == "absolute" and calls.count("absolute") == 1:
            raise KeyboardInterrupt
        return real(key, *a, **k)

    monkeypatch.setattr(zoo, "run_task", flaky)
    assert zoo.main(_args(tmp_path, "xor", "absolute")) == 130
    res = json.loads((tmp_path / "zoo.json").read_text())
    assert [r["key"] for r in res["rows"]] == ["xor"] and res["meta"]["interrupted"]
    assert "INTERRUPTED" in (tmp_path / "zoo.md").read_text()
    first = res["rows"][0]
    # rerun: xor is not recomputed, absolute is
    assert zoo.main(_args(tmp_path, "xor", "absolute")) == 0
    assert calls == ["xor", "absolute", "absolute"]
    res = json.loads((tmp_path / "zoo.json").read_text())
    assert [r["key"] for r in res["rows"]] == ["xor", "absolute"]
    assert res["rows"][0] == first and not res["meta"]["interrupted"]
    # one session per run that computed rows; a run with nothing left to do adds none
    assert [x["tasks"] for x in res["meta"]["sessions"]] == [["xor"], ["absolute"]]
    assert zoo.main(_args(tmp_path, "xor", "absolute")) == 0
    res = json.loads((tmp_path / "zoo.json").read_text())
    assert len(res["meta"]["sessions"]) == 2 and len(calls) == 3
    # other settings: start over
    assert zoo.main(_args(tmp_path, "xor")[:-4] + ["--out", str(tmp_path), "--figure", "",
                                                   "--rtol", "0.05"]) == 0
    assert calls[-1] == "xor" and len(calls) == 4
    res = json.loads((tmp_path / "zoo.json").read_text())
    assert [x["tasks"] for x in res["meta"]["sessions"]] == [["xor"]]
