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
