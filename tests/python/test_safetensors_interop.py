"""Our safetensors reader and writer against the reference package, and a corpus of bad checkpoints.

The C++ side runs through `tunepipe checkpoint inspect PATH` (one `name dtype [shape]` line per tensor)
and `tunepipe checkpoint copy SRC DST` (read with our reader, write with our writer).
"""
import json
import struct

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from tunepipe_env import run_tunepipe

DTYPE_NAMES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
               torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
               torch.bool: "BOOL", torch.float8_e4m3fn: "F8_E4M3", torch.float8_e5m2: "F8_E5M2",
               torch.complex64: "C64", torch.uint16: "U16", torch.uint32: "U32", torch.uint64: "U64"}


def sample_tensors():
    generator = torch.Generator().manual_seed(0)
    tensors = {
        "model.embed_tokens.weight": torch.randn(7, 4, generator=generator),
        "model.layers.0.self_attn.q_proj.weight": torch.randn(4, 4, generator=generator).to(torch.bfloat16),
        "model.layers.0.mlp.up_proj.weight": torch.randn(3, 4, generator=generator).to(torch.float16),
        "f64": torch.randn(3, generator=generator, dtype=torch.float64),
        "i64": torch.arange(-3, 4, dtype=torch.int64),
        "i32": torch.arange(5, dtype=torch.int32),
        "i16": torch.arange(3, dtype=torch.int16),
        "i8": torch.tensor([-128, 0, 127], dtype=torch.int8),
        "u8": torch.arange(9, dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "f8_e4m3": torch.tensor([0.5, -1.0, 2.0]).to(torch.float8_e4m3fn),
        "f8_e5m2": torch.tensor([0.25, 4.0]).to(torch.float8_e5m2),
        "c64": torch.tensor([1 + 2j, -3j], dtype=torch.complex64),
        "u16": torch.tensor([0, 65535], dtype=torch.uint16),
        "scalar": torch.tensor(3.25),
        "empty": torch.zeros(0, 5),
        "odd.bf16": torch.ones(3, dtype=torch.bfloat16),  # an odd byte count before narrower tensors
    }
    return tensors


def same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    return torch.equal(a.view(torch.uint8) if a.dtype.itemsize == 1 and a.dtype.is_floating_point else a,
                       b.view(torch.uint8) if b.dtype.itemsize == 1 and b.dtype.is_floating_point else b)


def inspect(path):
    result = run_tunepipe("checkpoint", "inspect", path)
    assert result.returncode == 0, result.stderr
    listed = {}
    for line in result.stdout.splitlines():
        name, dtype, shape = line.split(" ")
        listed[name] = (dtype, json.loads(shape))
    return listed


def header_of(path):
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    return length, json.loads(data[8:8 + length])


def test_we_read_what_the_reference_writes(tmp_path):
    tensors = sample_tensors()
    save_file(tensors, tmp_path / "model.safetensors", metadata={"format": "pt"})
    listed = inspect(tmp_path)
    assert listed == {name: (DTYPE_NAMES[t.dtype], list(t.shape)) for name, t in tensors.items()}
    assert list(listed) == sorted(tensors)
    assert inspect(tmp_path / "model.safetensors") == listed


def test_the_reference_reads_what_we_write_byte_for_byte(tmp_path):
    tensors = sample_tensors()
    source, copy = tmp_path / "source.safetensors", tmp_path / "copy.safetensors"
    save_file(tensors, source, metadata={"format": "pt", "note": "héllo"})
    run_tunepipe("checkpoint", "copy", source, copy, check=True)

    loaded = load_file(copy)
    assert set(loaded) == set(tensors)
    for name, tensor in tensors.items():
        assert same(loaded[name], tensor), name
    with safe_open(copy, "pt") as f:
        assert f.metadata() == {"format": "pt", "note": "héllo"}
    length, _ = header_of(copy)
    assert length % 8 == 0
    # Same layout order, same JSON, same padding as the reference writer. With
    # one metadata key only: the reference keeps metadata in a hash map, so the
    # order of several keys differs from run to run.
    single, single_copy = tmp_path / "single.safetensors", tmp_path / "single-copy.safetensors"
    save_file(tensors, single, metadata={"format": "pt"})
    run_tunepipe("checkpoint", "copy", single, single_copy, check=True)
    assert single_copy.read_bytes() == single.read_bytes()
    assert not list(tmp_path.glob("*.tmp-*"))


def test_non_contiguous_and_strided_tensors_round_trip(tmp_path):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    tensors = {"t": base.t().contiguous(), "s": base[:, ::2].contiguous()}
    source, copy = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    save_file(tensors, source)
    run_tunepipe("checkpoint", "copy", source, copy, check=True)
    for name, tensor in load_file(copy).items():
        assert torch.equal(tensor, tensors[name])


def test_a_checkpoint_that_transformers_writes_sharded(tmp_path):
    transformers = pytest.importorskip("transformers")
    config = transformers.Qwen2Config(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                                      num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=False)
    torch.manual_seed(0)
    model = transformers.Qwen2ForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(tmp_path, max_shard_size="4KB")
    assert (tmp_path / "model.safetensors.index.json").exists()
    assert len(list(tmp_path.glob("*.safetensors"))) > 1
    state = model.state_dict()
    listed = inspect(tmp_path)
    assert listed == {name: ("BF16", list(t.shape)) for name, t in state.items()}


# ---- the bad-checkpoint corpus: every file gets a clear error naming it, never a crash ----

def raw(path, header, data=b""):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)
    return path


