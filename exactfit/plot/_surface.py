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

    def plot(self, ax=None, kind="3d", cmap="viridis", zlim=None):
        """Draw the surface: ``kind="3d"`` (needs a 3-D axes, made if `ax` is None) or ``"contour"``.

        `zlim` ``(low, high)`` fixes the z range (3-D) or colour range (contour), so
        that several surfaces can be compared on one scale.
        """
        import matplotlib.pyplot as plt

        if kind not in ("3d", "contour"):
            raise ValueError(f"kind must be '3d' or 'contour'; got {kind!r}.")
        if ax is None:
            fig = plt.figure()
            ax = fig.add_subplot(projection="3d" if kind == "3d" else None)
        vmin, vmax = zlim if zlim is not None else (None, None)
        if kind == "3d":
            ax.plot_surface(self.xx, self.yy, self.zz, cmap=cmap, linewidth=0, antialiased=True,
                            vmin=vmin, vmax=vmax)
            if zlim is not None:
                ax.set_zlim(*zlim)
            ax.set_zlabel("output")
        else:
            cs = ax.contourf(self.xx, self.yy, self.zz, levels=20, cmap=cmap, vmin=vmin,
                             vmax=vmax)
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
        """Draw the lines; units whose line misses the data box are shown beyond it.

        The view grows to take in lines up to one box size away from the box (the
        box is then outlined); a line further out is marked at the box's edge with
        its distance. An arrow on each line points to the side where the unit is
        active.
        """
        import matplotlib.pyplot as plt
        from matplotlib.patches import Rectangle

        if ax is None:
            _, ax = plt.subplots(layout="constrained")
        x0, x1, y0, y1 = self.extent
        c = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        half = np.array([(x1 - x0) / 2, (y1 - y0) / 2])
        corners = np.array([[x0, y0], [x0, y1], [x1, y0], [x1, y1]])
        if self.X is not None:
            ax.scatter(self.X[:, 0], self.X[:, 1], s=2, c="0.85", zorder=0)
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        # Where each unit's line is: the point closest to the box centre, and whether
        # it crosses the box.
        lo, hi = np.array([x0, y0]), np.array([x1, y1])
        far = []
        for u, (w, b) in enumerate(zip(self.weights.T, self.biases)):
            nrm = np.linalg.norm(w)
            if nrm == 0:
                continue
            p0 = c - (w @ c + b) * w / nrm ** 2
            s = corners @ w + b
            crosses = s.min() <= 0 <= s.max()
            if crosses:
                continue
            if np.all(np.abs(p0 - c) <= 3 * half):
                # Take in a stretch of the line around its nearest point, not the point alone.
                d = np.array([-w[1], w[0]]) / nrm * 0.5 * float(np.min(half))
                ends = np.array([p0 - d, p0 + d])
                lo = np.minimum(lo, ends.min(axis=0) - 0.1 * half)
                hi = np.maximum(hi, ends.max(axis=0) + 0.1 * half)
            else:
                far.append(u)
        span = float(np.max(hi - lo))
        t = np.array([-2.0, 2.0]) * span
        for u, (w, b, st) in enumerate(zip(self.weights.T, self.biases, self.status)):
            nrm = np.linalg.norm(w)
            color = "0.5" if st == "dead" else colors[u % len(colors)]
            style = {"dead": "--", "linear": ":"}.get(st, "-")
            if nrm == 0:
                ax.plot([], [], style, color=color, label=f"unit {u} ({st}; zero weights)")
                continue
            p0 = c - (w @ c + b) * w / nrm ** 2
            d = np.array([-w[1], w[0]]) / nrm
            label = f"unit {u} ({st})"
            if u in far:
                dist = abs(w @ c + b) / nrm - float(np.abs(w / nrm) @ half)
                toward = np.clip(p0 - c, -half, half)
                ax.annotate(f"unit {u}: its line is\n{dist:.2g} beyond the box", xy=c + toward,
                            xytext=c + 0.6 * toward, color=color, fontsize="small",
                            ha="center", va="center",
                            arrowprops={"arrowstyle": "->", "color": color})
                ax.plot([], [], style, color=color, label=label + ", line off the view")
                continue
            ax.plot(p0[0] + t * d[0], p0[1] + t * d[1], style, color=color, lw=1.8, label=label)
            # The arrow sits where the line is nearest the box centre, inside the view.
            a = np.clip(p0, lo, hi)
            ax.annotate("", xy=a + 0.12 * span * w / nrm, xytext=a,
                        arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5})
        if np.any(lo < [x0, y0]) or np.any(hi > [x1, y1]):
            ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="k", lw=1,
                                   ls="-", label="data box"))
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_aspect("equal")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        # Below the axes: inside, it would hide lines near the box's edge.
        ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2,
                  title="arrow: the side where the unit is active", title_fontsize="x-small")
        if title:
            ax.set_title(title)
        self.ax_, self.figure_ = ax, ax.figure
        return self
