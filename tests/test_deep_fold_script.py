"""benchmarks/deep_fold.py: a tiny run writes its table; bad arguments are refused by name."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import deep_fold  # noqa: E402


def test_tiny_run_writes_json_and_table(tmp_path):
    assert deep_fold.main(["--m", "1", "--draws", "2", "--calls", "1",
                           "--results-dir", str(tmp_path)]) == 0
    run = json.loads((tmp_path / "deep_fold.json").read_text())
    row = run["rows"][0]
    assert row["network"] == "1-2-1" and set(row["starts"]) == set(deep_fold.KINDS)
    assert all(0 <= v["hits"] <= 2 for v in row["starts"].values())
    assert len(row["calls"]) == 1 and 0 <= row["call_hits"] <= 1
    assert "sawtooth(1)" in (tmp_path / "deep_fold.md").read_text()


@pytest.mark.parametrize("args", [["--m", "0"], ["--draws", "0"], ["--calls", "0"]])
def test_bad_arguments_are_refused(args, capsys):
    with pytest.raises(SystemExit):
        deep_fold.main(args)
    assert args[0] in capsys.readouterr().err
