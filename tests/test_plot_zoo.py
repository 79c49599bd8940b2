"""ZooDisplay: the zoo picture from benchmark results."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from exactfit.plot import ZooDisplay


def _results():
    def row(key, rate, exact, reached, fg):
        return {"key": key, "architecture": "2-2-1",
                "construction": {"evidence": "exact" if exact else "none", "reached": reached},
                "fit_global": {"reached": fg},
                "adam": {"success_rate": rate, "ci_low": rate / 2, "ci_high": min(1, rate * 2),
                         "runs": 1000},
                "polished": {"success_rate": 2 * rate / 3 + 1 / 3, "ci_low": 0.1,
                             "ci_high": 0.9}}
    return {"meta": {"steps": 20000},
            "rows": [row("xor", 0.2, True, True, True), row("square", 0.01, False, True, False),
                     row("product", 0.0, False, False, False)]}


def test_from_results_reads_rows_and_draws(tmp_path):
    d = ZooDisplay.from_results(_results())
    assert d.labels == ["xor  2-2-1", "square  2-2-1", "product  2-2-1"]
    np.testing.assert_allclose(d.rates, [0.2, 0.01, 0.0])
    assert d.construction == ["exact", "best", "short"]
    assert d.fit_global == [True, False, False]
    assert d.polished is not None and "20000 steps" in d.title
    d.plot()
    assert d.figure_ is d.ax_.figure
    # one bar per task for Adam and one for the polish
    assert len(d.ax_.patches) == 6
    widths = sorted(p.get_width() for p in d.ax_.patches)
    np.testing.assert_allclose(widths[:3], [0.0, 1.0, 20.0])
    # the marker columns: one marker per task and column
    assert len(d.ax_.lines) >= 6
    d.figure_.savefig(tmp_path / "z.png")
    d.plot(ax=plt.figure().add_subplot())
    plt.close("all")


def test_from_results_path_and_no_polish(tmp_path):
    import json

    res = _results()
    for r in res["rows"]:
        r["polished"] = {}
    p = tmp_path / "zoo.json"
    p.write_text(json.dumps(res))
    d = ZooDisplay.from_results(p).plot()
    assert d.polished is None and len(d.ax_.patches) == 3
    plt.close("all")


def test_bad_input():
    with pytest.raises(ValueError, match="one value per label"):
        ZooDisplay(["a", "b"], [0.1], [0.0], [0.2], ["exact", "exact"], [True, True])
    with pytest.raises(ValueError, match="construction"):
        ZooDisplay(["a"], [0.1], [0.0], [0.2], ["maybe"], [True])
    with pytest.raises(ValueError, match="fit_global"):
        ZooDisplay(["a"], [0.1], [0.0], [0.2], ["exact"], [True, False])
    with pytest.raises(ValueError, match="no task rows"):
        ZooDisplay.from_results({"rows": []})
