"""benchmarks/wide_start.py: a tiny run writes its table, with the plain and wide rows."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import wide_start  # noqa: E402


def test_tiny_run_writes_json_and_table(tmp_path):
    assert wide_start.main(["--d", "3", "--n", "200", "--draws", "2", "--factors", "2",
                            "--results-dir", str(tmp_path)]) == 0
    run = json.loads((tmp_path / "wide_start.json").read_text())
    assert [r["start"] for r in run["rows"]] == ["plain", "wide x2"]
    assert all(r["draws"] == 2 and 0 <= r["hits"] <= 2 and len(r["mse_over_var"]) == 2
               for r in run["rows"])
    table = (tmp_path / "wide_start.md").read_text()
    assert "| wide x2 | 2 |" in table and "| plain | 2 |" in table
    # the module's factor is restored
    from exactfit.search import _wide
    assert _wide._FACTOR == 4


def test_bad_arguments_are_refused_by_name(capsys):
    import pytest

    for argv, name in ((["--draws", "0"], "--draws"), (["--factors", "1"], "--factors")):
        with pytest.raises(SystemExit) as exc:
            wide_start.main(argv)
        assert exc.value.code == 2 and name in capsys.readouterr().err