def valid_file(path):
    save_file({"a": torch.arange(4, dtype=torch.float32), "b": torch.ones(2, 2)}, path)
    return path


def truncated(tmp):
    path = valid_file(tmp / "model.safetensors")
    path.write_bytes(path.read_bytes()[:-5])
    return path, 'tensor "b": data_offsets [16,32] go past the end of the data area (27 bytes)'


def truncated_to_nothing(tmp):
    path = tmp / "model.safetensors"
    path.write_bytes(b"\x10\x00")
    return path, "the file is 2 bytes long, too short for the 8-byte header length"


def header_past_eof(tmp):
    path = tmp / "model.safetensors"
    path.write_bytes(struct.pack("<Q", 4096) + b'{"a":')
    return path, "header length 4096 runs past the end of the file (13 bytes)"


def huge_header_length(tmp):
    path = tmp / "model.safetensors"
    path.write_bytes(struct.pack("<Q", 2**63) + b"{}")
    return path, "header length 9223372036854775808 is over the 100000000-byte limit"


def overlapping(tmp):
    return raw(tmp / "model.safetensors", {
        "model.layers.3.mlp.up_proj.weight": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
        "model.layers.3.mlp.down_proj.weight": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]},
    }, bytes(24)), ('tensor "model.layers.3.mlp.up_proj.weight" (bytes 0–16) overlaps the next tensor '
                    '"model.layers.3.mlp.down_proj.weight" (bytes 8–24)')


def hole(tmp):
    return raw(tmp / "model.safetensors", {
        "a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
        "b": {"dtype": "U8", "shape": [4], "data_offsets": [8, 12]},
    }, bytes(12)), 'bytes 4–8 of the data area belong to no tensor (between "a" and "b")'


def trailing_bytes(tmp):
    return raw(tmp / "model.safetensors", {"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}},
               bytes(6)), 'bytes 4–6 of the data area belong to no tensor (after "a")'


def unknown_dtype(tmp):
    return raw(tmp / "model.safetensors", {"a": {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}},
               bytes(16)), 'tensor "a": unknown dtype "F128" (the format has BOOL, F4,'


def size_mismatch(tmp):
    return raw(tmp / "model.safetensors", {"w": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, 10]}},
               bytes(10)), 'tensor "w": shape [2,3] of BF16 needs 12 bytes but data_offsets [0,10] hold 10'


def negative_dim(tmp):
    return raw(tmp / "model.safetensors", {"w": {"dtype": "F32", "shape": [-1, 2], "data_offsets": [0, 8]}},
               bytes(8)), 'tensor "w": shape [-1,2] has a negative size'


def size_overflow(tmp):
    return raw(tmp / "model.safetensors",
               {"w": {"dtype": "F32", "shape": [2**62, 2**62], "data_offsets": [0, 8]}},
               bytes(8)), 'tensor "w": shape [4611686018427387904,4611686018427387904] of F32 is too large'


def duplicate_name(tmp):
    entry = '{"dtype":"U8","shape":[1],"data_offsets":[0,1]}'
    return raw(tmp / "model.safetensors", ('{"a":' + entry + ',"a":' + entry + "}").encode(), bytes(1)), \
        'the header lists "a" twice'


def non_utf8_header(tmp):
    return raw(tmp / "model.safetensors", b'{"caf\xe9":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}',
               bytes(1)), "the header is not valid UTF-8 (byte 5 of the header)"


def not_json(tmp):
    return raw(tmp / "model.safetensors", b"PK\x03\x04 this is a zip"), "the header is not valid JSON: "


def unloadable_dtype(tmp):
    return raw(tmp / "model.safetensors", {"q": {"dtype": "F6_E2M3", "shape": [4], "data_offsets": [0, 3]}},
               bytes(3)), 'tensor "q" has dtype F6_E2M3, which libtorch has no type for'


