import matplotlib.pyplot as plt
import numpy as np
import pytest

import exactfit
from exactfit.plot import LossCurveDisplay, SuccessRateDisplay, SurfaceDisplay, UnitLinesDisplay


@pytest.fixture(scope="module")
def pyramid():
    task = exactfit.tasks.euclid(300, random_state=0)
    return exactfit.construct.norm_pyramid(3, task.X, task.y).network, task


def test_surface_display(pyramid):
    net, _ = pyramid
    d = SurfaceDisplay.from_network(net, resolution=11)
    np.testing.assert_allclose(d.zz[5, 5], net.predict([[0.0, 0.0]])[0])
    d.plot()
    assert d.figure_ is d.ax_.figure
    d.plot(ax=plt.figure().add_subplot(), kind="contour")
    with pytest.raises(ValueError, match="kind"):
        d.plot(kind="bar")
    plt.close("all")


def test_unit_lines_marks_dead_units(pyramid):
    net, task = pyramid
    dead = net.with_flat(net.to_flat())
    dead.biases[0][1] = -10.0
    d = UnitLinesDisplay.from_network(dead, task.X).plot()
    assert d.status == ["active", "dead", "active"]
    assert len(d.ax_.get_lines()) == 3
    plt.close("all")


def test_success_and_loss_curve_displays():
    s = SuccessRateDisplay(["a", "b"], [0.5, 1.0], [0.2, 0.8], [0.8, 1.0]).plot()
    assert len(s.ax_.patches) == 2
    res = exactfit.FitResult(network=None, loss=1.0, method="m", loss_curve=np.array([3.0, 2.0]))
    c = LossCurveDisplay.from_results([res], best_loss=1.0).plot()
    assert len(c.ax_.get_lines()) == 2
    plt.close("all")


def test_bad_input(pyramid):
    net, _ = pyramid
    with pytest.raises(ValueError, match="extent"):
        SurfaceDisplay.from_network(net, extent=(1, -1, 0, 1))
    wide = exactfit.Network([np.ones((3, 2)), np.ones((2, 1))], [np.zeros(2), [0.0]])
    with pytest.raises(ValueError, match="2 inputs"):
        SurfaceDisplay.from_network(wide)


def test_success_display_construction_by_ratio_and_alone_not_clipped():
    s = SuccessRateDisplay(["pyramid (construction)", "fit_global", "sklearn adam"],
                           [0.0, 1.0, 0.03], [0.0, 0.9, 0.01], [0.79, 1.0, 0.17],
                           ratios={"pyramid (construction)": 1.055}).plot()
    assert len(s.ax_.patches) == 2  # no bar for the construction
    texts = [t.get_text() for t in s.ax_.texts]
    assert any("1.055 x" in t for t in texts) and "100%" in texts
    # Each rate's label sits above the top of its error bar.
    for t in s.ax_.texts:
        if t.get_text() == "3%":
            assert t.get_position()[1] >= 17
    fig = s.figure_
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    for label in s.ax_.get_xticklabels():
        ext = label.get_window_extent(renderer)
        assert ext.x0 >= box.x0 - 1 and ext.y0 >= box.y0 - 1, label.get_text()
    plt.close("all")


def test_success_display_from_report_detects_constructions(euclid_small):
    report = exactfit.benchmark(euclid_small, n_runs=2, progress=False, methods=[
        exactfit.Method("construction", lambda X, y, random_state: exactfit.construct.norm_pyramid(
            3, X, y), deterministic=True),
        exactfit.Method("fit_global", exactfit.fit_global)])
    d = SuccessRateDisplay.from_report(report)
    assert list(d.ratios) == ["construction"]
    assert d.ratios["construction"] == pytest.approx(report.rows["construction"]["best_ratio"])


def test_unit_lines_outside_the_data_are_shown(pyramid):
    net, task = pyramid
    out = net.copy()
    out.biases[0][0] = 1.6 * np.linalg.norm(out.weights[0][:, 0])   # just outside the square
    out.biases[0][1] = 50.0 * np.linalg.norm(out.weights[0][:, 1])  # far away
    d = UnitLinesDisplay.from_network(out, task.X).plot()
    x0, x1 = d.ax_.get_xlim()
    y0, y1 = d.ax_.get_ylim()
    assert (x1 - x0) > 2.05 or (y1 - y0) > 2.05  # the view grew to show unit 0's line
    drawn = [ln for ln in d.ax_.get_lines() if len(ln.get_xdata())]
    assert len(drawn) == 2  # units 0 and 2; unit 1 is marked at the edge instead
    assert any("unit 1: its line is" in t.get_text() for t in d.ax_.texts)
    assert d.status[0] == "linear" and d.status[1] == "linear"
    plt.close("all")


def test_loss_curve_display_one_result():
    res = exactfit.FitResult(network=None, loss=1.0, method="m", loss_curve=np.array([3.0, 2.0]))
    c = LossCurveDisplay.from_results(res).plot()
    assert len(c.ax_.get_lines()) == 1
    with pytest.raises(ValueError, match="loss_curve"):
        LossCurveDisplay.from_results([exactfit.FitResult(network=None, loss=1.0)])
    plt.close("all")


def test_surfaces_share_a_z_range(pyramid):
    net, _ = pyramid
    d = SurfaceDisplay.from_network(net, resolution=5).plot(zlim=(-1, 3))
    assert d.ax_.get_zlim() == pytest.approx((-1, 3))
    plt.close("all")


def test_heatmap_separates_low_rates():
    from exactfit.plot import SweepHeatmapDisplay

    d = SweepHeatmapDisplay(["a", "b", "c"], ["r"], [[0.0, 0.03, 0.10]], "x", "y").plot()
    colors = d.ax_.images[0].cmap(d.ax_.images[0].norm(100 * d.Z[0]))
    assert np.min(np.abs(np.diff(colors[:, :3], axis=0)).sum(axis=1)) > 0.15
    plt.close("all")


def test_compare_display(euclid_small):
    from exactfit.plot import CompareDisplay

    report = exactfit.benchmark(euclid_small, n_runs=2, progress=False, methods=[
        exactfit.Method("fit_global", exactfit.fit_global),
        exactfit.Method("sklearn adam", lambda X, y, random_state: exactfit.train_gd(
            X, y, hidden=3, max_iter=5, random_state=random_state))])
    d = CompareDisplay.from_report(report, euclid_small.X, euclid_small.y,
                                   target=lambda P: np.hypot(P[:, 0], P[:, 1])).plot()
    assert "The architecture reaches MSE" in d.figure_._suptitle.get_text()
    zl = [d.axes_[k].get_zlim() for k in d.axes_ if k.startswith("surface") or k == "target"]
    assert all(z == pytest.approx(zl[0]) for z in zl)
    plt.close("all")


@pytest.mark.parametrize("display", ["SuccessRateDisplay", "LossCurveDisplay", "CheckDisplay",
                                     "SweepHeatmapDisplay", "SweepWidthDisplay"])
@pytest.mark.parametrize("report", [None, [1, 2], "report.json"])
def test_from_report_refuses_what_is_not_a_report(display, report):
    cls = getattr(exactfit.plot, display)
    with pytest.raises(TypeError, match="report must be a"):
        cls.from_report(report)


def test_compare_display_refuses_what_is_not_a_report():
    with pytest.raises(TypeError, match="report must be a BenchmarkReport"):
        exactfit.plot.CompareDisplay.from_report(None, np.zeros((3, 2)))
