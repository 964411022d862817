"""tokenizer.json of every kind the supported model families ship, against HF `tokenizers` itself.

Real tokenizer.json files cannot be downloaded here, so each kind is built in the test
with the `tokenizers` library: a small BPE trained on the test corpus, then given the
normalizers, pre-tokenizers, model options, added tokens, post-processor and decoders of
the family it stands for (SmolLM2/StarCoder: a byte-level vocabulary lacking bytes; Llama 3:
ignore_merges; Llama 2/TinyLlama/Mistral/Gemma: ▁ spaces with byte_fallback; Roberta/Bert
style post-processors; Sequence normalizers and pre-tokenizers of every split behaviour).
The reference is `Tokenizer.encode(text, add_special_tokens=...)` and `Tokenizer.decode`
of that very file; our side is `tunepipe tokenize` on a folder holding only it.
"""
from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402
from gguf_files import SMOLLM2  # noqa: E402
from test_tokenizer_parity import describe_mismatches  # noqa: E402
from tunepipe_env import BIN  # noqa: E402

tokenizers = pytest.importorskip("tokenizers")
from tokenizers import (AddedToken, Regex, Tokenizer, decoders, models, normalizers,  # noqa: E402
                        pre_tokenizers, processors, trainers)

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
# Bytes whose byte-level symbols the missing-bytes vocabulary lacks: the 13 that never occur in
# UTF-8 and 8 that the corpus uses (tab, CR, escape, DEL and lead bytes of emoji and CJK).
MISSING_BYTES = [0xC0, 0xC1, *range(0xF5, 0x100), 0x09, 0x0D, 0x1B, 0x7F, 0xF0, 0xE4, 0xE5, 0x00]
# Added tokens with each flag; the corpus writes them inside text.
FLAGGED_TOKENS = [
    AddedToken("<L>", lstrip=True, normalized=False), AddedToken("<R>", rstrip=True, normalized=False),
    AddedToken("<W>", single_word=True, normalized=False), AddedToken("<|end|>", special=True, normalized=False),
    AddedToken("<|begin|>", special=True, lstrip=True, rstrip=True, normalized=False),
    AddedToken("world", normalized=True), AddedToken("Hello", normalized=True, single_word=True),
    AddedToken("you are", normalized=True, rstrip=True), AddedToken("café", normalized=True),
]


@functools.lru_cache(maxsize=None)
def texts() -> tuple[str, ...]:
    return tuple(corpus.generate())


def training_texts(exclude_bytes=()) -> list[str]:
    banned = set(exclude_bytes)
    return [t for t in texts()[::3] if not banned.intersection(t.encode("utf-8"))]


def edited(tokenizer: Tokenizer, edit) -> Tokenizer:
    """The tokenizer with its JSON changed by `edit(dict)`."""
    data = json.loads(tokenizer.to_str())
    edit(data)
    return Tokenizer.from_str(json.dumps(data))


def byte_symbols() -> dict[int, str]:
    """byte -> its character of the byte-level alphabet (GPT-2's table)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    table, shifted = {}, 0x100
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(shifted)
            shifted += 1
    return table


def train_byte_level(pre_tokenizer, texts_, vocab_size=1500, alphabet=None, special=()) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False, special_tokens=list(special),
                                  initial_alphabet=alphabet if alphabet is not None else pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts_, trainer)
    return tokenizer


def train_metaspace(limit_alphabet=180) -> Tokenizer:
    """A ▁-space BPE with <0xXX> byte tokens and Llama's specials, trained on the corpus."""
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(vocab_size=1500, show_progress=False, limit_alphabet=limit_alphabet,
                                  special_tokens=["<unk>", "<s>", "</s>"])
    tokenizer.train_from_iterator(training_texts(), trainer)

    def add_byte_tokens(data):
        vocab = data["model"]["vocab"]
        for b in range(256):
            vocab.setdefault(f"<0x{b:02X}>", len(vocab))
        data["model"].update(byte_fallback=True, fuse_unk=True, unk_token="<unk>")
        data["pre_tokenizer"] = None
    return edited(tokenizer, add_byte_tokens)


