"""Our GGUF writer (sdk/src/gguf/writer.cpp and quantize.cpp, through tests/tools/gguf_write.cpp) against the gguf
Python package.

The same metadata and float32 tensors go through our tool and through gguf.GGUFWriter with
gguf.quants.quantize: the two files must be byte-identical, and our reader must read ours back.
"""
from __future__ import annotations

import json
import platform
from pathlib import Path

import gguf
import numpy as np
import pytest
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as Q, GGUFValueType as VT

from gguf_files import (QUANTIZABLE, WRITE_TOOL, assert_same_floats, dump, in_small_disk, run_write,
                        write_description, write_gguf_python_file)


def write_both(tmp_path: Path, metadata: list[tuple], tensors: list[tuple[str, Q, np.ndarray]],
               alignment: int = 32) -> tuple[Path, Path]:
    """Our file and gguf-python's, for the same metadata and tensors."""
    ours = tmp_path / "ours.gguf"
    result = run_write(ours, write_description(tmp_path, metadata, tensors, alignment))
    assert result.returncode == 0, result.stderr
    return ours, write_gguf_python_file(tmp_path / "reference.gguf", metadata, tensors, alignment)


def assert_same_bytes(ours: Path, reference: Path) -> None:
    a, b = ours.read_bytes(), reference.read_bytes()
    if a != b:
        first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        raise AssertionError(f"{ours.name} ({len(a)} bytes) differs from gguf-python's {reference.name} ({len(b)} "
                             f"bytes) first at byte {first}: {a[first:first + 16].hex()} instead of "
                             f"{b[first:first + 16].hex()}")


# --- tensors ----------------------------------------------------------------------------------------------

def shapes_for(qtype: Q) -> list[tuple[int, ...]]:
    """Row-major shapes of 1 to 4 dimensions (rows a whole number of blocks), and one large enough to be
    quantized on several threads."""
    block = GGML_QUANT_SIZES[qtype][0]
    return [(block * 3,), (16, block * 2), (2, 3, block), (2, 1, 2, block), (64, 1024)]


def hard_blocks(qtype: Q, rng: np.random.Generator) -> np.ndarray:
    """Rows of one block each that probe the edges of the encoding: zeros, all-equal values, ties at the
    rounding points, a single non-zero value, tiny values (float16 subnormal scales, float32 subnormals) and huge
    ones (scales that overflow float16)."""
    block = max(GGML_QUANT_SIZES[qtype][0], 32)
    ramp = np.linspace(-1, 1, block, dtype=np.float32)
    rows = [np.zeros(block), np.full(block, 0.75), np.full(block, -3.0), np.full(block, 1e-3),
            np.eye(1, block, 5)[0] * -2.5, np.eye(1, block, 31)[0] * 7,
            ramp, ramp * 8, ramp * 16, ramp * 127, np.round(ramp * 16) / 2,  # ties: x * id lands on .5
            ramp * 1e-5, ramp * 1e-7, ramp * 1e-30, ramp * 1e-39, np.full(block, 1e-45),
            ramp * 7e4, ramp * 1e6, ramp * 1e30, ramp * 3e38, np.full(block, 3.4e38), np.full(block, -65520),
            rng.standard_normal(block) * 1e4, np.abs(rng.standard_normal(block)) + 100]
    return np.stack(rows).astype(np.float32)


def non_finite_blocks(qtype: Q) -> np.ndarray:
    """Rows with infinities and NaN: the result follows numpy's float casts, which float16, bfloat16 and float32
    define everywhere and the integer codes only on x86-64 (where a NaN or out-of-range cast gives 0)."""
    block = max(GGML_QUANT_SIZES[qtype][0], 32)
    ramp = np.linspace(-1, 1, block, dtype=np.float32)
    rows = []
    for special in (np.inf, -np.inf, np.nan):
        for at in (0, 7, block - 1):
            row = ramp.copy()
            row[at] = special
            rows.append(row)
    rows.append(np.where(np.arange(block) % 2 == 0, np.inf, -np.inf))
    return np.stack(rows).astype(np.float32)


