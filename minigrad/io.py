"""Save and load state dicts as ``.npz`` archives: atomic writes, and no pickle either way.

``save`` writes every array with ``allow_pickle=False`` into a temporary file
in the destination folder, fsyncs it, then renames it over the destination
(``os.replace``): a reader sees the old file or the new one, never half of one.
``load`` reads with ``allow_pickle=False``, so a file cannot run code; anything
that is not an archive of numeric arrays raises ``LoadError`` naming the file.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load", "LoadError"]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip entry, or an empty archive


class LoadError(ValueError):
    """The file is not a minigrad/NumPy ``.npz`` archive of numeric arrays (or it is damaged)."""


def _state_of(obj: Any) -> dict[str, np.ndarray]:
    state = obj.state_dict() if hasattr(obj, "state_dict") and callable(obj.state_dict) else obj
    if not isinstance(state, dict):
        raise TypeError(f"save: expected a Module or a dict of arrays, got {type(obj).__name__}")
    out = {}
    for key, value in state.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"save: state dict keys must be non-empty strings, got {key!r}")
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind not in "fiub":
            raise TypeError(f"save: {key!r} is a {array.dtype} array; only numeric arrays can be saved")
        out[key] = array
    return out


def _new_file_mode() -> int:
    """Permissions a plainly created file would get (0o666 minus the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write a Module's ``state_dict()`` (or a dict name → array) to ``path`` as ``.npz``, atomically.

    The file is written exactly at ``path`` (no suffix is added); ``mg.load``
    or ``np.load`` reads it back bit for bit.
    """
    state = _state_of(obj)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                for key, array in state.items():
                    with archive.open(key + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _new_file_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def load(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a ``.npz`` state dict: {name: array}. Never unpickles.

    Raises ``FileNotFoundError`` for a missing file and ``LoadError`` for
    anything else that is not a readable archive of numeric arrays (a text or
    ``.npy`` file, a truncated or corrupted archive, an object/pickled array).
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(4)
    if head not in _ZIP_MAGIC:
        raise LoadError(f"load: {path!r} is not an .npz archive (it does not start with a zip header)")
    state: dict[str, np.ndarray] = {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            for key in archive.files:
                array = archive[key]
                if not isinstance(array, np.ndarray):
                    raise LoadError(f"load: {path!r} entry {key!r} is not a NumPy array")
                if array.dtype.kind not in "fiub":
                    raise LoadError(f"load: {path!r} entry {key!r} is a {array.dtype} array, not numbers")
                state[key] = array
    except LoadError:
        raise
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile) as e:
        raise LoadError(f"load: {path!r} is damaged or not a state dict ({type(e).__name__}: {e})") from None
    return state
