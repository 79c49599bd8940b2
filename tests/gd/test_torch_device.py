"""A device this torch build cannot use is a ValueError naming `device` (no GPU needed)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch backend needs PyTorch")

from exactfit.gd import train_gd_many  # noqa: E402

X = np.array([[0.0], [1.0]])
y = np.array([0.0, 1.0])


def test_cuda_on_a_build_without_it_names_the_device():
    if torch.cuda.is_available():  # pragma: no cover (GPU machines)
        r = train_gd_many(X, y, seeds=[0], epochs=1, device="cuda", progress=False)[0]
        assert r.device.startswith("cuda")
        return
    # a CPU-only build: torch itself raises AssertionError at the first tensor
    with pytest.raises(ValueError, match=r"device='cuda'.*available here: cpu"):
        train_gd_many(X, y, seeds=[0], epochs=1, device="cuda", progress=False)


@pytest.mark.parametrize("device", ["tpu", "cuda:99", 3.5])
def test_unusable_or_malformed_device(device):
    if device == "cuda:99" and torch.cuda.device_count() > 99:  # pragma: no cover
        pytest.skip("a machine with 100 GPUs")
    with pytest.raises(ValueError, match="device"):
        train_gd_many(X, y, seeds=[0], epochs=1, device=device, progress=False)


def test_cpu_and_default_devices_work():
    r = train_gd_many(X, y, seeds=[0], epochs=1, device="cpu", progress=False)[0]
    assert r.device == "cpu"
    r = train_gd_many(X, y, seeds=[0], epochs=1, device=torch.device("cpu"), progress=False)[0]
    assert r.device == "cpu"
