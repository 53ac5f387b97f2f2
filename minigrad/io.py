"""Save and load state dicts as ``.npz`` archives: atomic writes, and no pickle either way.

``save`` writes every array with ``allow_pickle=False`` into a temporary file
in the destination folder, fsyncs it, then renames it over the destination
(``os.replace``): a reader sees the old file or the new one, never half of one.
``load`` reads with ``allow_pickle=False``, so a file cannot run code; anything
that is not an archive of numeric arrays raises ``LoadError`` naming the file.
"""

from __future__ import annotations

import errno
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


_TMP_TAG = ".minigrad-"  # temporaries: .<name>.minigrad-<pid>-<random>.tmp beside the target
_DEFLATE_MAX_RATIO = 1032  # zlib cannot expand a deflated stream by more than about 1032:1


def _user_error(exc: OSError, path: str, doing: str) -> OSError:
    """The same kind of OSError, naming the user's path instead of a temporary file."""
    reason = exc.strerror or str(exc)
    return (
        type(exc)(exc.errno, f"{doing} {path!r}: {reason}") if exc.errno else type(exc)(f"{doing} {path!r}: {reason}")
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (owned by someone else), or we cannot tell: keep its file
    return True


def _remove_stale_temporaries(folder: str, name: str) -> None:
    """Delete temporaries of ``name`` left by saves whose process has died (killed mid-write)."""
    prefix = "." + name + _TMP_TAG
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if not (entry.startswith(prefix) and entry.endswith(".tmp")):
            continue
        pid_text = entry[len(prefix) :].split("-", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _pid_alive(int(pid_text)):
            try:
                os.unlink(os.path.join(folder, entry))
            except OSError:
                pass


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write a Module's ``state_dict()`` (or a dict name → array) to ``path`` as ``.npz``, atomically.

    The file is written exactly at ``path`` (no suffix is added); ``mg.load``
    or ``np.load`` reads it back bit for bit. The archive is first written to a
    hidden temporary file beside ``path``; temporaries of the same target left
    by a save that was killed are deleted first.

    Raises ``TypeError`` for anything but a Module or a dict of numeric arrays,
    ``ValueError`` for an empty path, and ``OSError`` (its usual subclass:
    ``FileNotFoundError``, ``IsADirectoryError``, ``PermissionError`` ...) naming
    ``path`` when the file cannot be written.
    """
    state = _state_of(obj)
    path = os.fspath(path)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    if not path:
        raise ValueError("save: the path is empty; give a file name such as 'model.npz'")
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, f"save: {path!r} is a folder; give a file name such as 'model.npz'")
    folder = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, f"save: cannot write {path!r}: the folder {folder!r} does not exist")
    _remove_stale_temporaries(folder, name)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}{_TMP_TAG}{os.getpid()}-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _user_error(exc, path, "save: cannot write") from None
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
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _user_error(exc, path, "save: cannot write") from None
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


def _check_claims(path: str) -> None:
    """Refuse an entry whose header claims more bytes than the archive can hold, before NumPy allocates them."""
    real_size = os.path.getsize(path)
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                else:
                    raise LoadError(f"load: {path!r} entry {info.filename!r} has an unknown .npy version {version}")
            claim = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if info.compress_type == zipfile.ZIP_STORED:
                room = min(info.compress_size, real_size)
            else:
                room = min(info.file_size, min(info.compress_size, real_size) * _DEFLATE_MAX_RATIO)
            if claim > room:
                raise LoadError(
                    f"load: {path!r} entry {info.filename!r} claims a {dtype} array of shape {tuple(shape)} "
                    f"({claim:,} bytes) but the {real_size:,}-byte archive cannot hold it: damaged or forged"
                )


def load(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a ``.npz`` state dict: {name: array}. Never unpickles.

    Raises ``FileNotFoundError`` for a missing file and ``LoadError`` for
    anything else that is not a readable archive of numeric arrays (a text or
    ``.npy`` file, a truncated or corrupted archive, an object/pickled array,
    an entry whose header claims more data than the file holds).
    """
    path = os.fspath(path)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    if not path:
        raise ValueError("load: the path is empty")
    with open(path, "rb") as f:
        head = f.read(4)
    if head not in _ZIP_MAGIC:
        raise LoadError(f"load: {path!r} is not an .npz archive (it does not start with a zip header)")
    state: dict[str, np.ndarray] = {}
    try:
        _check_claims(path)
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
