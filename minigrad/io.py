"""Save and load state dicts as ``.npz`` or ``.safetensors`` files: atomic writes, and no pickle either way.

``save`` picks the format from the name: ``.safetensors`` writes the
safetensors format (through the optional ``safetensors`` library), anything
else an ``.npz`` archive that ``np.load`` also reads. Every key round-trips
exactly, or is refused before anything is written. The file is written to a
temporary beside the target, fsynced, then renamed over it (``os.replace``):
a reader sees the old file or the new one, never half of one, even after
Ctrl-C or ``kill -9``.

``load`` tells the formats apart by their first bytes, never unpickles, and
checks what an archive claims against its real size before allocating: a file
that is not a state dict of numeric arrays raises ``LoadError`` naming it.
"""

from __future__ import annotations

import errno
import io
import os
import secrets
import struct
import threading
import zipfile
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load", "LoadError"]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip entry, or an empty archive
_ZIP_NAME_MAX = 0xFFFF  # a zip member name's length is a 16-bit field
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature, 5 shorts, crc and sizes, name and extra lengths
_DEFLATE_MAX_RATIO = 1032  # zlib cannot expand a deflated stream by more than about 1032:1
_SAFETENSORS_HEADER_MAX = 100_000_000  # the safetensors library refuses larger JSON headers
_SAFETENSORS_DTYPES = frozenset(
    ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64"]
)
_SAFETENSORS_EXTRA = 'pip install "minigrad-np[safetensors]"'


class LoadError(ValueError):
    """The file is not an ``.npz`` or ``.safetensors`` state dict of numeric arrays (or it is damaged)."""


def _show(key: str) -> str:
    """``repr(key)``, shortened for a key too long to print whole."""
    return repr(key) if len(key) <= 80 else f"{key[:40]!r}... ({len(key):,} characters)"


def _as_path(path: str | os.PathLike, doing: str) -> str:
    path = os.fspath(path)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    if not path:
        raise ValueError(f"{doing}: the path is empty; give a file name such as 'model.npz'")
    return path


# --- what can be saved ------------------------------------------------------------------------------------------


def _state_of(obj: Any) -> dict[str, np.ndarray]:
    """The dict name -> ndarray to save; TypeError for anything but string keys and numeric arrays."""
    state = obj.state_dict() if hasattr(obj, "state_dict") and callable(obj.state_dict) else obj
    if not isinstance(state, dict):
        raise TypeError(f"save: expected a Module or a dict of arrays, got {type(obj).__name__}")
    out = {}
    for key, value in state.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"save: state dict keys must be non-empty strings, got {key!r}")
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind not in "fiub":
            raise TypeError(f"save: {_show(key)} is a {array.dtype} array; only numeric arrays can be saved")
        out[key] = array
    return out


def _utf8(key: str) -> bytes:
    """The key as UTF-8; ValueError for a key no file format can store (a lone surrogate)."""
    try:
        return key.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"save: the key {_show(key)} is not valid Unicode (a lone surrogate); rename it") from None


def _check_npz_keys(state: dict[str, np.ndarray]) -> None:
    """ValueError naming the first key a zip member name ``key + '.npy'`` would not store exactly."""
    changed = [sep for sep in (os.sep, os.altsep) if sep and sep != "/"]  # zipfile makes these "/" (Windows: "\\")
    for key in state:
        size = len(_utf8(key) + b".npy")
        if "\x00" in key:
            raise ValueError(f"save: the key {_show(key)} holds a NUL byte, where zip (.npz) cuts member names")
        if size > _ZIP_NAME_MAX:
            raise ValueError(
                f"save: the key {_show(key)} is {size:,} bytes as a zip member name; .npz allows {_ZIP_NAME_MAX:,}"
            )
        for sep in changed:
            if sep in key:
                raise ValueError(f"save: the key {_show(key)} holds {sep!r}, which zip (.npz) turns into '/' here")


def _check_safetensors_state(state: dict[str, np.ndarray]) -> None:
    """ValueError for a key, TypeError for a dtype, that the safetensors format cannot hold."""
    for key, array in state.items():
        _utf8(key)
        if key == "__metadata__":
            raise ValueError("save: the key '__metadata__' is reserved by the safetensors format; rename it")
        if array.dtype.name not in _SAFETENSORS_DTYPES:
            raise TypeError(
                f"save: {_show(key)} is a {array.dtype} array, which safetensors cannot hold; save it as .npz"
            )


