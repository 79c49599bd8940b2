"""Image data for the identity question: scikit-learn's digits (shipped) and MNIST.

Both loaders return a :class:`sklearn.utils.Bunch` with ``X_train, X_test,
y_train, y_test`` (images flattened to rows, on their raw pixel scale as the
question uses them: 0..16 for the digits, 0..255 for MNIST) and ``source``.
"""

import os

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_digits", "load_mnist", "MNIST_URL"]

#: Where Keras downloads ``mnist.npz`` from (put it at ``~/.keras/datasets/mnist.npz``).
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"

_DEFAULT_MNIST = os.path.join("~", ".keras", "datasets", "mnist.npz")


def load_digits(test_size=0.25, random_state=0):
    """scikit-learn's 8x8 digits (1797 images, ships with scikit-learn): the MNIST stand-in.

    Parameters
    ----------
    test_size : float, default=0.25
        Held-out share, as in :func:`sklearn.model_selection.train_test_split`.
    random_state : int, RandomState or None, default=0
        Seed of the split.

    Returns
    -------
    Bunch
        ``X_train, X_test`` float64 of shape (n, 64), pixels 0..16;
        ``y_train, y_test`` the digit labels; ``source="sklearn digits"``.
    """
    from sklearn.datasets import load_digits as _load
    from sklearn.model_selection import train_test_split

    X, y = _load(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float64), y, test_size=test_size, random_state=random_state)
    return Bunch(X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test,
                 source="sklearn digits", pixel_max=16.0)


def load_mnist(path=None, download=True):
    """MNIST as Keras loads it: 60000 training and 10000 test images, pixels 0..255.

    Looked for, in order: `path`; ``~/.keras/datasets/mnist.npz`` (where
    ``keras.datasets.mnist.load_data()`` caches it); then, when `download` is
    true, :func:`sklearn.datasets.fetch_openml` ``("mnist_784")`` (needs the
    internet; its first 60000 rows are the training set, the last 10000 the
    test set, the same split as Keras's file).

    Parameters
    ----------
    path : str or path-like, optional
        A Keras-format ``mnist.npz`` (arrays ``x_train, y_train, x_test, y_test``).
    download : bool, default=True
        Whether to try OpenML when no local file is found.

    Returns
    -------
    Bunch
        ``X_train`` (60000, 784), ``X_test`` (10000, 784) float64 pixels 0..255,
        ``y_train, y_test`` labels, ``source`` (the file or "openml mnist_784").

    Raises
    ------
    FileNotFoundError
        `path` given but missing, or no local file and OpenML is unreachable (or
        `download` is false); the message says how to get the file, or to use
        :func:`load_digits` instead.
    """
    if path is not None:
        path = os.path.expanduser(os.fspath(path))
        if not os.path.isfile(path):
            raise FileNotFoundError(f"load_mnist: path {path!r} does not exist. Pass a "
                                    f"Keras-format mnist.npz (download it from {MNIST_URL}).")
        return _read_npz(path)
    default = os.path.expanduser(_DEFAULT_MNIST)
    if os.path.isfile(default):
        return _read_npz(default)
    reason = "download=False"
    if download:
        try:
            from sklearn.datasets import fetch_openml
            X, y = fetch_openml("mnist_784", version=1, return_X_y=True, as_frame=False)
        except Exception as exc:  # offline: URLError, OSError, HTTP errors, ...
            reason = f"fetch_openml('mnist_784') failed: {type(exc).__name__}: {exc}"
        else:
            X = np.asarray(X, dtype=np.float64)
            y = np.asarray(y).astype(np.int64)
            return Bunch(X_train=X[:60000], X_test=X[60000:], y_train=y[:60000],
                         y_test=y[60000:], source="openml mnist_784", pixel_max=255.0)
    raise FileNotFoundError(
        f"load_mnist: no MNIST found. No local file at {default}, and {reason}. Either "
        f"download {MNIST_URL} to {default} (or anywhere, and pass path=...), run "
        "load_mnist() once on a machine with internet access (scikit-learn caches the "
        "OpenML copy in ~/scikit_learn_data), or use exactfit.datasets.load_digits(), "
        "the 8x8 digits shipped with scikit-learn.")


def _read_npz(path):
    with np.load(path, allow_pickle=False) as f:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(f.files)
        if missing:
            raise ValueError(f"load_mnist: {path!r} is not a Keras-format mnist.npz: missing "
                             f"arrays {sorted(missing)} (found {f.files}).")
        x_train, x_test = f["x_train"], f["x_test"]
        y_train, y_test = f["y_train"], f["y_test"]
    return Bunch(X_train=x_train.reshape(len(x_train), -1).astype(np.float64),
                 X_test=x_test.reshape(len(x_test), -1).astype(np.float64),
                 y_train=y_train, y_test=y_test, source=path, pixel_max=255.0)
