"""JSON files written atomically and read back with errors that name the file.

Every file exactfit writes (results, reports, checkpoints) goes through
:func:`write_json`: the text goes to a temporary file in the same directory,
which is flushed to disk and then renamed over the target with
:func:`os.replace`. A rename within one file system is atomic, so a process
killed at any moment leaves either the old file or the new one, never a
truncated mix. JSON has no NaN or infinity: they are stored as
``{"__float__": "nan"}`` (and ``"inf"``, ``"-inf"``) and restored on reading.
"""

import json
import math
import os
import tempfile

import numpy as np

__all__ = ["write_json", "write_text", "atomic_path", "read_json", "to_jsonable",
           "from_jsonable", "check_path"]

_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def to_jsonable(obj):
    """`obj` with numpy scalars and arrays as Python values, non-finite floats tagged."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return {"__float__": "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        return to_jsonable(to_dict())
    raise TypeError(f"cannot write {type(obj).__name__} to JSON.")


def from_jsonable(obj):
    """Inverse of :func:`to_jsonable` for the tagged floats."""
    if isinstance(obj, dict):
        if len(obj) == 1 and "__float__" in obj and obj["__float__"] in _SPECIAL:
            return _SPECIAL[obj["__float__"]]
        return {k: from_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [from_jsonable(v) for v in obj]
    return obj


def check_path(path, name="path"):
    """A file name (str or os.PathLike) as a str."""
    try:
        return os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(f"{name} must be a file name (str or os.PathLike); got "
                        f"{type(path).__name__}.") from None


def write_json(path, obj, indent=None):
    """Write `obj` as JSON to `path` atomically (temporary file + :func:`os.replace`).

    The whole text is built first, so an object that cannot be serialised leaves
    `path` untouched.
    """
    path = check_path(path)
    write_text(path, json.dumps(to_jsonable(obj), indent=indent, allow_nan=False))


def write_text(path, text):
    """Write `text` to `path` atomically: a process killed at any moment leaves the old
    file or the new one."""
    with atomic_path(path) as tmp:
        with open(tmp, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())


class atomic_path:
    """``with atomic_path(path) as tmp:`` write a file named `tmp` (any writer: a
    figure's ``savefig``, ``np.save``); on a clean exit it is renamed over `path`, on
    an error or Ctrl-C it is removed and `path` is untouched. The file gets the usual
    permissions (``0o666`` less the umask), not :func:`tempfile.mkstemp`'s private ones.
    """

    def __init__(self, path, name="path"):
        self.path = check_path(path, name)

    def __enter__(self):
        folder = os.path.dirname(os.path.abspath(self.path))
        base, ext = os.path.splitext(os.path.basename(self.path))
        # The real extension last: writers such as savefig choose the format by it.
        fd, self.tmp = tempfile.mkstemp(prefix="." + base + ".", suffix=".tmp" + ext,
                                        dir=folder)
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
        return False


def read_json(path, what="file"):
    """Parse the JSON file `path`; a missing, unreadable or truncated file raises an
    error naming it (``what`` says what it should hold, for the message)."""
    path = check_path(path)
    try:
        with open(path) as fh:
            text = fh.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} {path!r} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {what} {path!r}: {exc}") from None
    try:
        return from_jsonable(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} {path!r} is not valid JSON ({exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno}): truncated or not written by exactfit.") from None