@functools.lru_cache(maxsize=None)
def missing_bytes_base() -> Tokenizer:
    """SmolLM2/StarCoder style: Digits then ByteLevel, a vocabulary without some byte symbols."""
    symbols = byte_symbols()
    alphabet = [symbols[b] for b in range(256) if b not in MISSING_BYTES]
    pre = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                   pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tokenizer = train_byte_level(pre, training_texts(MISSING_BYTES), alphabet=alphabet,
                                 special=["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<unk>"])
    vocab = tokenizer.get_vocab()
    assert [b for b in range(256) if symbols[b] not in vocab] == sorted(MISSING_BYTES)
    return tokenizer


def with_unk(fuse: bool):
    def build():
        def edit(data):
            data["model"].update(unk_token="<unk>", fuse_unk=fuse)
        return edited(missing_bytes_base(), edit)
    return build


def llama3_ignore_merges() -> Tokenizer:
    pre = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tokenizer = train_byte_level(pre, training_texts(), special=["<|begin_of_text|>", "<|end_of_text|>"])
    symbols = byte_symbols()
    # Whole words the merges would not build: ignore_merges must emit them as one token.
    words = sorted({w for t in texts()[1::7] for w in t.split() if 3 <= len(w) <= 12})[:400]

    def edit(data):
        vocab = data["model"]["vocab"]
        for word in words:
            vocab.setdefault("".join(symbols[b] for b in word.encode("utf-8")), len(vocab))
        data["model"]["ignore_merges"] = True
    tokenizer = edited(tokenizer, edit)
    tokenizer.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", special_tokens=[
            ("<|begin_of_text|>", tokenizer.token_to_id("<|begin_of_text|>"))])])
    tokenizer.add_tokens(FLAGGED_TOKENS)
    return tokenizer


def llama2_template(tokenizer: Tokenizer, single="<s> $A") -> None:
    tokenizer.post_processor = processors.TemplateProcessing(
        single=single, special_tokens=[(t, tokenizer.token_to_id(t)) for t in ("<s>", "</s>") if t in single])


def llama2_normalizer() -> Tokenizer:
    """Llama 2 / TinyLlama / Mistral v0.3: Prepend + Replace normalizers, no pre-tokenizer."""
    tokenizer = train_metaspace()
    tokenizer.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tokenizer.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                           decoders.Strip(" ", 1, 0)])
    llama2_template(tokenizer)
    tokenizer.add_tokens(FLAGGED_TOKENS)
    return tokenizer


def gemma() -> Tokenizer:
    """Gemma: only Replace(" ", "▁"), no prefix space; <s> $A </s> for the template test."""
    tokenizer = train_metaspace(limit_alphabet=120)
    tokenizer.normalizer = normalizers.Replace(" ", "▁")
    tokenizer.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    llama2_template(tokenizer, "<s> $A </s>")
    return tokenizer


def metaspace(scheme: str, split: bool):
    """Mistral v0.1 / older Llama conversions: the Metaspace pre-tokenizer and decoder."""
    def build():
        tokenizer = train_metaspace()
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme=scheme, split=split)
        tokenizer.decoder = decoders.Sequence([
            decoders.ByteFallback(), decoders.Metaspace(replacement="▁", prepend_scheme=scheme, split=split)])
        llama2_template(tokenizer)
        tokenizer.add_special_tokens([AddedToken("<|end|>", special=True, normalized=False)])
        tokenizer.add_tokens([AddedToken("<L>", lstrip=True, normalized=False), AddedToken("<W>", single_word=True)])
        return tokenizer
    return build


