"""Dense networks with a trailing seed axis: forward and hand-written backward (PyTorch).

Every seed is an independent network; K of them are one computation with
parameters of shape ``(n_in, n_out, K)``, so each elementwise operation runs over
all seeds at once. Gradients are written out by hand (the network is a plain
dense net): no autograd bookkeeping, and buffers preallocated once.
"""

from ..activations import LEAKY_SLOPE, SELU_ALPHA, SELU_SCALE

# ---------------------------------------------------------------------------
# Activations on torch tensors, matching exactfit.activations exactly. Both halves
# write into preallocated buffers (`out=`): the per-step tensors are small, and
# fresh allocations of a few hundred kB (mmap + page faults) would cost more than
# the arithmetic.

def _activation_pair(torch, name, relu_grad_at_zero):
    """``(forward(z, out), backward(G, z, a, out))`` for activation `name`.

    ``backward`` writes ``G * f'(z)`` (``a = f(z)``) with torch's fused
    ``*_backward`` kernels, using exactfit's derivatives (ReLU and leaky ReLU at
    exactly 0: the left derivative, unless `relu_grad_at_zero` says otherwise).
    Returns ``(None, None)`` for "linear".
    """
    aten, nn = torch.ops.aten, torch._C._nn
    if name == "relu":
        fwd = lambda z, out: torch.clamp_min(z, 0, out=out)  # noqa: E731
        if relu_grad_at_zero == 0.0:
            return fwd, lambda G, z, a, out: aten.threshold_backward.grad_input(
                G, a, 0, grad_input=out)
        g0 = relu_grad_at_zero
        return fwd, lambda G, z, a, out: torch.mul(
            G, (z > 0).to(z.dtype).add_((z == 0).to(z.dtype), alpha=g0), out=out)
    if name == "leaky_relu":
        return (lambda z, out: nn.leaky_relu(z, LEAKY_SLOPE, out=out),
                lambda G, z, a, out: aten.leaky_relu_backward.grad_input(
                    G, z, LEAKY_SLOPE, False, grad_input=out))
    if name in ("elu", "selu"):
        alpha, scale = (1.0, 1.0) if name == "elu" else (SELU_ALPHA, SELU_SCALE)
        return (lambda z, out: nn.elu(z, alpha, scale, 1.0, out=out),
                lambda G, z, a, out: aten.elu_backward.grad_input(
                    G, alpha, scale, 1.0, False, z, grad_input=out))
    if name == "tanh":
        return (lambda z, out: torch.tanh(z, out=out),
                lambda G, z, a, out: aten.tanh_backward.grad_input(G, a, grad_input=out))
    if name == "sigmoid":
        return (lambda z, out: torch.sigmoid(z, out=out),
                lambda G, z, a, out: aten.sigmoid_backward.grad_input(G, a, grad_input=out))
    if name == "softplus":
        # log(1 + e^z) exactly (F.softplus switches to z above 20)
        def fwd(z, out):
            return torch.logaddexp(z, torch.zeros((), dtype=z.dtype, device=z.device), out=out)
        return fwd, lambda G, z, a, out: torch.mul(G, torch.sigmoid(z), out=out)
    if name == "linear":
        return None, None
    raise ValueError(f"Unknown activation {name!r}.")  # pragma: no cover (validated before)


# ---------------------------------------------------------------------------
# Dense layers with a trailing seed axis: activations (B, n, K), W (n_in, n_out, K),
# b (n_out, K). The seed axis is the contiguous one, so small layers are a few
# elementwise ops over all seeds (much faster than K tiny matmuls); wide layers
# fall back to einsum.
#
# Every tensor a step touches is a view made once (per batch size, per data
# buffer), not sliced or unsqueezed again at every step: at these sizes a view
# costs about as much Python and dispatch time as a small arithmetic op.

_LOOP_MAX_IN = 8
_BROADCAST_MAX = 32


class _BatchedNet:
    """Views into a flat ``(n_params, K)`` tensor laid out like ``Network.to_flat``:
    per layer ``W`` (n_in, n_out, K), ``b`` (n_out, K), the rows ``W[i]`` and the
    first column ``W[:, 0]``."""

    def __init__(self, flat, sizes):
        K = flat.shape[1]
        self.W, self.b, self.rows, self.col0 = [], [], [], []
        o = 0
        for a, c in zip(sizes[:-1], sizes[1:]):
            W = flat[o:o + a * c].view(a, c, K)
            o += a * c
            self.W.append(W)
            self.b.append(flat[o:o + c])
            o += c
            self.rows.append([W[i] for i in range(a)])
            self.col0.append(W[:, 0])


class _Workspace:
    """Preallocated forward (and backward) buffers for batches of up to `rows`
    samples; ``views(B)`` gives the views for a batch of B."""

    def __init__(self, torch, sizes, rows, K, acts, dtype, device, dropout, backward=True):
        new = lambda *shape: torch.empty(shape, dtype=dtype, device=device)  # noqa: E731
        self.sizes, self.acts, self.backward = sizes, acts, backward
        n = len(sizes) - 1
        self.Z, self.A, self.Am, self.dZ, self.G, self.prod = [], [], [], [], [], []
        for l, (a, c) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.Z.append(new(rows, c, K))
            self.A.append(new(rows, c, K) if acts[l][0] is not None else None)
            self.Am.append(new(rows, c, K) if (dropout and l < n - 1) else None)
            self.dZ.append(new(rows, c, K) if (backward and acts[l][1] is not None) else None)
            self.G.append(new(rows, a, K) if (backward and l > 0) else None)
            self.prod.append(new(rows, a, c, K)
                             if (backward and a * c <= _BROADCAST_MAX) else None)
        self.R = new(rows, sizes[-1], K)
        self._views = {}

    def views(self, B):
        """The :class:`_Views` of a batch of `B` samples (made once per B)."""
        if B not in self._views:
            self._views[B] = _Views(self, B)
        return self._views[B]


