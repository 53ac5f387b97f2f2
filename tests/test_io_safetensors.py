"""save/load as .safetensors: the real format (never an npz under that name), bit-exact, atomic, and a clean
ImportError naming the extra when the optional library is missing."""

import json
import os
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


@pytest.fixture
def st():
    return pytest.importorskip("safetensors.numpy")


def _state():
    rng = np.random.default_rng(0)
    nan_payload = np.array([0x7FC00001, 0xFFC00000], dtype=np.uint32).view(np.float32)
    return {
        "W": rng.standard_normal((3, 4)).astype(np.float32),
        "W.npy": np.array([np.nan, -0.0, np.inf, -np.inf, 5e-324]),
        "a\x00b": nan_payload,  # NUL is fine in a JSON string
        "é日本/x": np.array([-128, 127], dtype=np.int8),
        "u": np.array([2**64 - 1, 0], dtype=np.uint64),
        "mask": np.array([True, False, True]),
        "half": np.array([1.5, 65504], dtype=np.float16),
        "scalar": np.array(3.0),
        "empty": np.zeros((0, 3), dtype=np.int32),
        "transposed": np.arange(6.0).reshape(2, 3).T,  # not C-contiguous
        "big-endian": np.array([1.0, -2.5], dtype=">f4"),
    }


def _little(array):
    return array.astype(array.dtype.newbyteorder("<"))


def test_round_trip_is_bit_exact_in_the_real_format(tmp_path, st):
    state = _state()
    path = tmp_path / "m.safetensors"
    mg.save(state, path)
    raw = path.read_bytes()
    assert not zipfile.is_zipfile(path)  # never an npz under this name
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    assert set(header) == set(state)
    assert header["mask"]["dtype"] == "BOOL" and header["scalar"]["shape"] == []
    by_library = st.load(raw)
    loaded = mg.load(path)
    assert sorted(loaded) == sorted(state)
    for key, array in state.items():
        expected = _little(array)  # safetensors is little-endian: the values are kept, the byte order is not
        for got in (loaded[key], by_library[key]):
            assert got.dtype == expected.dtype and got.shape == expected.shape, key
            assert got.tobytes() == np.ascontiguousarray(expected).tobytes(), key
        assert loaded[key].flags.writeable  # like arrays read from .npz
    assert os.listdir(tmp_path) == ["m.safetensors"]


def test_a_module_round_trips_through_safetensors(tmp_path, st):
    a = nn.MLP([2, 5, 3], rng=0, dtype=np.float32)
    b = nn.MLP([2, 5, 3], rng=1, dtype=np.float32)
    mg.save(a, tmp_path / "model.SafeTensors")  # the suffix in any case
    assert not zipfile.is_zipfile(tmp_path / "model.SafeTensors")
    b.load_state_dict(mg.load(tmp_path / "model.SafeTensors"))
    x = np.ones((2, 2), dtype=np.float32)
    assert b(x).data.tobytes() == a(x).data.tobytes()


def test_load_reads_the_content_not_the_name(tmp_path, st):
    misnamed = tmp_path / "really-safetensors.npz"
    misnamed.write_bytes(st.save({"w": np.arange(3.0)}))
    np.testing.assert_array_equal(mg.load(misnamed)["w"], np.arange(3.0))
    npz = tmp_path / "really-npz.safetensors"
    with open(npz, "wb") as f:  # (np.savez would add .npz to a name)
        np.savez(f, w=np.arange(4.0))
    np.testing.assert_array_equal(mg.load(npz)["w"], np.arange(4.0))
    text = tmp_path / "notes.safetensors"
    text.write_text("hello, this is not a tensor file\n")
    with pytest.raises(mg.LoadError, match=r"notes\.safetensors.*not an \.npz archive or a \.safetensors file"):
        mg.load(text)


def _forged(header, data=b""):
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + data


@pytest.mark.parametrize(
    "content",
    [
        _forged({"w": {"dtype": "F64", "shape": [10**12], "data_offsets": [0, 8]}}, bytes(8)),  # claims 8 TB
        _forged({"w": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}}, bytes(8)),  # truncated
        _forged({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, bytes(4)),  # no NumPy dtype
        _forged({"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, bytes(8)),  # complex: not numbers
        _forged(
            {
                "a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]},
                "b": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]},
            },
            bytes(8),
        ),  # two tensors over the same bytes
        b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}",
    ],
    ids=["huge-shape", "truncated", "bfloat16", "complex", "overlapping", "bad-json"],
)
def test_damaged_or_forged_safetensors_raise_load_error_naming_the_file(tmp_path, st, content):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    start = time.perf_counter()
    with pytest.raises(mg.LoadError, match=r"bad\.safetensors"):
        mg.load(path)
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize(
    ("key", "value", "error", "message"),
    [
        ("big", np.zeros(2, dtype=np.longdouble), TypeError, r"'big' is a float\d+ array, which safetensors cannot"),
        ("__metadata__", np.zeros(2), ValueError, r"'__metadata__' is reserved by the safetensors format"),
        ("\udc80", np.zeros(2), ValueError, r"'\\udc80' is not valid Unicode"),
    ],
    ids=["long-double", "metadata", "surrogate"],
)
def test_what_safetensors_cannot_hold_is_refused_naming_it(tmp_path, st, key, value, error, message):
    if key == "big" and np.dtype(np.longdouble).itemsize == 8:
        pytest.skip("long double is float64 on this platform")
    path = tmp_path / "m.safetensors"
    mg.save({"w": np.ones(2)}, path)
    with pytest.raises(error, match=message):
        mg.save({"ok": np.zeros(1), key: value}, path)
    assert os.listdir(tmp_path) == ["m.safetensors"]
    assert list(mg.load(path)) == ["w"]


def test_ctrl_c_during_a_safetensors_save_keeps_the_old_file(tmp_path, st, monkeypatch):
    path = tmp_path / "m.safetensors"
    mg.save({"w": np.ones(2)}, path)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        mg.save({"w": np.zeros(2)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.safetensors"]
    np.testing.assert_array_equal(mg.load(path)["w"], np.ones(2))


def test_without_the_library_safetensors_paths_name_the_extra(tmp_path, monkeypatch):
    existing = tmp_path / "old.safetensors"
    existing.write_bytes(_forged({"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}, bytes(8)))
    monkeypatch.setitem(sys.modules, "safetensors", None)  # import safetensors now raises ImportError
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    extra = r'pip install "minigrad-np\[safetensors\]"'
    with pytest.raises(ImportError, match=extra):
        mg.save({"w": np.ones(2)}, tmp_path / "m.safetensors")
    with pytest.raises(ImportError, match=extra):
        mg.load(existing)
    assert sorted(os.listdir(tmp_path)) == ["old.safetensors"]  # nothing written, and no npz under that name
    mg.save({"w": np.ones(2)}, tmp_path / "m.npz")  # .npz needs no optional library
    np.testing.assert_array_equal(mg.load(tmp_path / "m.npz")["w"], np.ones(2))


def test_safetensors_is_imported_only_for_safetensors_files(tmp_path):
    code = (
        "import sys, numpy as np, minigrad as mg\n"
        "mg.save({'w': np.ones(2)}, sys.argv[1]); mg.load(sys.argv[1])\n"
        "print('safetensors' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "m.npz")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "False\n"
