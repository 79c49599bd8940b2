"""Bad input to the torch trainer: clear errors, raised before torch is needed."""

import builtins

import numpy as np
import pytest

from exactfit.gd import train_gd, train_gd_many, train_torch

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = np.array([1.0, 1.0, 1.4])


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(optimizer="adamw"), ValueError, "optimizer"),
    (dict(optimizer=3), TypeError, "optimizer"),
    (dict(activation="gelu"), ValueError, "activation"),
    (dict(output="swish"), ValueError, "output"),
    (dict(protocol="pytorch"), ValueError, "protocol"),
    (dict(loss="huber"), ValueError, "loss"),
    (dict(hidden=0), ValueError, "hidden"),
    (dict(hidden=(3, 0)), ValueError, r"hidden\[1\]"),
    (dict(dropout=1.0), ValueError, "dropout"),
    (dict(dropout=-0.1), ValueError, "dropout"),
    (dict(epochs=0), ValueError, "epochs"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(learning_rate=-1.0), ValueError, "learning_rate"),
    (dict(seeds=[]), ValueError, "seeds"),
    (dict(seeds=5), TypeError, "seeds"),
    (dict(seeds=[1, -2]), ValueError, "seeds"),
    (dict(protocol="flux", optimizer="adam"), ValueError, "sgd"),
    (dict(optimizer="adam", momentum=0.9), TypeError, "momentum"),
    (dict(optimizer="sgd", momentum=1.5), ValueError, "momentum"),
    (dict(optimizer="sgd", nesterov=True), ValueError, "nesterov"),
    (dict(schedule="cosine"), ValueError, "schedule"),
    (dict(dtype="float16"), ValueError, "dtype"),
    (dict(relu_grad_at_zero=2.0), ValueError, "relu_grad_at_zero"),
])
def test_bad_arguments_name_the_argument(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        train_gd_many(X, y, **{"seeds": [0], **kwargs})


def test_bad_data():
    with pytest.raises(ValueError, match="X"):
        train_gd_many([[np.nan, 1.0]], [1.0], seeds=[0])
    with pytest.raises(ValueError, match="samples"):
        train_gd_many(X, y[:2], seeds=[0])
    with pytest.raises(ValueError, match="optimizer"):
        train_torch(X, y, optimizer="lbfgs")


def test_missing_torch_says_how_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ImportError, match=r"pip install torch==2\.13\.0"):
        train_gd_many(X, y, seeds=[0], epochs=1)
    with pytest.raises(ImportError, match=r"exactfit\[torch\]"):
        train_gd(X, y, backend="torch")
