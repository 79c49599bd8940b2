"""Tasks about networks with no hidden layer (``hidden=()``: one Dense layer)."""

import numpy as np
import pytest

import exactfit
from exactfit._validation import check_hidden
from exactfit.tasks import Task


@pytest.fixture
def pixels():
    return np.random.RandomState(0).randint(0, 17, size=(30, 4)).astype(float)


@pytest.mark.parametrize("empty", [(), []])
def test_task_accepts_no_hidden_layer(pixels, empty):
    t = Task("one-layer", pixels, pixels, hidden=empty, activation="relu", output="relu")
    assert t.hidden == () and isinstance(t.hidden, tuple)
    assert "hidden=()" in repr(t)
    # the architecture it names is one Dense layer: from_flat builds it
    sizes = (t.X.shape[1],) + t.hidden + (t.y.shape[1],)
    net = exactfit.Network.from_flat(np.ones(exactfit.network.n_params(sizes)), sizes,
                                     t.activation, t.output)
    assert len(net.weights) == 1 and net.weights[0].shape == (4, 4)


def test_task_still_checks_nonempty_hidden(pixels):
    assert Task("t", pixels, pixels, hidden=3).hidden == (3,)
    with pytest.raises(ValueError, match=r"hidden\[1\]"):
        Task("t", pixels, pixels, hidden=(3, 0))
    with pytest.raises(TypeError, match="hidden"):
        Task("t", pixels, pixels, hidden="()")


def test_check_hidden_rejects_empty_by_default():
    for empty in ((), []):
        with pytest.raises(ValueError, match="hidden must name at least one hidden layer"):
            check_hidden(empty, "hidden")
        assert check_hidden(empty, "hidden", allow_empty=True) == ()
    # allow_empty changes nothing else
    assert check_hidden([4, 2], allow_empty=True) == (4, 2)
    with pytest.raises(ValueError, match="hidden"):
        check_hidden((0,), allow_empty=True)


def test_fit_global_still_needs_a_hidden_layer(pixels):
    with pytest.raises(ValueError, match="hidden"):
        exactfit.fit_global(pixels, pixels, hidden=(), n_restarts=1)


def test_one_layer_generators_say_hidden_empty():
    fir = exactfit.tasks.fir(n_taps=3, length=8, n_samples=20)
    dft = exactfit.tasks.dft(length=8, n_samples=20)
    ident = exactfit.tasks.identity("random", depth=1, n_samples=10, n_features=6)
    for t in (fir, dft, ident):
        assert t.hidden == ()
    # the true matrices are one linear layer on the generated data
    np.testing.assert_allclose(fir.X @ fir.meta["matrix"], fir.y, atol=1e-12)
    np.testing.assert_allclose(dft.X @ dft.meta["matrix"], dft.y, atol=1e-10)
    assert exactfit.tasks.identity("random", depth=3, n_samples=10,
                                   n_features=6).hidden == (6, 6)