def _import_safetensors() -> Any:
    """The ``safetensors`` module (with ``safetensors.numpy``); ImportError naming the extra when it is missing."""
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError(f".safetensors files need the safetensors library: {_SAFETENSORS_EXTRA}") from None
    return safetensors


# --- writing ----------------------------------------------------------------------------------------------------


def _write_npz(f: IO[bytes], state: dict[str, np.ndarray]) -> None:
    """Stream each array into ``f`` as the stored zip member ``key + '.npy'`` (the layout ``np.savez`` writes)."""
    archive = zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
    member = None
    try:
        for key, array in state.items():
            member = archive.open(key + ".npy", "w", force_zip64=True)
            np.lib.format.write_array(member, array, allow_pickle=False)
            member.close()
        archive.close()
    except BaseException:
        # Abandon the half-written archive, which is about to be deleted: closing it (or letting the garbage
        # collector do so) would write into a closed file, or raise "Can't close the ZIP file while there is an
        # open writing handle" in place of the KeyboardInterrupt. Mark both closed without their zip epilogue.
        if isinstance(member, io.BufferedIOBase):
            io.BufferedIOBase.close(member)  # the base close only sets the closed flag
        archive.fp = None
        raise


def _safetensors_bytes(state: dict[str, np.ndarray]) -> bytes:
    """The state dict in the safetensors format (little-endian, C order)."""
    safetensors = _import_safetensors()
    arrays = {key: a if a.flags.c_contiguous else a.copy(order="C") for key, a in state.items()}
    try:
        return safetensors.numpy.save(arrays)
    except safetensors.SafetensorError as e:  # the only limit left: the JSON header's total size
        longest = max(state, key=len)
        raise ValueError(f"save: safetensors cannot hold these keys ({e}); the longest is {_show(longest)}") from None


_TMP_TAG = ".minigrad-"  # temporaries: .<name>.minigrad-<pid>-<random>.tmp beside the target
_IN_PROGRESS: set[str] = set()  # temporaries this process is writing right now (any thread)
_TEMPORARIES_LOCK = threading.RLock()  # a save's cleanup never removes another thread's temporary


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


def _close_quietly(f: IO[bytes]) -> None:
    """Close ``f``, dropping what it could not write (the write already failed, with its own error)."""
    try:
        f.close()
    except OSError:
        pass


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _remove_stale_temporaries(folder: str, name: str) -> None:
    """Delete temporaries of ``name`` that no save is writing: their process died, or (this process) was interrupted."""
    prefix = "." + name + _TMP_TAG
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if not (entry.startswith(prefix) and entry.endswith(".tmp")):
            continue
        pid_text = entry[len(prefix) :].split("-", 1)[0]
        tmp = os.path.join(folder, entry)
        if pid_text.isdigit() and _is_stale(tmp, int(pid_text)):
            _unlink_quietly(tmp)


def _is_stale(tmp: str, pid: int) -> bool:
    """Whether no save is writing ``tmp``, a temporary made by process ``pid``."""
    if pid == os.getpid():
        return tmp not in _IN_PROGRESS  # left by an interrupted save of this process (a notebook's Ctrl-C)
    return not _pid_alive(pid)


def _claim_temporary(folder: str, name: str) -> str:
    """Clean up stale temporaries of ``name``, then reserve a new temporary path (the file is not created yet)."""
    with _TEMPORARIES_LOCK:
        _remove_stale_temporaries(folder, name)
        tmp = os.path.join(folder, f".{name}{_TMP_TAG}{os.getpid()}-{secrets.token_hex(8)}.tmp")
        _IN_PROGRESS.add(tmp)
    return tmp


