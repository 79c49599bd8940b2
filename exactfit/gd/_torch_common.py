"""What every torch trainer shares: the lazy import, seeds, the device, protocols.

torch is imported only when a trainer is called, so ``import exactfit`` works
without it.
"""

import numbers
from dataclasses import dataclass, field

import numpy as np

__all__ = ["TORCH_INSTALL_HINT", "Protocol"]

TORCH_INSTALL_HINT = ('pip install torch==2.13.0   (or: pip install "exactfit[torch]")')


def _import_torch():
    try:
        import torch
    except ImportError:
        raise ImportError("The torch backend of exactfit needs PyTorch, which is not "
                          f"installed. Install it with: {TORCH_INSTALL_HINT}") from None
    return torch


def _check_seeds(seeds):
    if isinstance(seeds, (numbers.Integral, str)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be an iterable of non-negative ints (e.g. range(100)); "
                        f"got {seeds!r}.")
    seeds = list(seeds)
    if len(seeds) == 0:
        raise ValueError("seeds is empty: give at least one seed.")
    for s in seeds:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"seeds must hold non-negative ints; got {s!r}.")
    return [int(s) for s in seeds]


def _check_device(torch, device):
    """A usable ``torch.device`` from `device` (None: cuda when available, else cpu).

    A device this torch build cannot use (``"cuda"`` on a CPU-only build, a GPU
    index that does not exist, ``"mps"`` off a Mac) is a ValueError naming
    `device` here, not an AssertionError from deep inside torch at the first
    tensor.
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device: {exc}") from None
    try:
        torch.empty(1, device=device)
    except (AssertionError, RuntimeError, TypeError, ValueError) as exc:
        avail = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            avail.append("mps")
        # torch's first sentence says why; the rest can be a page of backend names
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0].split(". ")[0]
        raise ValueError(f"device={str(device)!r} cannot be used by this torch build "
                         f"({torch.__version__}; available here: {', '.join(avail)}): "
                         f"{why}") from None
    return device


@dataclass(frozen=True)
class Protocol:
    """How a training loop is run, besides the network and the optimizer's rule.

    Attributes
    ----------
    name : str
    defaults : dict
        ``epochs``, ``batch_size``, ``schedule`` and, optionally, ``learning_rate``
        (else the optimizer's Keras default).
    shuffle : bool
        A fresh per-seed shuffle every epoch (else batches in data order).
    optimizers : tuple of str or None
        The optimizers the protocol allows (None: every Keras optimizer).
    optimizer_reason : str
        Why only those (for the error message).
    """

    name: str
    defaults: dict = field(default_factory=dict)
    shuffle: bool = True
    optimizers: tuple = None
    optimizer_reason: str = ""

    def check_optimizer(self, optimizer):
        if self.optimizers is not None and optimizer not in self.optimizers:
            allowed = " or ".join(f'"{o}"' for o in self.optimizers)
            raise ValueError(f'protocol="{self.name}" {self.optimizer_reason}: optimizer must '
                             f"be {allowed}; got {optimizer!r}.")