def train_text_bpe(normalizer, pre_tokenizer, unk="<unk>", limit_alphabet=300) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE(unk_token=unk))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    trainer = trainers.BpeTrainer(vocab_size=1500, show_progress=False, limit_alphabet=limit_alphabet,
                                  special_tokens=["<unk>", "[CLS]", "[SEP]"])
    tokenizer.train_from_iterator(training_texts(), trainer)
    return tokenizer


def normalizer_sequence() -> Tokenizer:
    tokenizer = train_text_bpe(
        normalizers.Sequence([normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase(),
                              normalizers.Replace(Regex(r"\s+"), " "), normalizers.Strip(left=True, right=True),
                              normalizers.NFC(), normalizers.Replace("ß", "ss"), normalizers.NFKC()]),
        pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Digits(individual_digits=False),
                                 pre_tokenizers.Punctuation(behavior="contiguous")]))
    tokenizer.add_tokens(FLAGGED_TOKENS)
    return tokenizer


def split_behaviors() -> Tokenizer:
    tokenizer = train_text_bpe(
        normalizers.NFD(),
        pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(r"\d+"), behavior="merged_with_previous"),
            pre_tokenizers.Split(" ", behavior="merged_with_next"),
            pre_tokenizers.Split(Regex(r"[,.!?，。]"), behavior="contiguous"),
            pre_tokenizers.Split(Regex(r"\n+"), behavior="removed"),
            pre_tokenizers.Split(Regex(r"[\p{Han}]+"), behavior="isolated", invert=True),
            pre_tokenizers.Split(Regex(r"\t"), behavior="merged_with_previous", invert=True),
            pre_tokenizers.CharDelimiterSplit("-")]),
        limit_alphabet=1000)
    tokenizer.decoder = decoders.Fuse()
    return tokenizer


def whitespace_bert() -> Tokenizer:
    tokenizer = train_text_bpe(normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase(),
                                                     normalizers.StripAccents()]),
                               pre_tokenizers.BertPreTokenizer(), limit_alphabet=500)
    tokenizer.post_processor = processors.BertProcessing(("[SEP]", tokenizer.token_to_id("[SEP]")),
                                                         ("[CLS]", tokenizer.token_to_id("[CLS]")))
    return tokenizer


def whitespace_punctuation() -> Tokenizer:
    tokenizer = train_text_bpe(None, pre_tokenizers.Sequence([
        pre_tokenizers.Whitespace(), pre_tokenizers.Punctuation(behavior="merged_with_next"),
        pre_tokenizers.Digits(individual_digits=True)]), unk=None)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] [SEP] $A [SEP] [CLS]",
        special_tokens=[("[CLS]", tokenizer.token_to_id("[CLS]")), ("[SEP]", tokenizer.token_to_id("[SEP]"))])
    return tokenizer


def roberta() -> Tokenizer:
    tokenizer = train_byte_level(pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True), training_texts(),
                                 special=["<s>", "</s>", "<pad>"])
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", tokenizer.token_to_id("</s>")),
                                                            ("<s>", tokenizer.token_to_id("<s>")))
    tokenizer.add_tokens(FLAGGED_TOKENS)
    return tokenizer


def smollm2(unk: bool):
    """The real SmolLM2 vocabulary and merges, rebuilt into SmolLM2's tokenizer.json from its GGUF copy."""
    def build():
        gguf_file = SMOLLM2
        if not gguf_file.exists():
            pytest.skip(f"the real SmolLM2 vocabulary is read from {gguf_file}, which is absent "
                        "(scripts/requirements-no-deps.txt installs it)")
        from gguf import GGUFReader
        reader = GGUFReader(str(gguf_file))

        def strings(name):
            field = reader.fields[name]
            return [bytes(field.parts[i]).decode("utf-8") for i in field.data]
        tokens, merges = strings("tokenizer.ggml.tokens"), strings("tokenizer.ggml.merges")
        field = reader.fields["tokenizer.ggml.token_type"]
        control = [tokens[i] for n, i in enumerate(field.data) if int(field.parts[i][0]) == 3]
        model = models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=[tuple(m.split(" ")) for m in merges],
                           unk_token=tokens[0] if unk else None)
        tokenizer = Tokenizer(model)
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
        tokenizer.decoder = decoders.ByteLevel()
        tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
        tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in control])
        return tokenizer
    return build