def _fsync_folder(folder: str) -> None:
    """Make a rename in ``folder`` durable (best effort: some systems cannot open a folder)."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _write_atomically(path: str, write: Callable[[IO[bytes]], object]) -> None:
    """Run ``write`` on a temporary beside ``path``, fsync it and rename it over ``path``.

    The temporary's name is known before the file exists, so whatever
    interrupts the save (an OSError, Ctrl-C at any point) it is removed and the
    exception re-raised as it came; an OSError is re-raised naming ``path``.
    """
    folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    tmp = _claim_temporary(folder, os.path.basename(path))
    try:
        f = open(tmp, "xb")  # closed by hand: after a failure, its flush must not hide the first error
        try:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        except BaseException:
            _close_quietly(f)
            raise
        f.close()
        os.replace(tmp, path)
    except OSError as exc:
        raise _user_error(exc, path, "save: cannot write") from None
    finally:
        try:
            _unlink_quietly(tmp)  # after a successful rename there is nothing left to remove
        finally:
            _IN_PROGRESS.discard(tmp)
    _fsync_folder(folder)


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write a Module's ``state_dict()`` (or a dict name → array) to ``path``, atomically.

    A path ending in ``.safetensors`` gets the safetensors format (it needs the
    ``safetensors`` library; big-endian arrays are stored little-endian);
    any other path an ``.npz`` archive (exactly at ``path``, no suffix added)
    that ``mg.load`` and ``np.load`` read back bit for bit. The file is first
    written to a hidden temporary beside ``path``; temporaries of the same
    target that no save is writing (left by a killed or interrupted save) are
    deleted first. After any failure the old file at ``path`` is untouched and
    no temporary is left.

    Raises:
        TypeError: ``obj`` is not a Module or a dict with non-empty string
            keys and numeric (bool, int, uint, float) arrays; for
            ``.safetensors``, an array dtype the format cannot hold (such as
            ``float128``).
        ValueError: the path is empty, or a key the format cannot store
            exactly (named): not valid Unicode; for ``.npz``, a NUL byte, a
            name over 65,535 UTF-8 bytes, or (Windows) a backslash; for
            ``.safetensors``, ``'__metadata__'`` or keys too long for its header.
        ImportError: a ``.safetensors`` path without the ``safetensors`` library.
        OSError: naming ``path``, when it cannot be written (its usual
            subclasses: ``FileNotFoundError`` for a missing folder,
            ``IsADirectoryError``, ``PermissionError``, disk full ...).
        KeyboardInterrupt: (or any other exception from inside the write)
            re-raised unchanged, after removing the temporary.
    """
    state = _state_of(obj)
    path = _as_path(path, "save")
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, f"save: {path!r} is a folder; give a file name such as 'model.npz'")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, f"save: cannot write {path!r}: the folder {folder!r} does not exist")
    if path.lower().endswith(".safetensors"):
        _check_safetensors_state(state)
        data = _safetensors_bytes(state)
        _write_atomically(path, lambda f: f.write(data))
    else:
        _check_npz_keys(state)
        _write_atomically(path, lambda f: _write_npz(f, state))


# --- reading ----------------------------------------------------------------------------------------------------


def _check_numeric(path: str, key: str, dtype: np.dtype) -> None:
    if dtype.kind not in "fiub":
        raise LoadError(f"load: {path!r} entry {_show(key)} is a {dtype} array, not numbers")


