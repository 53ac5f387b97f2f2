"""save/load: bit-exact round trips, atomic replacement, and clean failures on foreign or damaged files."""

import os
import pickle
import zipfile

import numpy as np
import pytest

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
    import signal
    import subprocess
    import sys
    import time

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
    # A temporary of a live process and another file's temporary must be left alone.
    live = tmp_path / f".big.npz.minigrad-{os.getpid()}-keep.tmp"
    live.write_bytes(b"x")
    other = tmp_path / ".other.npz.minigrad-999999999-x.tmp"
    other.write_bytes(b"x")
    stale = [n for n in os.listdir(tmp_path) if n.startswith(".big.npz.") and n != live.name]
    assert len(stale) == 1, stale  # each new save removed the previous killed one's file: they never pile up
    mg.save({"w": np.ones(3)}, target)
    assert sorted(os.listdir(tmp_path)) == sorted([live.name, other.name, "big.npz"])
    np.testing.assert_array_equal(mg.load(target)["w"], np.ones(3))
