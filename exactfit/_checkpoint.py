"""Checkpoints: long runs save each finished piece and resume where they stopped.

:func:`exactfit.benchmark` and :func:`exactfit.sweep` take ``checkpoint=path``.
The file records the arguments that determine the work (a fingerprint of the
data, the methods, the seeds, ...) and every finished piece (a benchmark run, a
sweep cell) under a key. It is rewritten atomically after each piece
(:func:`exactfit._io.write_json`), so a process killed at any moment (Ctrl-C,
SIGKILL, a power cut) leaves the last complete state. Called again with the same
file, the run loads the finished pieces instead of recomputing them; a file made
with other arguments is refused, so a resumed report is the report an
uninterrupted call gives.

Cost: the whole file is rewritten per piece, so a run of ``k`` pieces of ``s``
bytes writes about ``k^2 s / 2`` bytes in all. Measured (``python
benchmarks/faults.py``): 30 scikit-learn runs of 200 epochs give a 0.14 MB file
and cost 5% more time with the checkpoint than without, on a busy machine.
"""

import hashlib
import json
import os
import pickle

import numpy as np

from ._io import check_path, from_jsonable, read_json, to_jsonable, write_json

__all__ = ["Checkpoint", "data_fingerprint", "callable_fingerprint", "normalise"]

_FORMAT = "exactfit-checkpoint-1"


def data_fingerprint(*arrays):
    """SHA-256 of the arrays' shapes and bytes (float64, C order)."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a, dtype=np.float64)
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def callable_fingerprint(fn):
    """A text that changes when `fn` (with any bound arguments) changes.

    Picklable callables (module-level functions, ``functools.partial`` of them,
    what parallel trials need anyway) are fingerprinted by their pickle, which
    names the function and holds every bound argument; others by their name.
    """
    try:
        return "pickle:" + hashlib.sha256(pickle.dumps(fn, protocol=4)).hexdigest()
    except Exception:  # lambdas, closures: not picklable
        return "name:" + f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(type(fn)))}"


class Checkpoint:
    """A JSON file of finished pieces of work, keyed, for one set of arguments.

    Parameters
    ----------
    path : str or os.PathLike
    kind : str
        What writes it ("benchmark", "sweep"); a file of another kind is refused.
    args : dict
        JSON-ready description of everything that determines the work. An
        existing file with different ``args`` is refused with a ValueError
        naming the arguments that differ.
    """

    def __init__(self, path, kind, args, name="checkpoint"):
        self.path = check_path(path, name)
        self.kind = kind
        self.args = normalise(args)
        self.done = {}
        stored = self.peek(self.path, kind, name)
        if stored is not None:
            differ = sorted(k for k in set(self.args) | set(stored["args"])
                            if self.args.get(k) != stored["args"].get(k))
            if differ:
                raise ValueError(
                    f"{name} {self.path!r} was made by a {kind} with different arguments "
                    f"({', '.join(differ)}); resuming it would mix two runs. Give the same "
                    f"arguments, another file, or delete it to start over.")
            self.done = stored["done"]
        else:
            self._write()

    @staticmethod
    def peek(path, kind, name="checkpoint"):
        """The stored ``{"args": ..., "done": ...}`` of the file at `path`, or None when
        there is no file; ValueError when it is not a `kind` checkpoint."""
        path = check_path(path, name)
        if not os.path.exists(path):
            return None
        d = read_json(path, name)
        if not (isinstance(d, dict) and d.get("format") == _FORMAT):
            raise ValueError(f"{name} {path!r} is not an exactfit checkpoint (a report saved "
                             "by .save() is not one); give another file name.")
        if d.get("kind") != kind:
            raise ValueError(f"{name} {path!r} is a {d.get('kind')} checkpoint, not a {kind} "
                             "one.")
        if not isinstance(d.get("args"), dict) or not isinstance(d.get("done"), dict):
            raise ValueError(f"{name} {path!r} is damaged (no args or done section).")
        return d

    @staticmethod
    def key(*parts):
        """A string key from JSON-ready parts."""
        return json.dumps(list(parts))

    def __contains__(self, key):
        return key in self.done

    def __getitem__(self, key):
        return self.done[key]

    def put(self, key, value):
        """Record a finished piece, rewrite the file atomically, and return the piece as
        it reads back from the file (use that, so a resumed run sees the same values)."""
        self.done[key] = value = normalise(value)
        self._write()
        return value

    def _write(self):
        write_json(self.path, {"format": _FORMAT, "kind": self.kind, "args": self.args,
                               "done": self.done})


def normalise(value):
    """`value` as it reads back from JSON (tuples as lists, numpy as Python, inf kept)."""
    return from_jsonable(json.loads(json.dumps(to_jsonable(value), allow_nan=False)))