def signed_zero_blocks(qtype: Q, rng: np.random.Generator) -> np.ndarray:
    """Rows of +0 and -0 (with a ±1 in some): which zero numpy's min and max return (the last of equals, on
    x86-64) decides the sign bits of the float16 scale and minimum."""
    block = max(GGML_QUANT_SIZES[qtype][0], 32)
    rows = np.where(rng.random((64, block)) < 0.5, np.float32(0.0), np.float32(-0.0)).astype(np.float32)
    rows[1::2, 3] = rng.choice(np.array([1.0, -1.0], dtype=np.float32), size=32)
    return rows


def tensors_for(qtype: Q, rng: np.random.Generator) -> list[tuple[str, Q, np.ndarray]]:
    tensors = []
    for i, shape in enumerate(shapes_for(qtype)):
        scale = np.float32(10.0 ** rng.integers(-3, 3))
        tensors.append((f"random.{i}", qtype, rng.standard_normal(shape).astype(np.float32) * scale))
    tensors.append(("hard", qtype, hard_blocks(qtype, rng)))
    if qtype in (Q.F32, Q.F16, Q.BF16) or platform.machine() == "x86_64":
        tensors.append(("non_finite", qtype, non_finite_blocks(qtype)))
        tensors.append(("signed_zeros", qtype, signed_zero_blocks(qtype, rng)))
    if qtype in (Q.F32, Q.F16, Q.BF16):  # every rounding case of the float conversions, NaN payloads included
        bits = np.concatenate([rng.integers(0, 1 << 32, size=1 << 14, dtype=np.uint32),
                               np.array([0x7F800001, 0x7FC00000, 0xFFC00001, 0x7F802000, 0x7FFFFFFF, 0xFF800001,
                                         0x477FEFFF, 0x477FF000, 0x38800000, 0x387FFFFF, 0x33000000, 0x33000001,
                                         0x337FFFFF, 0x3F808000, 0x3F818000, 0x3F807FFF, 0x7F7FFFFF, 0x00000001,
                                         0x80000000], dtype=np.uint32)])
        tensors.append(("bits", qtype, np.resize(bits, (4, -(-len(bits) // 4))).view(np.float32)))
    return tensors


@pytest.mark.parametrize("qtype", QUANTIZABLE, ids=lambda q: q.name)
def test_quantized_tensors_equal_gguf_python(qtype, tmp_path):
    tensors = tensors_for(qtype, np.random.default_rng(int(qtype)))
    ours, reference = write_both(tmp_path, [("general.name", VT.STRING, f"{qtype.name} tensors", None)], tensors)
    assert_same_bytes(ours, reference)

    listing, values = dump(ours, [name for name, _, _ in tensors])
    assert [(t["name"], t["type"], tuple(t["shape"])) for t in listing["tensors"]] == [
        (name, qtype.name, array.shape) for name, _, array in tensors]
    for tensor in gguf.GGUFReader(reference).tensors:
        with np.errstate(invalid="ignore"):  # NaN scales of the non-finite blocks
            expected = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
        assert_same_floats(values[tensor.name], expected.reshape(values[tensor.name].shape),
                           f"{qtype.name} tensor {tensor.name} read back")


def test_tensors_of_mixed_types_and_a_custom_alignment_equal_gguf_python(tmp_path):
    rng = np.random.default_rng(7)
    tensors = [(f"t.{qtype.name}", qtype, rng.standard_normal((3, 64)).astype(np.float32)) for qtype in QUANTIZABLE]
    tensors.append(("odd", Q.F16, rng.standard_normal((5,)).astype(np.float32)))  # 10 bytes: padded
    for alignment in (32, 8, 64, 4096):
        folder = tmp_path / str(alignment)
        folder.mkdir()
        ours, reference = write_both(folder, [("general.name", VT.STRING, "mixed", None)], tensors, alignment)
        assert_same_bytes(ours, reference)
        listing, _ = dump(ours)
        assert listing["alignment"] == alignment
        assert ("general.alignment" in [entry["key"] for entry in listing["metadata"]]) == (alignment != 32)


def test_tensors_encoded_when_the_file_is_written_equal_gguf_python(tmp_path):
    """The export's way: each tensor's blocks are made when write() reaches it, never all at once."""
    rng = np.random.default_rng(8)
    tensors = [(f"t.{qtype.name}", qtype, rng.standard_normal((4, 64)).astype(np.float32)) for qtype in QUANTIZABLE]
    ours = tmp_path / "ours.gguf"
    result = run_write(ours, {**write_description(tmp_path, [], tensors, 32), "deferred": True})
    assert result.returncode == 0, result.stderr
    assert_same_bytes(ours, write_gguf_python_file(tmp_path / "reference.gguf", [], tensors, 32))
    short = tmp_path / "short.gguf"
    result = run_write(short, {**write_description(tmp_path, [], tensors, 32), "deferred": True,
                               "short_tensor": "t.Q8_0"})
    assert result.returncode == 1 and "t.Q8_0" in result.stderr and "short.gguf" in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("short")) == []


# --- metadata ---------------------------------------------------------------------------------------------

EVERY_VALUE_TYPE = [
    ("test.uint8", VT.UINT8, 255, None), ("test.int8", VT.INT8, -128, None),
    ("test.uint16", VT.UINT16, 65535, None), ("test.int16", VT.INT16, -32768, None),
    ("test.uint32", VT.UINT32, 2 ** 32 - 1, None), ("test.int32", VT.INT32, -2 ** 31, None),
    ("test.uint64", VT.UINT64, 2 ** 64 - 1, None), ("test.int64", VT.INT64, -2 ** 63, None),
    ("test.float32", VT.FLOAT32, 0.1, None), ("test.float32.inf", VT.FLOAT32, float("-inf"), None),
    ("test.float32.nan", VT.FLOAT32, float("nan"), None), ("test.float32.tiny", VT.FLOAT32, 1e-40, None),
    ("test.float64", VT.FLOAT64, 0.1, None), ("test.float64.huge", VT.FLOAT64, 1.7e308, None),
    ("test.bool.true", VT.BOOL, True, None), ("test.bool.false", VT.BOOL, False, None),
    ("test.string", VT.STRING, "héllo, 世界 🙂\n\t\"quoted\"", None), ("test.string.empty", VT.STRING, "", None),
    ("tokenizer.chat_template", VT.STRING, "{% for m in messages %}{{ m['content'] }}{% endfor %}", None),
    ("test.array.uint8", VT.ARRAY, [0, 1, 255], VT.UINT8), ("test.array.int8", VT.ARRAY, [-128, 127], VT.INT8),
    ("test.array.uint16", VT.ARRAY, [65535], VT.UINT16), ("test.array.int16", VT.ARRAY, [-2, 3], VT.INT16),
    ("test.array.uint32", VT.ARRAY, [1, 2, 3], VT.UINT32), ("test.array.int32", VT.ARRAY, [-1, 0, 1], VT.INT32),
    ("test.array.uint64", VT.ARRAY, [2 ** 64 - 1], VT.UINT64), ("test.array.int64", VT.ARRAY, [-2 ** 63], VT.INT64),
    ("test.array.float32", VT.ARRAY, [0.5, -1.25e-3, 3.4e38], VT.FLOAT32),
    ("test.array.float64", VT.ARRAY, [0.1, -2.5e-300], VT.FLOAT64),
    ("test.array.bool", VT.ARRAY, [True, False, True], VT.BOOL),
    ("test.array.string", VT.ARRAY, ["a", "", "ü", "日本語", "<|im_end|>"], VT.STRING),
    ("test.array.nested", VT.ARRAY, [[1, 2], [3], [-4, 5, 6]], VT.ARRAY),
    ("test.array.nested.strings", VT.ARRAY, [["x", "y"], ["ζ"]], VT.ARRAY),
    ("test.array.nested.deep", VT.ARRAY, [[[[1.5]]], [[[2.5], [3.5]]]], VT.ARRAY),
    ("test.array.untyped", VT.ARRAY, [1.5, 2.5], None),  # gguf-python types it from the first element: float32
]


def test_metadata_of_every_value_type_equals_gguf_python(tmp_path):
    tensors = [("token_embd.weight", Q.F32, np.arange(8, dtype=np.float32).reshape(2, 4))]
    ours, reference = write_both(tmp_path, EVERY_VALUE_TYPE, tensors)
    assert_same_bytes(ours, reference)

    listing, _ = dump(ours)
    assert listing["version"] == 3
    read = {entry["key"]: entry for entry in listing["metadata"]}
    assert list(read) == [key for key, *_ in EVERY_VALUE_TYPE]
    assert read["test.uint64"]["value"] == 2 ** 64 - 1 and read["test.int64"]["value"] == -2 ** 63
    assert read["test.string"]["value"] == "héllo, 世界 🙂\n\t\"quoted\""
    assert read["test.float32.nan"]["value"] == "nan"
    assert read["test.array.nested"]["value"] == {
        "element_type": "array",
        "elements": [{"element_type": "int32", "elements": values} for values in ([1, 2], [3], [-4, 5, 6])]}


def test_metadata_alone_equals_gguf_python(tmp_path):
    """No tensors: the header, the metadata and the padding of the (empty) data area."""
    ours, reference = write_both(tmp_path, EVERY_VALUE_TYPE[:5], [])
    assert_same_bytes(ours, reference)
    listing, _ = dump(ours)
    assert listing["tensors"] == []


# --- refusals ---------------------------------------------------------------------------------------------

def refusal(tmp_path: Path, metadata: list[tuple] = (), tensors: list[tuple] = (), out: Path | None = None) -> str:
    out = out or tmp_path / "out.gguf"
    result = run_write(out, write_description(tmp_path, list(metadata), list(tensors)))
    assert result.returncode == 1, f"expected a refusal, got {result.returncode}: {result.stderr}"
    assert not out.exists()
    return result.stderr


def test_a_row_that_is_not_a_whole_number_of_blocks_is_refused(tmp_path):
    message = refusal(tmp_path, tensors=[("w", Q.Q8_0, np.ones((2, 48), dtype=np.float32))])
    assert "Q8_0" in message and "48" in message and "32" in message, message


@pytest.mark.parametrize("qtype", [Q.Q4_K, Q.Q6_K, Q.IQ4_NL], ids=lambda q: q.name)
def test_a_type_we_cannot_quantize_is_refused(tmp_path, qtype):
    message = refusal(tmp_path, tensors=[("w", qtype, np.ones((1, 256), dtype=np.float32))])
    assert f"cannot quantize to {qtype.name}" in message and "Q8_0" in message, message


def test_a_duplicate_key_or_a_value_out_of_range_is_refused(tmp_path):
    message = refusal(tmp_path, metadata=[("a.b", VT.UINT32, 1, None), ("a.b", VT.UINT32, 2, None)])
    assert '"a.b"' in message and "twice" in message, message
    message = refusal(tmp_path, metadata=[("a.small", VT.UINT8, 256, None)])
    assert '"a.small"' in message and "256" in message, message
    message = refusal(tmp_path, metadata=[("general.alignment", VT.UINT32, 64, None)])
    assert "general.alignment" in message, message


def test_an_unwritable_path_is_named_and_leaves_nothing_behind(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "model.gguf"
    message = refusal(tmp_path, metadata=[("general.name", VT.STRING, "x", None)], out=out)
    assert str(out) in message, message
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("values-")) == ["a-file"]


def test_a_full_disk_is_named_and_leaves_no_temporary(tmp_path):
    description = write_description(tmp_path, [("general.name", VT.STRING, "big", None)],
                                    [("w", Q.F32, np.ones((256, 1024), dtype=np.float32))])  # 1 MiB
    out = tmp_path / "disk" / "model.gguf"
    result = in_small_disk(tmp_path, 256, [str(WRITE_TOOL), str(out)], json.dumps(description))
    assert result.returncode == 1, result.stderr
    assert str(out) in result.stderr and "disk full" in result.stderr, result.stderr
    assert "left: []" in result.stdout, result.stdout
