"""Our GGUF reader (sdk/src/gguf, through tests/tools/gguf_dump.cpp) against the gguf Python package.

Files are written during the test, with gguf.GGUFWriter where it can write them and with the byte-level
encoder of gguf_files.py where it cannot (version 1 and 2, deep nesting, every kind of broken header).
Dequantized values must equal gguf.quants.dequantize bit for bit, for every type we decode.
"""
from __future__ import annotations

import json
from pathlib import Path

import gguf
import numpy as np
import pytest
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as Q, GGUFValueType as VT

from gguf_files import (DEQUANTIZABLE, F16_FIELDS, GOOD_F32, GOOD_Q8_0, SMOLLM2, assert_same_floats, dump, gstring,
                        good_image, kv, needs_smollm2, nested_arrays, random_blocks, run_dump, special_floats,
                        tensor_info, u32, u64)


def write_with_gguf_python(path: Path, tensors: dict[str, tuple[np.ndarray, Q | None]], metadata=()) -> Path:
    writer = gguf.GGUFWriter(path, "llama")
    for key, value, vtype, sub_type in metadata:
        writer.add_key_value(key, value, vtype, sub_type)
    for name, (array, raw_dtype) in tensors.items():
        writer.add_tensor(name, array, raw_dtype=raw_dtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def reference_values(path: Path) -> dict[str, np.ndarray]:
    reader = gguf.GGUFReader(path)
    return {t.name: gguf.quants.dequantize(t.data, t.tensor_type) for t in reader.tensors}


# --- dequantization ---------------------------------------------------------------------------------------

# Row-major shapes (the last one is the row) of 1 to 4 dimensions; rows are a whole number of blocks.
def shapes_for(qtype: Q) -> list[tuple[int, ...]]:
    block = GGML_QUANT_SIZES[qtype][0]
    return [(block * 3,), (16, block * 2), (2, 3, block), (2, 1, 2, block)]


def tensors_of(qtype: Q, rng: np.random.Generator) -> dict[str, tuple[np.ndarray, Q | None]]:
    tensors = {}
    for i, shape in enumerate(shapes_for(qtype)):
        if qtype == Q.F32:
            tensors[f"special.{i}"] = (special_floats(shape, rng), None)
        elif qtype == Q.F16:
            with np.errstate(over="ignore"):  # 3e38 becomes inf
                tensors[f"special.{i}"] = (special_floats(shape, rng).astype(np.float16), None)
        elif qtype == Q.BF16:
            bits = rng.integers(0, 1 << 16, size=shape, dtype=np.uint16)
            bits[(bits & 0x7F80) == 0x7F80] &= 0xBFFF  # exponent all ones (inf, NaN) → finite
            bits.flat[:3] = [0x7F80, 0xFF80, 0x7FC1]  # and then one inf, one -inf, one NaN on purpose
            tensors[f"bits.{i}"] = (bits.view(np.uint8), Q.BF16)
        else:
            tensors[f"random_blocks.{i}"] = (random_blocks(qtype, shape, rng), qtype)
        try:  # quantized from real values too, where gguf-python can quantize the type
            values = rng.standard_normal(shape).astype(np.float32) * np.float32(10.0 ** rng.integers(-3, 3))
            quantized = gguf.quants.quantize(values, qtype)
            tensors[f"quantized.{i}"] = (quantized, None if qtype in (Q.F32, Q.F16) else qtype)
        except NotImplementedError:
            pass
    return tensors


@pytest.mark.parametrize("qtype", DEQUANTIZABLE, ids=lambda q: q.name)
def test_dequantized_values_equal_gguf_python(qtype, tmp_path):
    tensors = tensors_of(qtype, np.random.default_rng(int(qtype)))
    path = write_with_gguf_python(tmp_path / f"{qtype.name}.gguf", tensors)
    listing, ours = dump(path, list(tensors))
    reference = reference_values(path)
    assert {info["name"]: info["type"] for info in listing["tensors"]} == {name: qtype.name for name in tensors}
    for name in tensors:
        assert_same_floats(ours[name], reference[name], f"{qtype.name} tensor {name}")
    if qtype in F16_FIELDS:  # the random blocks did reach every kind of scale
        scales = np.concatenate([tensors[name][0].reshape(-1, GGML_QUANT_SIZES[qtype][1])[:, o:o + 2]
                                 for name in tensors if name.startswith("random") for o in F16_FIELDS[qtype]])
        scales = scales.copy().view(np.float16).astype(np.float32).ravel()
        assert (scales < 0).any() and (scales > 0).any() and (np.abs(scales) > 6e4).any()
        assert ((scales != 0) & (np.abs(scales) < 2.0 ** -14)).any()  # subnormal


def test_shapes_dims_offsets_and_raw_bytes(tmp_path):
    rng = np.random.default_rng(7)
    q4_k = random_blocks(Q.Q4_K, (3, 2, 512), rng)
    f32 = rng.standard_normal((4, 3)).astype(np.float32)
    path = write_with_gguf_python(tmp_path / "shapes.gguf", {"q4_k": (q4_k, Q.Q4_K), "f32": (f32, None)})
    reader = gguf.GGUFReader(path)
    args = []
    for name in ("q4_k", "f32"):
        args += ["--raw", name, tmp_path / f"{name}.bin"]
    result = run_dump(path, *args)
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert listing["version"] == 3 and listing["alignment"] == 32
    infos = {info["name"]: info for info in listing["tensors"]}
    assert infos["q4_k"] == {"name": "q4_k", "type": "Q4_K", "dims": [512, 2, 3], "shape": [3, 2, 512],
                             "offset": infos["q4_k"]["offset"], "element_count": 3072, "byte_size": q4_k.nbytes}
    assert infos["f32"]["dims"] == [3, 4] and infos["f32"]["shape"] == [4, 3] and infos["f32"]["byte_size"] == 48
    for tensor in reader.tensors:
        assert infos[tensor.name]["dims"] == [int(d) for d in tensor.shape]
        assert infos[tensor.name]["offset"] == tensor.data_offset - reader.data_offset
        assert (tmp_path / f"{tensor.name}.bin").read_bytes() == tensor.data.tobytes()


def test_version_2_reads_as_version_3(tmp_path):
    """Version 3 only added big-endian files: a little-endian version 2 file is the same bytes but the version."""
    v3 = write_with_gguf_python(tmp_path / "v3.gguf", {"w": (random_blocks(Q.Q6_K, (2, 256), np.random.default_rng(2)),
                                                             Q.Q6_K)})
    image = bytearray(v3.read_bytes())
    image[4:8] = u32(2)
    v2 = tmp_path / "v2.gguf"
    v2.write_bytes(image)
    listing3, values3 = dump(v3, ["w"])
    listing2, values2 = dump(v2, ["w"])
    assert listing2["version"] == 2 and listing3["version"] == 3
    assert {**listing2, "version": 3} == listing3
    assert_same_floats(values2["w"], values3["w"], "version 2")


def test_file_without_tensors(tmp_path):
    path = write_with_gguf_python(tmp_path / "empty.gguf", {})
    listing, _ = dump(path)
    assert listing["tensors"] == [] and listing["metadata"][0]["key"] == "general.architecture"


def test_unsupported_type_is_refused_by_name_but_raw_bytes_are_readable(tmp_path):
    ints = np.arange(6, dtype=np.int32).reshape(2, 3)
    path = write_with_gguf_python(tmp_path / "ints.gguf", {"ids": (ints, None)})
    result = run_dump(path, "--tensor", "ids", tmp_path / "ids.f32")
    assert result.returncode == 1
    assert result.stderr.startswith(str(path))
    assert ('tensor "ids" has the ggml type I32, which cannot be dequantized here (supported: F32, F16, BF16, Q4_0, '
            'Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)') in result.stderr
    assert run_dump(path, "--raw", "ids", tmp_path / "ids.bin").returncode == 0
    assert (tmp_path / "ids.bin").read_bytes() == ints.tobytes()
    missing = run_dump(path, "--tensor", "idz", tmp_path / "x.f32")
    assert missing.returncode == 1 and 'no tensor "idz" in this file — did you mean "ids"?' in missing.stderr


# --- metadata ---------------------------------------------------------------------------------------------

TYPE_NAMES = {t: ("bool" if t == VT.BOOL else t.name.lower()) for t in VT}

METADATA = [  # key, value, type, element type of an array
    ("t.uint8", 255, VT.UINT8, None),
    ("t.int8", -128, VT.INT8, None),
    ("t.uint16", 65535, VT.UINT16, None),
    ("t.int16", -32768, VT.INT16, None),
    ("t.uint32", 2**32 - 1, VT.UINT32, None),
    ("t.int32", -2**31, VT.INT32, None),
    ("t.uint64", 2**64 - 1, VT.UINT64, None),
    ("t.int64", -2**63, VT.INT64, None),
    ("t.float32", 0.1, VT.FLOAT32, None),
    ("t.float32.tiny", 1e-45, VT.FLOAT32, None),
    ("t.float64", -1.2345678901234567e300, VT.FLOAT64, None),
    ("t.bool.true", True, VT.BOOL, None),
    ("t.bool.false", False, VT.BOOL, None),
    ("t.string", "Grüße, 世界 🙂", VT.STRING, None),
    ("t.string.empty", "", VT.STRING, None),
    ("t.array.uint8", [0, 1, 255], VT.ARRAY, VT.UINT8),
    ("t.array.int16", [-2, 7], VT.ARRAY, VT.INT16),
    ("t.array.int32", [-1, 0, 2**31 - 1], VT.ARRAY, VT.INT32),
    ("t.array.uint64", [2**64 - 1, 0], VT.ARRAY, VT.UINT64),
    ("t.array.float32", [0.5, -1.25, 3.4e38], VT.ARRAY, VT.FLOAT32),
    ("t.array.float64", [1e-300], VT.ARRAY, VT.FLOAT64),
    ("t.array.bool", [True, False, True], VT.ARRAY, VT.BOOL),
    ("t.array.string", ["a", "", "ü"], VT.ARRAY, VT.STRING),
    ("t.array.nested", [[1, 2], [3]], VT.ARRAY, VT.ARRAY),
    ("t.array.nested.strings", [["x"], ["y", "z"]], VT.ARRAY, VT.ARRAY),
    ("t.array.nested.deeper", [[[1.5]], [[2.5, 3.5]]], VT.ARRAY, VT.ARRAY),
]


def expected_json(value, vtype: VT, sub_type: VT | None = None):
    """What tunepipe_gguf_dump prints for a value written with GGUFWriter."""
    if vtype == VT.ARRAY:
        sub_type = VT.get_type(value[0]) if sub_type is None else sub_type
        return {"element_type": TYPE_NAMES[sub_type], "elements": [expected_json(v, sub_type) for v in value]}
    if vtype == VT.FLOAT32:
        return float(np.float32(value))
    return value


def test_metadata_of_every_type_reads_back(tmp_path):
    writer = gguf.GGUFWriter(tmp_path / "metadata.gguf", "llama")
    for key, value, vtype, sub_type in METADATA:
        writer.add_key_value(key, value, vtype, sub_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    listing, _ = dump(tmp_path / "metadata.gguf")
    expected = [{"key": "general.architecture", "type": "string", "value": "llama"}]
    expected += [{"key": key, "type": TYPE_NAMES[vtype], "value": expected_json(value, vtype, sub_type)}
                 for key, value, vtype, sub_type in METADATA]
    assert listing["metadata"] == expected


def test_deepest_nesting_we_accept(tmp_path):
    base = good_image()
    path = tmp_path / "nested.gguf"
    path.write_bytes(base.but(kvs=base.kvs + [kv("deep", VT.ARRAY, nested_arrays(8))]).encode())
    listing, _ = dump(path)
    value = listing["metadata"][-1]["value"]
    for _ in range(7):
        assert value["element_type"] == "array" and len(value["elements"]) == 1
        value = value["elements"][0]
    assert value == {"element_type": "uint8", "elements": []}


def test_hand_encoded_good_file_reads_the_same_in_gguf_python(tmp_path):
    """The bad-file corpus below is derived from this file: it must be good for both readers."""
    path = tmp_path / "good.gguf"
    path.write_bytes(good_image().encode())
    listing, ours = dump(path, ["a", "b"])
    reader = gguf.GGUFReader(path)
    assert [t.name for t in reader.tensors] == [t["name"] for t in listing["tensors"]] == ["a", "b"]
    assert_same_floats(ours["a"], GOOD_F32, "a")
    assert_same_floats(ours["b"], gguf.quants.dequantize(np.frombuffer(GOOD_Q8_0, np.uint8), Q.Q8_0), "b")
    assert reader.fields["test.list"].contents() == [1, 2, 3]


# --- the real model file ----------------------------------------------------------------------------------

@needs_smollm2
def test_real_file_metadata_and_tensors_equal_gguf_python(tmp_path):
    names = ["blk.0.ffn_down.weight", "blk.0.attn_norm.weight", "token_embd.weight"]  # Q4_1, F32, Q8_0
    listing, ours = dump(SMOLLM2, names, out_dir=tmp_path)
    reader = gguf.GGUFReader(SMOLLM2)

    metadata = {entry["key"]: entry for entry in listing["metadata"]}
    assert metadata["general.architecture"]["value"] == "llama"
    assert "<|im_start|>" in metadata["tokenizer.chat_template"]["value"]
    assert {"tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.merges",
            "tokenizer.ggml.bos_token_id"} <= set(metadata)
    fields = {k: f for k, f in reader.fields.items() if not k.startswith("GGUF.")}
    assert list(metadata) == list(fields)
    for key, field in fields.items():
        entry = metadata[key]
        assert entry["type"] == TYPE_NAMES[field.types[0]], key
        value = entry["value"]
        if field.types[0] == VT.ARRAY:
            assert value["element_type"] == TYPE_NAMES[field.types[-1]], key
            value = value["elements"]
        expected = field.contents()
        if field.types[-1] == VT.FLOAT32:
            expected = float(np.float32(expected))
        assert value == expected, key

    tensors = {t.name: t for t in reader.tensors}
    assert [info["name"] for info in listing["tensors"]] == list(tensors)
    for info in listing["tensors"]:
        tensor = tensors[info["name"]]
        assert (info["type"], info["dims"], info["offset"], info["byte_size"]) == (
            tensor.tensor_type.name, [int(d) for d in tensor.shape], tensor.data_offset - reader.data_offset,
            tensor.n_bytes)
    types = {info["name"]: info["type"] for info in listing["tensors"]}
    assert [types[name] for name in names] == ["Q4_1", "F32", "Q8_0"]
    for name in names:
        assert_same_floats(ours[name], gguf.quants.dequantize(tensors[name].data, tensors[name].tensor_type), name)


# --- bad files --------------------------------------------------------------------------------------------

def with_kv(*extra: bytes):
    return lambda image: image.but(kvs=image.kvs + list(extra))


def with_alignment(payload_type: VT, payload: bytes):
    return lambda image: image.but(kvs=[image.kvs[0], kv("general.alignment", payload_type, payload)] + image.kvs[2:])


def with_tensor_b(name=b"b", dims=(32,), ggml_type=Q.Q8_0, offset=64):
    return lambda image: image.but(infos=[image.infos[0], tensor_info(name, list(dims), ggml_type, offset)])


def big_endian_file(tmp_path: Path) -> bytes:
    writer = gguf.GGUFWriter(tmp_path / "big.gguf", "llama", endianess=gguf.GGUFEndian.BIG)
    writer.add_tensor("w", np.ones(4, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return (tmp_path / "big.gguf").read_bytes()


def truncated(length: int):
    return lambda image: image.encode()[:length]


# name → (how the good file is changed, what the message must say)
BAD_FILES = {
    "empty": (lambda image: b"", "not a GGUF file: it starts with the bytes [], not \"GGUF\""),
    "bad-magic": (lambda image: image.but(magic=b"GGML"), "not a GGUF file: it starts with the bytes [47 47 4d 4c]"),
    "version-1": (lambda image: image.but(version=1), "GGUF version 1 (the 2023 draft with 32-bit counts and lengths) "
                                                      "is not supported"),
    "version-4": (lambda image: image.but(version=4), "unsupported GGUF version 4: versions 2 and 3 can be read"),
    "big-endian": (big_endian_file, "this is a big-endian GGUF file (version 3 stored byte-swapped)"),
    "truncated-header": (truncated(20), "the file ends inside the metadata count: 8 bytes needed, 4 left of 20"),
    "truncated-metadata": (truncated(100), 'metadata key "general.alignment": the file ends inside a uint32 value: '
                                           "4 bytes needed, 2 left of 100"),
    "truncated-data": (truncated(-40), 'tensor "b": its 34 bytes at data offset 64 run past the end of the data area'),
    "huge-tensor-count": (lambda image: image.but(tensor_count=2**62),
                          "the header announces 4611686018427387904 tensors, but the"),
    "huge-metadata-count": (lambda image: image.but(kv_count=2**64 - 1),
                            "the header announces 18446744073709551615 metadata entries"),
    "huge-key-length": (with_kv(u64(2**63) + b"key"), "the key is 9223372036854775808 bytes long, but only"),
    "huge-string-length": (with_kv(kv("s", VT.STRING, u64(2**40) + b"abc")),
                           'metadata key "s": a string value is 1099511627776 bytes long, but only'),
    "huge-array-length": (with_kv(kv("n", VT.ARRAY, u32(VT.UINT32) + u64(2**60))),
                          'metadata key "n": an array of 1152921504606846976 uint32 values needs at least '
                          '4611686018427387904 bytes'),
    "huge-string-array": (with_kv(kv("n", VT.ARRAY, u32(VT.STRING) + u64(2**59) + gstring("x"))),
                          "an array of 576460752303423488 string values needs at least"),
    "nested-array-bomb": (with_kv(kv("n", VT.ARRAY, nested_arrays(100_000))), 'metadata key "n": arrays nest more '
                                                                              "than 8 deep"),
    "wide-array-bomb": (with_kv(kv("n", VT.ARRAY, u32(VT.ARRAY) + u64(2**40) + nested_arrays(2))),
                        "an array of 1099511627776 array values needs at least 13194139533312 bytes"),
    "unknown-metadata-type": (with_kv(kv("x", 13, u64(0))), 'metadata key "x": unknown metadata value type 13'),
    "unknown-array-element-type": (with_kv(kv("x", VT.ARRAY, u32(99) + u64(0))), "unknown metadata value type 99 "
                                                                                 "(the element type of an array"),
    "bool-not-0-or-1": (with_kv(kv("flag", VT.BOOL, b"\x02")), 'metadata key "flag": a bool value holds the byte 2'),
    "duplicate-key": (with_kv(kv("test.count", VT.UINT32, u32(8))), 'metadata key "test.count": the key appears '
                                                                    "twice (first at byte"),
    "empty-key": (with_kv(kv(b"", VT.UINT8, b"\x01")), "metadata entry 4: the key is empty"),
    "non-utf8-key": (with_kv(kv(b"bad\xff", VT.UINT8, b"\x01")), "metadata entry 4: the key is not valid UTF-8 (byte "
                                                                 "3 of it)"),
    "non-utf8-tensor-name": (with_tensor_b(name=b"w\xc3\x28"), "tensor info 1: the tensor name is not valid UTF-8"),
    "duplicate-tensor-name": (with_tensor_b(name=b"a"), 'tensor "a": the tensor name appears twice'),
    "rank-5": (with_tensor_b(dims=(32, 1, 1, 1, 1)), 'tensor "b": 5 dimensions, but ggml tensors have at most 4'),
    "zero-dim": (with_tensor_b(dims=(32, 0)), 'tensor "b": dimension 1 is 0'),
    "dim-above-int64": (with_tensor_b(dims=(32, 2**63)), "dimension 1 is 9223372036854775808, more than a tensor can "
                                                         "hold"),
    "dims-overflow": (with_tensor_b(dims=(2**32, 2**32), ggml_type=Q.F32), "dims [4294967296, 4294967296] hold more "
                                                                           "than 2^63 - 1 elements"),
    "bytes-overflow": (with_tensor_b(dims=(2**31, 2**31), ggml_type=Q.F32), "dims [2147483648, 2147483648] of F32 "
                                                                            "take more than 2^64 bytes"),
    "row-not-whole-blocks": (with_tensor_b(dims=(33,)), "the row length 33 (dims[0]) is not a multiple of the Q8_0 "
                                                        "block size 32"),
    "unknown-ggml-type": (with_tensor_b(ggml_type=99), 'tensor "b": unknown ggml type 99'),
    "removed-ggml-type": (with_tensor_b(ggml_type=4), 'tensor "b": unknown ggml type 4'),
    "offset-past-end": (with_tensor_b(offset=2**40), 'tensor "b": its 34 bytes at data offset 1099511627776 run past '
                                                     "the end of the data area (128 bytes"),
    "offset-wraps-around": (with_tensor_b(offset=2**64 - 32), "run past the end of the data area"),
    "misaligned-offset": (with_tensor_b(offset=65), 'tensor "b": its data offset 65 is not a multiple of the '
                                                    "alignment 32"),
    "overlapping-tensors": (with_tensor_b(offset=32), 'tensors "a" (data bytes 0–64) and "b" (data bytes 32–66) '
                                                      "overlap"),
    "alignment-0": (with_alignment(VT.UINT32, u32(0)), 'metadata key "general.alignment" is 0: the data alignment '
                                                       "must be a power of two"),
    "alignment-48": (with_alignment(VT.UINT32, u32(48)), 'metadata key "general.alignment" is 48'),
    "alignment-huge": (with_alignment(VT.UINT64, u64(2**40)), 'metadata key "general.alignment" is 1099511627776, '
                                                              "outside the accepted range [0, 4294967295]"),
    "alignment-string": (with_alignment(VT.STRING, gstring("32")), 'metadata key "general.alignment" holds a string, '
                                                                   "but an integer (uint8 … int64) is expected"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_is_refused_with_its_message(case, tmp_path):
    change, message = BAD_FILES[case]
    image = change(tmp_path) if change is big_endian_file else change(good_image())
    path = tmp_path / f"{case}.gguf"
    path.write_bytes(image if isinstance(image, bytes) else image.encode())
    result = run_dump(path, "--tensor", "a", tmp_path / "a.f32")
    assert result.returncode == 1, f"exit {result.returncode}: {result.stdout[:200]} {result.stderr}"
    assert result.stderr.startswith(f"{path}: error: "), result.stderr
    assert message in result.stderr, result.stderr