KINDS = {
    "smollm2-real": smollm2(unk=False),
    "smollm2-real-unk": smollm2(unk=True),
    "missing-bytes": missing_bytes_base,
    "missing-bytes-unk": with_unk(False),
    "missing-bytes-unk-fused": with_unk(True),
    "llama3-ignore-merges": llama3_ignore_merges,
    "llama2-normalizer": llama2_normalizer,
    "gemma": gemma,
    **{f"metaspace-{scheme}-{'split' if split else 'nosplit'}": metaspace(scheme, split)
       for scheme in ("first", "always", "never") for split in (True, False)},
    "normalizer-sequence": normalizer_sequence,
    "split-behaviors": split_behaviors,
    "bert": whitespace_bert,
    "whitespace-punctuation": whitespace_punctuation,
    "roberta": roberta,
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("tokenizer-families")
    return root


@functools.lru_cache(maxsize=None)
def reference(kind: str) -> Tokenizer:
    return KINDS[kind]()


def folder_of(kind: str, root: Path) -> Path:
    folder = root / kind
    if not (folder / "tokenizer.json").exists():
        folder.mkdir(parents=True, exist_ok=True)
        reference(kind).save(str(folder / "tokenizer.json"))
    return folder


def tunepipe(folder: Path, lines: list[str], *flags: str) -> list[str]:
    if not BIN.is_file():
        pytest.skip(f"tunepipe executable not found at {BIN} (build it, or set TUNEPIPE_BIN)")
    command = [str(BIN), "tokenize", "--model", str(folder), *flags]
    proc = subprocess.run(command, input="".join(line + "\n" for line in lines), capture_output=True,
                          encoding="utf-8", timeout=900)
    assert proc.returncode == 0, f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    out = proc.stdout.split("\n")
    assert out.pop() == "" and len(out) == len(lines)
    return out


def our_ids(folder: Path, items, add_special: bool) -> list[list[int]]:
    lines = tunepipe(folder, [json.dumps(t) for t in items], *(["--add-special"] if add_special else []))
    return [[int(x) for x in line.split()] for line in lines]


def our_decode(folder: Path, ids, skip_special: bool) -> list[str]:
    flags = ["--decode"] + (["--skip-special"] if skip_special else [])
    return [json.loads(line) for line in tunepipe(folder, [" ".join(map(str, i)) for i in ids], *flags)]


def mismatches(kind: str, items, ours, expected, what: str) -> str:
    tokenizer = reference(kind)
    return describe_mismatches(kind, items, ours, expected, what,
                               tokens=lambda ids: [tokenizer.id_to_token(i) for i in ids])


@pytest.mark.parametrize("add_special", [False, True], ids=["plain", "add-special"])
@pytest.mark.parametrize("kind", KINDS)
def test_encode_matches_tokenizers(kind, add_special, folders):
    folder = folder_of(kind, folders)
    expected = [e.ids for e in reference(kind).encode_batch(list(texts()), add_special_tokens=add_special)]
    problems = mismatches(kind, texts(), our_ids(folder, texts(), add_special), expected,
                          f"ids (add_special_tokens={add_special})")
    assert not problems, problems


@pytest.mark.parametrize("skip_special", [False, True], ids=["keep-special", "skip-special"])
@pytest.mark.parametrize("kind", KINDS)
def test_decode_matches_tokenizers(kind, skip_special, folders):
    folder = folder_of(kind, folders)
    tokenizer = reference(kind)
    ids = [e.ids for e in tokenizer.encode_batch(list(texts()), add_special_tokens=True)]
    # Pieces too: decoding must cope with ids that split characters and byte runs.
    ids += [i[k:k + 3] for i in ids[:800] for k in range(0, len(i), 3)]
    expected = tokenizer.decode_batch(ids, skip_special_tokens=skip_special)
    problems = mismatches(kind, [str(i) for i in ids], our_decode(folder, ids, skip_special), expected,
                          f"decode(skip_special_tokens={skip_special})")
    assert not problems, problems


def test_real_smollm2_lacks_byte_symbols():
    vocab = reference("smollm2-real").get_vocab()
    missing = [b for b, symbol in byte_symbols().items() if symbol not in vocab]
    assert len(missing) == 21, missing


def test_missing_bytes_are_dropped_or_unknown(folders):
    """The premise of the missing-bytes kinds: HF drops such bytes, or makes them <unk>."""
    text = "a\tb😀"
    plain, unk = reference("missing-bytes"), reference("missing-bytes-unk")
    assert plain.decode(plain.encode(text).ids) == "ab\ufffd\ufffd\ufffd"  # 😀 without its lead byte
    assert unk.id_to_token(unk.encode(text).ids[1]) == "<unk>"
    assert our_ids(folder_of("missing-bytes", folders), [text], False) == [plain.encode(text).ids]


def test_ignore_merges_changes_ids(folders):
    """Without ignore_merges some corpus words encode differently, so the kind tests the option."""
    with_option = reference("llama3-ignore-merges")
    without = edited(with_option, lambda data: data["model"].update(ignore_merges=False))
    differ = sum(a.ids != b.ids for a, b in zip(with_option.encode_batch(list(texts())), without.encode_batch(list(texts()))))
    assert differ > 300


def test_byte_fallback_is_used(folders):
    tokenizer = reference("llama2-normalizer")
    tokens = tokenizer.encode("龘😀", add_special_tokens=False).tokens
    assert tokens[0] == "▁" and all(t.startswith("<0x") for t in tokens[1:]), tokens


def write_json(folder: Path, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


@pytest.mark.parametrize("part, value, message", [
    ("pre_tokenizer", {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": True},
                                                            {"type": "UnicodeScripts"}]},
     'pre_tokenizer.pretokenizers[1].type "UnicodeScripts" is not supported (supported: Split, ByteLevel, Digits'),
    ("normalizer", {"type": "BertNormalizer", "lowercase": True},
     'normalizer.type "BertNormalizer" is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Replace'),
    ("decoder", {"type": "Sequence", "decoders": [{"type": "Fuse"}, {"type": "WordPiece", "prefix": "##"}]},
     'decoder.decoders[1].type "WordPiece" is not supported (supported: ByteLevel, Replace, ByteFallback'),
    ("post_processor", {"type": "Sequence", "processors": [{"type": "ByteLevel"}, {"type": "Foo"}]},
     'post_processor.processors[1].type "Foo" is not supported (supported: TemplateProcessing'),
    ("pre_tokenizer", {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Sideways", "invert": False},
     'pre_tokenizer.behavior: "Sideways" is not one of Removed, Isolated'),
    ("pre_tokenizer", {"type": "Sequence", "pretokenizers": [{"type": "ByteLevel", "add_prefix_space": False},
                                                            {"type": "Digits"}]},
     'pre_tokenizer.pretokenizers[1]: "Digits" after ByteLevel is not supported'),
])
def test_unsupported_parts_name_file_and_key(part, value, message, folders):
    data = json.loads(reference("missing-bytes").to_str())
    data[part] = value
    folder = write_json(folders / f"bad-{part}-{abs(hash(json.dumps(value)))}", data)
    if not BIN.is_file():
        pytest.skip(f"tunepipe executable not found at {BIN}")
    proc = subprocess.run([str(BIN), "tokenize", "--model", str(folder)], input='"x"\n', capture_output=True,
                          encoding="utf-8")
    assert proc.returncode != 0
    assert str(folder / "tokenizer.json") in proc.stderr and message in proc.stderr, proc.stderr
