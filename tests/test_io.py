"""save/load: bit-exact round trips, atomic replacement, and clean failures on foreign or damaged files."""

import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_is_bit_exact(tmp_path, dtype):
    rng = np.random.default_rng(0)
    special = np.array([np.nan, -np.nan, np.inf, -np.inf, -0.0, np.finfo(dtype).tiny / 3], dtype=dtype)
    state = {"a.W": rng.standard_normal((3, 4)).astype(dtype), "b": special, "empty": np.zeros((0, 2), dtype)}
    path = tmp_path / "state.npz"
    mg.save(state, path)
    loaded = mg.load(path)
    assert list(loaded) == list(state)
    for k in state:
        assert loaded[k].dtype == dtype and loaded[k].shape == state[k].shape
        assert loaded[k].tobytes() == state[k].tobytes()  # every bit, nan payloads and -0.0 included
    assert np.load(path, allow_pickle=False)["a.W"].tobytes() == state["a.W"].tobytes()  # plain NumPy reads it


def test_module_round_trip_through_load_state_dict(tmp_path):
    a = nn.MLP([2, 5, 3], rng=0, dtype=np.float32)
    b = nn.MLP([2, 5, 3], rng=1, dtype=np.float32)
    path = str(tmp_path / "model.npz")
    mg.save(a, path)
    b.load_state_dict(mg.load(path))
    x = np.ones((2, 2), dtype=np.float32)
    assert b(x).data.tobytes() == a(x).data.tobytes()
    c = nn.MLP([2, 4, 3], rng=0)
    with pytest.raises(ValueError, match=r"'layers\.0\.W': the module has \(2, 4\), the state has \(2, 5\)"):
        c.load_state_dict(mg.load(path))
    with pytest.raises(ValueError, match=r"missing keys: 'layers\.2\.W'.*unexpected keys"):
        nn.MLP([2, 5, 5, 3], rng=0, bias=False).load_state_dict(mg.load(path))


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "m.npz"
    mg.save({"w": np.ones(3)}, path)
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]
    assert (path.stat().st_mode & 0o777) == 0o666 & ~_umask()
    with pytest.raises(TypeError, match="'bad' is a object array"):
        mg.save({"w": np.zeros(3), "bad": np.array([object()])}, path)
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]  # the failed write left the old file alone
    np.testing.assert_array_equal(mg.load(path)["w"], np.ones(3))
    with pytest.raises(TypeError, match="expected a Module or a dict"):
        mg.save([np.ones(2)], path)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Boom:
    """Unpickling this would create a file: the proof that load never unpickles."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_pickle_inside_npz_is_refused_and_never_run(tmp_path):
    sentinel = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    np.savez(path, w=np.ones(2), evil=np.array([Boom(str(sentinel))], dtype=object))
    with pytest.raises(mg.LoadError, match="evil.npz"):
        mg.load(path)
    assert not sentinel.exists()
    raw = tmp_path / "raw.npz"  # a zip whose member is a bare pickle, not an .npy
    with zipfile.ZipFile(raw, "w") as z:
        z.writestr("w.npy", pickle.dumps(Boom(str(sentinel))))
    with pytest.raises(mg.LoadError, match="raw.npz"):
        mg.load(raw)
    assert not sentinel.exists()


def test_foreign_and_damaged_files_fail_cleanly(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("layers.0.W = [1, 2, 3]\n")
    with pytest.raises(mg.LoadError, match=r"notes\.txt.*not an \.npz"):
        mg.load(text)
    npy = tmp_path / "single.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(mg.LoadError, match="not an .npz"):
        mg.load(npy)
    good = tmp_path / "good.npz"
    mg.save({"w": np.arange(1000.0)}, good)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(mg.LoadError, match="truncated.npz"):
        mg.load(truncated)
    corrupt = tmp_path / "corrupt.npz"
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF  # a bit flip inside the array data: the zip CRC catches it
    corrupt.write_bytes(bytes(flipped))
    with pytest.raises(mg.LoadError, match="corrupt.npz"):
        mg.load(corrupt)
    other = tmp_path / "other.npz"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(mg.LoadError, match="not a NumPy array"):
        mg.load(other)
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "missing.npz")
    assert issubclass(mg.LoadError, ValueError)


def _npy_header(shape, dtype="<f8"):
    """A valid .npy version 1.0 header claiming ``shape``, without the data."""
    header = repr({"descr": dtype, "fortran_order": False, "shape": tuple(shape)}).encode("latin1")
    header += b" " * ((64 - (10 + len(header) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_load_refuses_a_huge_header_claim_before_allocating(tmp_path, compression):
    path = tmp_path / "forged.npz"
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        z.writestr("w.npy", _npy_header((10**12,)))  # claims 8 TB of float64
    assert path.stat().st_size < 1000
    with pytest.raises(mg.LoadError, match=r"forged\.npz.*'w\.npy' claims a float64 array of shape \(1000000000000,\)"):
        mg.load(path)
    # A genuine compressed archive of zeros (a high compression ratio) still loads.
    zeros = tmp_path / "zeros.npz"
    np.savez_compressed(zeros, w=np.zeros(200_000))
    assert mg.load(zeros)["w"].shape == (200_000,)


def test_save_names_the_users_path_in_every_error(tmp_path):
    with pytest.raises(ValueError, match="save: the path is empty"):
        mg.save({"w": np.ones(2)}, "")
    with pytest.raises(IsADirectoryError, match=repr(str(tmp_path))):
        mg.save({"w": np.ones(2)}, tmp_path)
    missing = tmp_path / "no-such-folder" / "m.npz"
    with pytest.raises(FileNotFoundError, match=r"m\.npz.*does not exist"):
        mg.save({"w": np.ones(2)}, missing)


def test_save_into_a_read_only_folder_names_the_users_path(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(PermissionError, match=r"save: cannot write .*locked/m\.npz") as info:
            mg.save({"w": np.ones(2)}, locked / "m.npz")
        assert ".tmp" not in str(info.value)
    finally:
        locked.chmod(0o700)


def test_save_removes_temporaries_left_by_a_killed_save(tmp_path):
    target = tmp_path / "big.npz"
    code = (
        "import sys, numpy as np, minigrad as mg\n"
        "print('ready', flush=True)\n"
        "while True: mg.save({'w': np.zeros(4_000_000)}, sys.argv[1])\n"
    )
    for _ in range(3):  # three saves killed mid-write (SIGKILL: no cleanup can run)
        proc = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "ready\n"
        deadline = time.monotonic() + 30
        mine = f".big.npz.minigrad-{proc.pid}-"  # this process's own temporary, being written
        while not any(n.startswith(mine) for n in os.listdir(tmp_path)) and time.monotonic() < deadline:
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    # Temporaries of a live process, of this process's saves in progress and of another file are left alone.
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".big.npz.minigrad-{sleeper.pid}-keep.tmp"
        live.write_bytes(b"x")
        other = tmp_path / ".other.npz.minigrad-999999999-x.tmp"
        other.write_bytes(b"x")
        stale = [n for n in os.listdir(tmp_path) if n.startswith(".big.npz.") and n != live.name]
        assert len(stale) == 1, stale  # each new save removed the previous killed one's file: they never pile up
        mg.save({"w": np.ones(3)}, target)
        assert sorted(os.listdir(tmp_path)) == sorted([live.name, other.name, "big.npz"])
        np.testing.assert_array_equal(mg.load(target)["w"], np.ones(3))
    finally:
        sleeper.kill()
        sleeper.wait()


# --- every key round-trips exactly, or is refused naming it ------------------------------------------------------

ODD_KEYS = ["W", "W.npy", ".npy", "a.npy.npy", "a/b", "/abs", "../up", "a\\b", " ", "\n", "é日本", "🙂", "x" * 65531]


def test_every_key_round_trips_exactly(tmp_path):
    state = {key: np.full(i + 1, i, dtype=np.int16) for i, key in enumerate(ODD_KEYS)}
    path = tmp_path / "odd.npz"
    mg.save(state, path)
    loaded = mg.load(path)
    assert list(loaded) == ODD_KEYS
    for key in ODD_KEYS:
        assert loaded[key].tobytes() == state[key].tobytes(), key  # 'W.npy' is not W's array
    with np.load(path, allow_pickle=False) as plain:  # NumPy still reads the file (by its own name matching)
        assert sorted(plain.files) == sorted(ODD_KEYS)
        np.testing.assert_array_equal(plain["é日本"], state["é日本"])


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1), st.integers()
    )
)
def test_any_text_key_round_trips(tmp_path_factory, keys):
    path = tmp_path_factory.mktemp("keys") / "k.npz"
    mg.save({key: np.array([value % 256], np.uint8) for key, value in keys.items()}, path)
    loaded = mg.load(path)
    assert list(loaded) == list(keys)
    assert all(int(loaded[key][0]) == value % 256 for key, value in keys.items())


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("a\x00b", r"'a\\x00b' holds a NUL byte"),
        ("\udc80", r"'\\udc80' is not valid Unicode"),
        ("x" * 65532, r"'xxxxx.*\(65,532 characters\) is 65,536 bytes as a zip member name; .npz allows 65,535"),
        ("é" * 32766, r"'ééééé.*\(32,766 characters\) is 65,536 bytes"),  # the limit is on UTF-8 bytes
    ],
)
def test_keys_a_zip_cannot_hold_are_refused_naming_them(tmp_path, key, message):
    path = tmp_path / "m.npz"
    mg.save({"w": np.ones(2)}, path)
    with pytest.raises(ValueError, match=message):
        mg.save({"ok": np.zeros(2), key: np.zeros(2)}, path)
    assert os.listdir(tmp_path) == ["m.npz"]  # refused before writing: the old file is untouched
    assert list(mg.load(path)) == ["w"]


def test_two_nul_keys_are_refused_not_merged(tmp_path):
    with pytest.raises(ValueError, match=r"'a\\x00b' holds a NUL byte"):
        mg.save({"a\x00b": np.ones(2), "a\x00c": np.zeros(2)}, tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_load_reads_files_written_by_numpy(tmp_path):
    arrays = {"w": np.arange(6.0).reshape(2, 3), "b": np.array([True, False]), "n": np.int64(7)}
    for write in (np.savez, np.savez_compressed):
        path = tmp_path / f"{write.__name__}.npz"
        write(path, np.ones(2), **arrays)
        loaded = mg.load(path)
        assert sorted(loaded) == ["arr_0", "b", "n", "w"]
        for key, value in arrays.items():
            assert loaded[key].dtype == np.asarray(value).dtype and np.array_equal(loaded[key], value)


def test_an_archive_that_repeats_a_name_is_refused(tmp_path):
    path = tmp_path / "twice.npz"
    with zipfile.ZipFile(path, "w") as z, pytest.warns(UserWarning, match="Duplicate name"):
        z.writestr("w.npy", _npy_header((1,)) + bytes(8))
        z.writestr("w.npy", _npy_header((2,)) + bytes(16))
    with pytest.raises(mg.LoadError, match=r"twice\.npz.*'w\.npy' twice"):
        mg.load(path)


# --- a zip bomb of overlapping members is refused before allocating ----------------------------------------------


def _overlapping_zip(path, members, zeros, method):
    """An overlapping zip (after D. Fifield's zip bomb), built with right sizes and CRCs.

    Member i's data runs on through the local headers of all later members into
    one shared tail of ``zeros`` zero bytes: each member is a valid uint8 .npy
    of more than ``zeros`` bytes, so together they claim ``members * zeros``.
    Deflated, the tail is one compressed stream and each member's own bytes a
    stored block quoting them (with the next local header), so the file is
    about ``zeros / 1030`` bytes.
    """
    deflated = method == zipfile.ZIP_DEFLATED
    zero_bytes = bytes(zeros)
    if deflated:
        squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
        tail = squeeze.compress(zero_bytes) + squeeze.flush()
    else:
        tail = zero_bytes
    pieces, entries = [], []  # built from the last member backwards
    next_header, next_prefix, csize = b"", b"", len(tail)
    for i in reversed(range(members)):
        name = f"w{i}.npy".encode()
        after = next_header + next_prefix  # this member's content between its .npy header and the zeros
        npy = _npy_header((len(after) + zeros,), "|u1")
        prefix = npy + after
        crc, usize = zlib.crc32(zero_bytes, zlib.crc32(prefix)), len(prefix) + zeros
        quoted = len(npy) + len(next_header)
        block = b"\x00" + struct.pack("<HH", quoted, quoted ^ 0xFFFF) if deflated else b""  # a stored deflate block
        csize += len(block) + quoted
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, csize, usize, len(name), 0)
        pieces.append(header + name + block + npy)
        entries.append((name, crc, csize, usize))
        next_header, next_prefix = header + name, prefix
    pieces.reverse()
    entries.reverse()
    body = b"".join(pieces) + tail
    directory, offset = b"", 0
    for piece, (name, crc, csize, usize) in zip(pieces, entries):
        directory += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            method,
            0,
            0x21,
            crc,
            csize,
            usize,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        directory += name
        offset += len(piece)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, members, members, len(directory), len(body), 0)
    path.write_bytes(body + directory + end)
    return sum(usize for *_, usize in entries)


@pytest.mark.parametrize(
    ("method", "members", "zeros"),
    [(zipfile.ZIP_DEFLATED, 20, 64 << 20), (zipfile.ZIP_STORED, 8, 1 << 20)],
    ids=["deflated-70KB-claiming-1.3GB", "stored"],
)
def test_overlapping_members_are_refused_before_allocating(tmp_path, method, members, zeros):
    path = tmp_path / "bomb.npz"
    claimed = _overlapping_zip(path, members, zeros, method)
    size = path.stat().st_size
    if method == zipfile.ZIP_DEFLATED:
        assert size < 75_000 and claimed > 1 << 30  # a 70 KB file claiming 1.3 GB
    with zipfile.ZipFile(path) as z, z.open("w0.npy") as member:  # a real archive: its members read as .npy
        assert np.lib.format.read_magic(member) == (1, 0)
        assert np.lib.format.read_array_header_1_0(member)[0] == (z.getinfo("w0.npy").file_size - 128,)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(mg.LoadError, match=r"bomb\.npz.* entries 'w0\.npy' and 'w1\.npy' overlap"):
            mg.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20, f"load allocated {peak:,} bytes for a {size:,}-byte file"
    assert time.perf_counter() - start < 2


def test_a_member_running_past_the_end_is_refused(tmp_path):
    good = tmp_path / "good.npz"
    mg.save({"w": np.arange(100.0)}, good)
    data = bytearray(good.read_bytes())
    directory = data.rindex(b"PK\x01\x02")
    data[directory + 20 : directory + 24] = struct.pack("<L", 10**6)  # the directory's compressed size: 1 MB
    forged = tmp_path / "forged.npz"
    forged.write_bytes(bytes(data))
    with pytest.raises(mg.LoadError, match=r"forged\.npz.*(runs past the end|damaged)"):
        mg.load(forged)


# --- Ctrl-C during save: the old file or the new one, no temporary, and KeyboardInterrupt itself ------------------


def _interrupt_once(monkeypatch, owner, name, after=0):
    """Make ``owner.name`` raise KeyboardInterrupt on its call number ``after`` (0: the first), once."""
    real = getattr(owner, name)
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == after + 1:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, interrupted)


def _create_then_interrupt(path, mode):
    open(path, mode).close()
    raise KeyboardInterrupt


def _write_half_then_interrupt(member, array, **kwargs):
    member.write(array.tobytes()[: array.nbytes // 2])
    raise KeyboardInterrupt


INTERRUPTS = {
    "before the first array": (np.lib.format, "write_array", 0),
    "before the second array": (np.lib.format, "write_array", 1),
    "opening a member": (zipfile._ZipWriteFile, "__init__", 1),  # zipfile has marked a member open: ValueError before
    "closing a member": (zipfile._ZipWriteFile, "close", 0),
    "closing the archive": (zipfile.ZipFile, "close", 0),
    "at fsync": (os, "fsync", 0),
    "at the rename": (os, "replace", 0),
}


@pytest.mark.parametrize("where", [*INTERRUPTS, "mid-array", "just after creating the temporary"])
def test_ctrl_c_during_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, where):
    path = tmp_path / "m.npz"
    mg.save({"w": np.ones(3)}, path)
    if where == "mid-array":
        monkeypatch.setattr(np.lib.format, "write_array", _write_half_then_interrupt)
    elif where == "just after creating the temporary":
        monkeypatch.setattr(mg.io, "open", _create_then_interrupt, raising=False)  # shadows the builtin there
    else:
        _interrupt_once(monkeypatch, *INTERRUPTS[where])
    with pytest.raises(KeyboardInterrupt) as info:
        mg.save({"w": np.zeros(3), "b": np.zeros(2)}, path)
    assert info.type is KeyboardInterrupt  # not "ValueError: Can't close the ZIP file while there is an open ..."
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.npz"]
    assert not mg.io._IN_PROGRESS
    np.testing.assert_array_equal(mg.load(path)["w"], np.ones(3))
    mg.save({"w": np.zeros(3)}, path)  # and the next save works
    np.testing.assert_array_equal(mg.load(path)["w"], np.zeros(3))


def test_save_removes_this_processes_leftovers_but_not_saves_in_progress(tmp_path):
    path = tmp_path / "m.npz"
    left = tmp_path / f".m.npz.minigrad-{os.getpid()}-interrupted.tmp"  # what a notebook's Ctrl-C could leave
    left.write_bytes(b"x")
    busy = tmp_path / f".m.npz.minigrad-{os.getpid()}-busy.tmp"  # another thread's save, being written
    busy.write_bytes(b"x")
    mg.io._IN_PROGRESS.add(os.path.realpath(busy))
    try:
        mg.save({"w": np.ones(2)}, path)
    finally:
        mg.io._IN_PROGRESS.discard(os.path.realpath(busy))
    assert sorted(os.listdir(tmp_path)) == sorted([busy.name, "m.npz"])
    mg.save({"w": np.ones(2)}, path)
    assert os.listdir(tmp_path) == ["m.npz"]


def test_threads_saving_the_same_file_never_remove_each_others_temporary(tmp_path):
    path = tmp_path / "m.npz"
    errors = []

    def saves(value):
        try:
            for _ in range(15):
                mg.save({"w": np.full(100_000, value)}, path)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=saves, args=(float(i),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert os.listdir(tmp_path) == ["m.npz"]
    assert len(set(mg.load(path)["w"])) == 1


_SIGINT_CHILD = r"""
import json, os, sys, numpy as np, minigrad as mg
target = sys.argv[1]
folder, name = os.path.split(target)
big = np.arange(2_000_000, dtype=np.float64)  # 16 MB
mg.save({"w": big, "i": np.array(1)}, target)  # interrupts start once a first file exists
done = 1
while True:
    try:
        print("armed", flush=True)  # from here on a SIGINT lands inside this try
        while True:
            mg.save({"w": big, "i": np.array(done + 1)}, target)
            done += 1
    except KeyboardInterrupt:
        pass
    others = sorted(set(os.listdir(folder)) - {name})
    state = mg.load(target)
    saved = int(state["i"]) if np.array_equal(state["w"], big) else "incomplete"
    print(json.dumps({"done": done, "saved": saved, "others": others}), flush=True)
    if sys.stdin.readline() != "go\n":
        break
"""


def test_real_ctrl_c_during_repeated_saves_never_leaves_a_temporary_or_a_broken_file(tmp_path):
    import json
    import random

    target = tmp_path / "big.npz"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SIGINT_CHILD, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    rng = random.Random(0)
    reports = []
    try:
        for n in range(60):
            assert proc.stdout.readline() == "armed\n", f"the child died after {n} interrupts (exit {proc.wait()})"
            time.sleep(rng.uniform(0, 0.06))
            proc.send_signal(signal.SIGINT)
            line = proc.stdout.readline()
            assert line, f"the child died after {n} interrupts (exit {proc.wait()})"
            reports.append(json.loads(line))
            proc.stdin.write("go\n" if n < 59 else "stop\n")
            proc.stdin.flush()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
        proc.stdout.close()
    for r in reports:
        assert r["others"] == [], r  # no temporary left, ever
        # the target is whole: the old file, or the new one (the interrupted save may have completed its rename)
        assert r["saved"] in {r["done"], r["done"] + 1}, r


def test_save_docstring_lists_every_error():
    for error in ("TypeError", "ValueError", "ImportError", "OSError", "KeyboardInterrupt"):
        assert error in mg.save.__doc__