def index_with_shards(tmp, weight_map):
    save_file({"a": torch.zeros(2)}, tmp / "model-00001-of-00002.safetensors")
    save_file({"b": torch.ones(2)}, tmp / "model-00002-of-00002.safetensors")
    index = tmp / "model.safetensors.index.json"
    index.write_text(json.dumps({"metadata": {"total_size": 16}, "weight_map": weight_map}))
    return index


def missing_shard(tmp):
    index = index_with_shards(tmp, {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors",
                                    "c": "model-00003-of-00003.safetensors"})
    return tmp, ('shard "model-00003-of-00003.safetensors" does not exist (the index names it for 1 tensor, '
                 'e.g. "c")'), index


def tensor_missing_from_shard(tmp):
    index = index_with_shards(tmp, {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors"})
    return tmp, 'tensor "b" is listed in shard "model-00001-of-00002.safetensors", which does not hold it', index


def bad_shard(tmp):
    index = index_with_shards(tmp, {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"})
    shard = tmp / "model-00002-of-00002.safetensors"
    shard.write_bytes(shard.read_bytes()[:-1])
    return tmp, 'tensor "b": data_offsets [0,8] go past the end of the data area (7 bytes)', shard


def pickle_only(tmp):
    torch.save({"a": torch.zeros(2)}, tmp / "pytorch_model.bin")
    return tmp, ("this folder holds only pickle checkpoints (pytorch_model.bin), which tunepipe does not load "
                 "(unpickling can run arbitrary code). Convert it to safetensors once with:\n  python -c "
                 f"\"import transformers as t; t.AutoModelForCausalLM.from_pretrained('{tmp}')"
                 f".save_pretrained('{tmp}-safetensors', safe_serialization=True)")


def empty_folder(tmp):
    return tmp, "no model.safetensors, model.safetensors.index.json or other .safetensors file in this folder"


CORPUS = [truncated, truncated_to_nothing, header_past_eof, huge_header_length, overlapping, hole, trailing_bytes,
          unknown_dtype, size_mismatch, negative_dim, size_overflow, duplicate_name, non_utf8_header, not_json,
          unloadable_dtype, missing_shard, tensor_missing_from_shard, bad_shard, pickle_only, empty_folder]


@pytest.mark.parametrize("make_bad", CORPUS, ids=[f.__name__ for f in CORPUS])
def test_bad_checkpoints_get_a_clear_error(tmp_path, make_bad):
    made = make_bad(tmp_path)
    target, message = made[0], made[1]
    blamed = made[2] if len(made) > 2 else target  # the file the error is about
    result = run_tunepipe("checkpoint", "inspect", target)
    assert result.returncode == 1, (result.returncode, result.stderr)  # an error, not a signal or abort
    assert result.stdout == ""
    assert result.stderr.startswith(f"{blamed}: error: {message}"), result.stderr
    assert result.stderr.count("\n") <= 2, result.stderr


REFERENCE_REFUSES = [truncated, truncated_to_nothing, header_past_eof, huge_header_length, overlapping, hole,
                     trailing_bytes, unknown_dtype, size_mismatch, negative_dim, size_overflow, non_utf8_header,
                     not_json]


@pytest.mark.parametrize("make_bad", REFERENCE_REFUSES, ids=[f.__name__ for f in REFERENCE_REFUSES])
def test_the_reference_refuses_the_same_files(tmp_path, make_bad):
    path = make_bad(tmp_path)[0]
    with pytest.raises(Exception):
        with safe_open(path, "pt") as f:
            for name in f.keys():
                f.get_tensor(name)


def test_copy_leaves_nothing_behind_when_it_fails(tmp_path):
    source = valid_file(tmp_path / "model.safetensors")
    result = run_tunepipe("checkpoint", "copy", source, tmp_path / "missing" / "out.safetensors")
    assert result.returncode == 1
    assert "cannot create" in result.stderr
    bad, _ = overlapping(tmp_path)
    result = run_tunepipe("checkpoint", "copy", bad, tmp_path / "out.safetensors")
    assert result.returncode == 1
    assert not (tmp_path / "out.safetensors").exists()
    assert not list(tmp_path.glob("*.tmp-*"))


def test_usage_errors():
    assert run_tunepipe("checkpoint", "frobnicate", "x").returncode == 2
    assert run_tunepipe("checkpoint", "copy", "only-one").returncode == 2
    assert run_tunepipe("checkpoint", "--help").stdout.startswith("usage: tunepipe checkpoint ")
