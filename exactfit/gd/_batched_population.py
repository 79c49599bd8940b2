"""The population gradient of Safran & Shamir's objective for many students at once (PyTorch).

``F(W) = E[(sum_j relu(w_j . x) - sum_i relu(v_i . x))^2] / 2`` for ``x ~ N(0, I)``
(closed form: :mod:`exactfit.population`), for a batch of students ``W`` of shape
``(K, d, n)`` in float64, as their ``findMinimum.m`` computes it: ``2 pi grad F``.
"""

import math

import numpy as np

from ..population import population_mse

__all__ = []


class _Grad2Pi:
    """``2 pi grad F`` of up to K runs at once, into preallocated buffers.

    For W (K, d, n): ``G[:, j] = w_j/|w_j| (sum_i |w_i| sin t_ij - sum_i |v_i| sin
    p_ij) + sum_i (pi - t_ij) w_i - sum_i (pi - p_ij) v_i``, with ``t_ij`` the
    angle between student units and ``p_ij`` between teacher unit i and student
    unit j (``findMinimum.m``'s ``gWW - gWV``). ``sin(acos c)`` is taken as
    ``sqrt(1 - c^2)``. Fresh tensors of a few hundred kB per step would cost more
    than the arithmetic (mmap and page faults), hence the buffers; a batch of
    K' < K runs uses their first K' rows.
    """

    def __init__(self, torch, V, K, device):
        self.torch = torch
        f64 = torch.float64
        d, k = V.shape
        self.k = k
        # the teacher of the paper (first k axes) needs no products with V
        self.axes = bool(np.array_equal(V, np.eye(d)[:, :k]))
        self.V = torch.tensor(V, dtype=f64, device=device)
        norms = torch.linalg.vector_norm(self.V, dim=0)
        self.VnT = (self.V / norms).T.contiguous()  # (k, d)
        self.Vnorm = norms[None, None, :]  # (1, 1, k)
        # the teacher-teacher term of F, a constant
        self.F_teacher = 0.5 * population_mse(V, np.zeros((d, 1)))
        self._K, self._device, self._d = K, device, d
        self._bufs = None  # made at the first call, when n is known

    def _buffers(self, n):
        if self._bufs is None:
            torch, K, d, k = self.torch, self._K, self._d, self.k
            e = lambda *shape: torch.empty(shape, dtype=torch.float64,  # noqa: E731
                                           device=self._device)
            self._bufs = dict(sq=e(K, d, n), Wn=e(K, d, n), G=e(K, d, n), r=e(K, 1, n),
                              coef=e(K, 1, n), coefV=e(K, 1, n), C=e(K, n, n),
                              S=e(K, n, n), D=e(K, k, n), SD=e(K, k, n),
                              VD=None if self.axes else e(K, d, n))
        return self._bufs

    def objective(self, W):
        """``F`` of every run in W (K, d, n), with fresh tensors (called now and then)."""
        torch = self.torch
        r = torch.linalg.vector_norm(W, dim=1)  # (K, n)
        Wn = W / r[:, None, :]
        h = lambda C: torch.sqrt(torch.clamp(1 - C * C, min=0.0)) + (  # noqa: E731
            math.pi - torch.acos(C)) * C
        Cww = torch.clamp(Wn.transpose(1, 2) @ Wn, -1.0, 1.0)
        Cvw = torch.clamp(self.VnT @ Wn, -1.0, 1.0)
        ww = (r[:, :, None] * h(Cww) * r[:, None, :]).sum((1, 2))
        vw = (self.Vnorm[0, 0][None, :, None] * h(Cvw) * r[:, None, :]).sum((1, 2))
        return (0.5 * ww - vw) / (2 * math.pi) + self.F_teacher

    def __call__(self, W):
        torch, k = self.torch, self.k
        K = W.shape[0]
        b = {name: (x[:K] if x is not None else None)
             for name, x in self._buffers(W.shape[2]).items()}
        Wn, G, r, coef, C, S, D, SD = (b[x] for x in ("Wn", "G", "r", "coef", "C", "S", "D",
                                                      "SD"))
        torch.mul(W, W, out=b["sq"])
        torch.sum(b["sq"], 1, keepdim=True, out=r)
        r.sqrt_()
        torch.div(W, r, out=Wn)
        # students against students
        torch.bmm(Wn.transpose(1, 2), Wn, out=C)
        C.clamp_(-1.0, 1.0)
        torch.mul(C, C, out=S)
        S.neg_().add_(1.0).clamp_min_(0.0).sqrt_()  # sin t
        torch.bmm(r, S, out=coef)
        C.acos_().neg_().add_(math.pi)  # pi - t
        torch.bmm(W, C, out=G)
        # teacher against students
        if self.axes:
            torch.clamp(Wn[:, :k, :], -1.0, 1.0, out=D)
        else:
            torch.matmul(self.VnT, Wn, out=D)
            D.clamp_(-1.0, 1.0)
        torch.mul(D, D, out=SD)
        SD.neg_().add_(1.0).clamp_min_(0.0).sqrt_()  # sin p
        if self.axes:
            torch.sum(SD, 1, keepdim=True, out=b["coefV"])
        else:
            torch.matmul(self.Vnorm, SD, out=b["coefV"])
        coef.sub_(b["coefV"])
        D.acos_().neg_().add_(math.pi)  # pi - p
        if self.axes:
            G[:, :k, :].sub_(D)
        else:
            G.sub_(torch.matmul(self.V, D, out=b["VD"]))
        G.addcmul_(Wn, coef)
        return G
