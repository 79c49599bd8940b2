import numpy as np
import pytest

from exactfit import datasets


def test_load_digits_raw_scale_and_split():
    d = datasets.load_digits()
    assert d.X_train.shape[1] == 64 and len(d.X_train) + len(d.X_test) == 1797
    assert d.X_train.min() == 0 and d.X_train.max() == 16
    assert d.X_train.dtype == np.float64
    again = datasets.load_digits()
    assert np.array_equal(d.X_test, again.X_test)


def _write_npz(path, n_train=6, n_test=3):
    rs = np.random.RandomState(0)
    arrays = dict(x_train=rs.randint(0, 256, (n_train, 28, 28)).astype(np.uint8),
                  y_train=rs.randint(0, 10, n_train).astype(np.uint8),
                  x_test=rs.randint(0, 256, (n_test, 28, 28)).astype(np.uint8),
                  y_test=rs.randint(0, 10, n_test).astype(np.uint8))
    np.savez(path, **arrays)
    return arrays


def _no_openml(monkeypatch):
    import sklearn.datasets

    def offline(*args, **kwargs):
        raise OSError("network unreachable (test)")
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", offline)


def test_load_mnist_from_path(tmp_path):
    arrays = _write_npz(tmp_path / "mnist.npz")
    d = datasets.load_mnist(tmp_path / "mnist.npz")
    assert d.X_train.shape == (6, 784) and d.X_test.shape == (3, 784)
    np.testing.assert_array_equal(d.X_train, arrays["x_train"].reshape(6, 784))
    np.testing.assert_array_equal(d.y_test, arrays["y_test"])


def test_load_mnist_from_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".keras" / "datasets").mkdir(parents=True)
    _write_npz(tmp_path / ".keras" / "datasets" / "mnist.npz")
    _no_openml(monkeypatch)
    assert datasets.load_mnist().X_train.shape == (6, 784)


def test_load_mnist_missing_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    _no_openml(monkeypatch)
    with pytest.raises(FileNotFoundError, match="no MNIST found") as info:
        datasets.load_mnist()
    msg = str(info.value)
    assert datasets.MNIST_URL in msg and "load_digits" in msg and "network unreachable" in msg
    with pytest.raises(FileNotFoundError, match="download=False"):
        datasets.load_mnist(download=False)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.load_mnist(tmp_path / "nope.npz")


def test_load_mnist_wrong_file(tmp_path):
    np.savez(tmp_path / "bad.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="missing arrays"):
        datasets.load_mnist(tmp_path / "bad.npz")