class _Views:
    """Views of a :class:`_Workspace` for a batch of B samples.

    Per layer l: ``z`` pre-activation and ``a`` activation (B, n_out, K); ``am``
    the dropout-masked activation; ``inp[l]``, ``cols[l]`` and ``inp_u[l]`` the
    input of layer l >= 1, its columns (B, 1, K) and it unsqueezed for the
    gradient product; ``dz`` and ``dz_u`` dL/dz (and unsqueezed); ``g[l]``
    dL/d(input); ``prod`` the product buffer.
    """

    def __init__(self, ws, B):
        n = len(ws.sizes) - 1
        self.R = ws.R[:B]
        self.z, self.a, self.am, self.dz, self.g, self.prod = ([] for _ in range(6))
        self.inp, self.cols, self.inp_u = [None], [None], [None]
        for l, c in enumerate(ws.sizes[1:]):
            z = ws.Z[l][:B]
            act = z if ws.A[l] is None else ws.A[l][:B]
            self.z.append(z)
            self.a.append(act)
            self.am.append(None if ws.Am[l] is None else ws.Am[l][:B])
            if l < n - 1:
                feed = act if ws.Am[l] is None else self.am[l]
                self.inp.append(feed)
                self.cols.append([feed[:, i:i + 1] for i in range(c)])
                self.inp_u.append(feed.unsqueeze(2))
            self.dz.append(None if ws.dZ[l] is None else ws.dZ[l][:B])
            self.g.append(None if ws.G[l] is None else ws.G[l][:B])
            self.prod.append(None if ws.prod[l] is None else ws.prod[l][:B])
        # dL/dz of each layer, unsqueezed for the gradient product: what the
        # activation's backward writes, else dL/d(output) (R or the next layer's g)
        self.dz_u = []
        if ws.backward:
            for l in range(n):
                if ws.acts[l][1] is not None:
                    dz = self.dz[l]
                else:
                    dz = self.R if l == n - 1 else self.g[l + 1]
                self.dz_u.append(dz.unsqueeze(1))


def _batches(XY, d, batch_size):
    """Mini-batches of a data tensor `XY` of shape ``(d + n_out, N, K or 1)`` (the
    inputs, then the targets).

    Returns, per batch: its size B, the input columns (B, 1, K), the inputs
    (B, d, K), them unsqueezed (B, d, 1, K), and the targets (B, n_out, K).
    """
    X = XY[:d].permute(1, 0, 2)
    Y = XY[d:].permute(1, 0, 2)
    N = XY.shape[1]
    out = []
    for s in range(0, N, batch_size):
        e = min(s + batch_size, N)
        inp = X[s:e]
        out.append((e - s, [inp[:, i:i + 1] for i in range(d)], inp, inp.unsqueeze(2),
                    Y[s:e]))
    return out


def _forward(torch, net, acts, v, cols, inp, masks=None):
    """Forward pass of a batch (inputs `inp`, their columns `cols`) into the views
    `v`; returns the network output (a view into the workspace)."""
    n = len(net.W)
    for l in range(n):
        z = v.z[l]
        rows = net.rows[l]
        if len(rows) <= _LOOP_MAX_IN:
            torch.addcmul(net.b[l], cols[0], rows[0], out=z)
            for i in range(1, len(rows)):
                z.addcmul_(cols[i], rows[i])
        else:
            z.copy_(torch.einsum("bik,iok->bok", inp.expand(-1, -1, z.shape[2]), net.W[l]))
            z.add_(net.b[l])
        f = acts[l][0]
        out = z if f is None else f(z, v.a[l])
        if l < n - 1:
            if masks is not None:
                out = torch.mul(out, masks[l], out=v.am[l])
            cols, inp = v.cols[l + 1], v.inp[l + 1]
    return out


def _backward(torch, net, grads, acts, v, inp0, inp0_u, R, masks=None):
    """Write dL/dtheta into the views of `grads`, given ``R = dL/d output`` (``v.R``)
    and the batch's inputs `inp0` (and them unsqueezed, `inp0_u`)."""
    G = R
    for l in range(len(net.W) - 1, -1, -1):
        back = acts[l][1]
        dZ = G if back is None else back(G, v.z[l], v.a[l], v.dz[l])
        prod = v.prod[l]
        W = net.W[l]
        if prod is not None:
            torch.mul(inp0_u if l == 0 else v.inp_u[l], v.dz_u[l], out=prod)
            torch.sum(prod, 0, out=grads.W[l])
        else:
            inp = inp0 if l == 0 else v.inp[l]
            grads.W[l].copy_(torch.einsum("bik,bok->iok", inp.expand(-1, -1, dZ.shape[2]), dZ))
        torch.sum(dZ, 0, out=grads.b[l])
        if l > 0:
            Gin = v.g[l]
            if W.shape[1] == 1:
                torch.mul(dZ, net.col0[l], out=Gin)
            elif prod is not None:
                torch.mul(v.dz_u[l], W, out=prod)
                torch.sum(prod, 2, out=Gin)
            else:
                Gin.copy_(torch.einsum("bok,iok->bik", dZ, W))
            if masks is not None:
                Gin.mul_(masks[l - 1])
            G = Gin


