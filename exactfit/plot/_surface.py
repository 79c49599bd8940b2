"""What a 2-input network computes: its surface and its units' lines."""

import numpy as np

from .._validation import check_positive_int
from ..diagnose import diagnose

__all__ = ["SurfaceDisplay", "UnitLinesDisplay"]


def _check_2d(network):
    if network.n_inputs != 2 or network.n_outputs != 1:
        raise ValueError(f"these plots need a network with 2 inputs and 1 output; got "
                         f"{network!r}.")


def _extent(extent):
    extent = tuple(float(v) for v in extent)
    if len(extent) != 4 or extent[0] >= extent[1] or extent[2] >= extent[3]:
        raise ValueError(f"extent must be (xmin, xmax, ymin, ymax) with min < max; got {extent}.")
    return extent


class SurfaceDisplay:
    """The output of a 2-input network over a rectangle (pyramid or valley?).

    Create with :meth:`from_network`; draw with :meth:`plot`.

    Attributes
    ----------
    xx, yy, zz : ndarray
        The grid and the network's output on it.
    ax_, figure_ : matplotlib objects
        Set by :meth:`plot`.
    """

    def __init__(self, xx, yy, zz, title=None):
        self.xx, self.yy, self.zz, self.title = xx, yy, zz, title

    @classmethod
    def from_network(cls, network, extent=(-1, 1, -1, 1), resolution=80, title=None):
        """Evaluate `network` on a ``resolution x resolution`` grid over `extent`."""
        _check_2d(network)
        x0, x1, y0, y1 = _extent(extent)
        n = check_positive_int(resolution, "resolution", minimum=2)
        xx, yy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        zz = network.predict(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
        return cls(xx, yy, zz, title)

    def plot(self, ax=None, kind="3d", cmap="viridis"):
        """Draw the surface: ``kind="3d"`` (needs a 3-D axes, made if `ax` is None) or ``"contour"``."""
        import matplotlib.pyplot as plt

        if kind not in ("3d", "contour"):
            raise ValueError(f"kind must be '3d' or 'contour'; got {kind!r}.")
        if ax is None:
            fig = plt.figure()
            ax = fig.add_subplot(projection="3d" if kind == "3d" else None)
        if kind == "3d":
            ax.plot_surface(self.xx, self.yy, self.zz, cmap=cmap, linewidth=0, antialiased=True)
            ax.set_zlabel("output")
        else:
            cs = ax.contourf(self.xx, self.yy, self.zz, levels=20, cmap=cmap)
            ax.figure.colorbar(cs, ax=ax)
            ax.set_aspect("equal")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        if self.title:
            ax.set_title(self.title)
        self.ax_, self.figure_ = ax, ax.figure
        return self


class UnitLinesDisplay:
    """Each first-layer unit's line ``w . x + b = 0`` on the input plane.

    A tick shows the side where the unit is active; dead units are drawn dashed
    and grey, linear ones (active everywhere on the data) dotted.

    Attributes
    ----------
    weights : ndarray of shape (2, n_units)
    biases : ndarray of shape (n_units,)
    status : list of str
        "active", "dead" or "linear" per unit (on the data given, if any).
    """

    def __init__(self, weights, biases, status, extent, X=None):
        self.weights, self.biases, self.status = weights, biases, status
        self.extent, self.X = extent, X

    @classmethod
    def from_network(cls, network, X=None, extent=(-1, 1, -1, 1)):
        """Lines of `network`'s first hidden layer; `X` (the data) decides which units are dead."""
        _check_2d(network)
        if len(network.weights) < 2:
            raise ValueError("UnitLinesDisplay needs a network with a hidden layer.")
        W, b = network.weights[0], network.biases[0]
        status = ["active"] * W.shape[1]
        if X is not None:
            d = diagnose(network, X)
            for layer, u in d.dead:
                if layer == 0:
                    status[u] = "dead"
            for layer, u in d.linear:
                if layer == 0:
                    status[u] = "linear"
            X = np.asarray(X, dtype=float)
        return cls(W, b, status, _extent(extent), X)

    def plot(self, ax=None, title=None):
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        x0, x1, y0, y1 = self.extent
        if self.X is not None:
            ax.scatter(self.X[:, 0], self.X[:, 1], s=2, c="0.85", zorder=0)
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        t = np.linspace(-3, 3, 2)
        for u, (w, b, st) in enumerate(zip(self.weights.T, self.biases, self.status)):
            nrm = np.linalg.norm(w)
            color = "0.5" if st == "dead" else colors[u % len(colors)]
            style = {"dead": "--", "linear": ":"}.get(st, "-")
            if nrm == 0:
                continue
            p0 = -b * w / nrm ** 2  # closest point of the line to the origin
            d = np.array([-w[1], w[0]]) / nrm
            ax.plot(p0[0] + t * d[0] * (x1 - x0 + y1 - y0), p0[1] + t * d[1] * (x1 - x0 + y1 - y0),
                    style, color=color, label=f"unit {u} ({st})")
            c = np.clip(p0, [x0, y0], [x1, y1])
            ax.annotate("", xy=c + 0.15 * w / nrm, xytext=c,
                        arrowprops={"arrowstyle": "->", "color": color})
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(fontsize="small", loc="upper right")
        if title:
            ax.set_title(title)
        self.ax_, self.figure_ = ax, ax.figure
        return self