def _check_layout(path: str, raw: IO[bytes], infos: list[zipfile.ZipInfo]) -> None:
    """Refuse members that repeat a name, overlap or run past the file, or use a compression zlib does not bound.

    A member spans its local header and its compressed data. Disjoint spans
    inside the file mean the members together hold at most the file's size in
    compressed bytes: with each member's claim bounded by its own compressed
    size (``_check_claims``), the total claim is bounded by what the file holds.
    """
    size = os.fstat(raw.fileno()).st_size
    names: set[str] = set()
    spans = []
    for info in infos:
        name = info.orig_filename
        if name in names:
            raise LoadError(f"load: {path!r} holds the entry {_show(name)} twice: damaged or forged")
        names.add(name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise LoadError(f"load: {path!r} entry {_show(name)} uses zip compression {info.compress_type}")
        raw.seek(info.header_offset)
        header = raw.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or header[:4] != _ZIP_MAGIC[0]:
            raise LoadError(f"load: {path!r} entry {_show(name)} has no zip header where the directory says")
        *_, name_size, extra_size = _LOCAL_HEADER.unpack(header)
        end = info.header_offset + _LOCAL_HEADER.size + name_size + extra_size + info.compress_size
        if end > size:
            raise LoadError(f"load: {path!r} entry {_show(name)} runs past the end of the {size:,}-byte file")
        spans.append((info.header_offset, end, name))
    spans.sort()
    for (_, end, name), (start, _, other) in zip(spans, spans[1:]):
        if start < end:
            raise LoadError(f"load: {path!r} entries {_show(name)} and {_show(other)} overlap: damaged or forged")


def _npy_header(path: str, name: str, member: IO[bytes]) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a ``.npy`` header (versions 1.0 and 2.0: what NumPy writes for numeric arrays)."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise LoadError(f"load: {path!r} entry {_show(name)} has an unknown .npy version {version}")
    return shape, dtype


def _check_claims(path: str, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a member that is not a numeric ``.npy``, or claims more bytes than its compressed data can hold."""
    for info in infos:
        name = info.orig_filename
        if not name.endswith(".npy"):
            raise LoadError(f"load: {path!r} entry {_show(name)} is not a NumPy array (.npy)")
        with archive.open(info) as member:
            shape, dtype = _npy_header(path, name, member)
        _check_numeric(path, name[:-4], dtype)
        claim = int(np.prod(shape, dtype=object)) * dtype.itemsize
        ratio = 1 if info.compress_type == zipfile.ZIP_STORED else _DEFLATE_MAX_RATIO
        if claim > min(info.file_size, info.compress_size * ratio):
            raise LoadError(
                f"load: {path!r} entry {_show(name)} claims a {dtype} array of shape {tuple(shape)} "
                f"({claim:,} bytes) but its {info.compress_size:,} bytes cannot hold it: damaged or forged"
            )


def _read_npz(path: str) -> dict[str, np.ndarray]:
    """Every member ``key + '.npy'`` of the archive, read by its real name (``np.load`` strips and matches names)."""
    state = {}
    with open(path, "rb") as raw, zipfile.ZipFile(raw) as archive:
        infos = archive.infolist()
        _check_layout(path, raw, infos)
        _check_claims(path, archive, infos)
        for info in infos:
            with archive.open(info) as member:
                array = np.lib.format.read_array(member, allow_pickle=False)
                if member.read(1):  # also makes zipfile check the CRC
                    raise LoadError(f"load: {path!r} entry {_show(info.orig_filename)} has data after its array")
            state[info.orig_filename[:-4]] = array
    return state


def _read_safetensors(path: str) -> dict[str, np.ndarray]:
    """The arrays of a safetensors file, as writable copies (the library validates every offset and shape)."""
    safetensors = _import_safetensors()
    with open(path, "rb") as f:
        data = f.read()
    try:
        arrays = safetensors.numpy.load(data)
    except (safetensors.SafetensorError, ValueError, KeyError, TypeError) as e:
        raise LoadError(f"load: {path!r} is a damaged safetensors file ({e})") from None
    del data
    state = {}
    for key in list(arrays):
        array = arrays.pop(key)  # read-only views of the library's buffer: copy one at a time
        _check_numeric(path, key, array.dtype)
        state[key] = array.copy()
    return state


def _format_of(path: str) -> str:
    """``'npz'`` or ``'safetensors'``, from the file's first bytes (not its name)."""
    with open(path, "rb") as f:
        head = f.read(9)
    if head[:4] in _ZIP_MAGIC:
        return "npz"
    if len(head) == 9 and head[8:] == b"{" and int.from_bytes(head[:8], "little") <= _SAFETENSORS_HEADER_MAX:
        return "safetensors"
    raise LoadError(
        f"load: {path!r} is not an .npz archive or a .safetensors file (it starts with neither a zip nor a "
        "safetensors header)"
    )


def load(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a state dict saved as ``.npz`` (by ``mg.save`` or ``np.savez``) or ``.safetensors``: {name: array}.

    The format is read from the file's first bytes, so a misnamed file still
    loads. Never unpickles, and never allocates more than the file can hold
    (its size, or about 1032 times its deflated bytes: zlib's limit).

    Raises:
        ValueError: an empty path.
        FileNotFoundError: (or another OSError) the file cannot be opened.
        ImportError: a safetensors file without the ``safetensors`` library.
        LoadError: naming the file, for anything else that is not a readable
            state dict of numeric arrays: a text or ``.npy`` file, a truncated
            or corrupted file, an object/pickled array, members that overlap
            or claim more data than the file holds (a zip bomb).
    """
    path = _as_path(path, "load")
    read = _read_npz if _format_of(path) == "npz" else _read_safetensors
    try:
        return read(path)
    except LoadError:
        raise
    except (ValueError, OSError, EOFError, KeyError, RuntimeError, zipfile.BadZipFile) as e:  # RuntimeError: encrypted
        raise LoadError(f"load: {path!r} is damaged or not a state dict ({type(e).__name__}: {e})") from None
