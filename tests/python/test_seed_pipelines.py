"""The seed pipelines prepare data exactly as the tutorials' process_func does.

Each test runs a pipeline of pipelines/ with its model and data pointed (by
--set) at the real tokenizer and dataset files in ../shared/assets, then builds
the same samples in Python the tutorial's way — prompt and answer tokenized
separately with HF's tokenizer, prompt labels -100, cut to MAX_LENGTH — and
compares ids and labels row by row. One deliberate difference from the
tutorials: the trained end token is the template's end-of-turn token
(<|im_end|> for ChatML), as the model's own chat template writes it, not the
pad token the tutorials append.
"""
import json

import pytest

from tunepipe_env import REPO, SHARED_ASSETS, run_tunepipe

pytestmark = pytest.mark.skipif(not SHARED_ASSETS.exists(), reason=f"shared assets not found at {SHARED_ASSETS}")

QWEN = SHARED_ASSETS / "tokenizers" / "qwen2.5"
HUANHUAN = SHARED_ASSETS / "datasets" / "huanhuan" / "huanhuan.json"
ALPACA = SHARED_ASSETS / "datasets" / "llamafactory_demo" / "alpaca_en_demo.json"
YUAN = SHARED_ASSETS / "tokenizers" / "yuan2"


def qwen_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(QWEN))


def run_pipeline(pipeline, tmp_path, *overrides):
    out = tmp_path / "run"
    run_tunepipe("run", pipeline, "--data-only", f"--set=pipeline.output_dir={out}", *[f"--set={o}" for o in overrides],
                 check=True)
    with open(out / "tokenized" / "train.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f], json.loads((out / "summary.json").read_text())


def reference_sample(tok, prompt, answer, after, max_length):
    p = tok(prompt, add_special_tokens=False)["input_ids"]
    a = tok(answer, add_special_tokens=False)["input_ids"]
    t = tok(after, add_special_tokens=False)["input_ids"] if after else []
    ids = p + a + t
    labels = [-100] * len(p) + a + [-100] * len(t)
    return ids[:max_length], labels[:max_length]


def assert_same_rows(ours, reference):
    assert len(ours) == len(reference)
    for i, (row, (ids, labels)) in enumerate(zip(ours, reference)):
        assert row["input_ids"] == ids, f"row {i} ({row['source']}): ids differ"
        assert row["labels"] == labels, f"row {i} ({row['source']}): labels differ"


def test_seed_001_chatml_huanhuan(tmp_path):
    tok = qwen_tokenizer()
    ours, summary = run_pipeline("pipelines/001-qwen2-1.5b-instruct-huanhuan.toml", tmp_path,
                                 f"model.path={QWEN}", f"dataset.train={HUANHUAN}")
    records = json.loads(HUANHUAN.read_text(encoding="utf-8"))
    reference = [reference_sample(
        tok,
        f"<|im_start|>system\n现在你要扮演皇帝身边的女人--甄嬛<|im_end|>\n<|im_start|>user\n"
        f"{r['instruction'] + r['input']}<|im_end|>\n<|im_start|>assistant\n",
        f"{r['output']}<|im_end|>", "\n", 384) for r in records]
    assert_same_rows(ours, reference)
    split = summary["splits"]["train"]
    assert split["rows"] == len(records)
    assert split["tokens"] == sum(len(ids) for ids, _ in reference)
    assert split["truncated_rows"] == sum(1 for r in ours if len(r["input_ids"]) == 384)


def test_truncation_keeps_the_start(tmp_path):
    tok = qwen_tokenizer()
    ours, summary = run_pipeline("pipelines/001-qwen2-1.5b-instruct-huanhuan.toml", tmp_path,
                                 f"model.path={QWEN}", f"dataset.train={HUANHUAN}", "template.max_length=40",
                                 "dataset.limit=50")
    records = json.loads(HUANHUAN.read_text(encoding="utf-8"))[:50]
    full = [reference_sample(
        tok,
        f"<|im_start|>system\n现在你要扮演皇帝身边的女人--甄嬛<|im_end|>\n<|im_start|>user\n"
        f"{r['instruction'] + r['input']}<|im_end|>\n<|im_start|>assistant\n",
        f"{r['output']}<|im_end|>", "\n", 10**6) for r in records]
    assert [r["input_ids"] for r in ours] == [ids[:40] for ids, _ in full]
    assert summary["splits"]["train"]["truncated_rows"] == sum(1 for ids, _ in full if len(ids) > 40)
    prompt = tok("<|im_start|>system\n现在你要扮演皇帝身边的女人--甄嬛<|im_end|>\n<|im_start|>user\n",
                 add_special_tokens=False)["input_ids"]
    assert all(r["input_ids"][:len(prompt)] == prompt for r in ours)


def test_seed_004_plain_alpaca(tmp_path):
    tok = qwen_tokenizer()
    ours, _ = run_pipeline("pipelines/004-qwen1.5-1.8b-chat-medicine.toml", tmp_path,
                           f"model.path={QWEN}", f"dataset.train={ALPACA}")
    records = json.loads(ALPACA.read_text(encoding="utf-8"))

    def prompt(r):
        lines = [f"Instruction: {r['instruction']}"] if r["instruction"] else []
        if r["input"]:
            lines.append(f"Input: {r['input']}")
        return "\n".join(lines + ["Answer: "])

    reference = [reference_sample(tok, prompt(r), f"{r['output']}<|endoftext|>", "\n", 512) for r in records]
    assert_same_rows(ours, reference)


def test_seed_003_yuan_with_the_tutorials_special_tokens(tmp_path):
    """Yuan2's SentencePiece text is compared with python sentencepiece (what the
    model was trained on); <sep> and <eod> are the ids the tutorial's
    add_tokens(..., special_tokens=True) gives them: their existing pieces."""
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(YUAN / "tokenizer.model"))
    data = tmp_path / "ner.json"
    records = json.loads(HUANHUAN.read_text(encoding="utf-8"))[:200]
    data.write_text(json.dumps([{"input": r["instruction"], "output": r["output"]} for r in records],
                               ensure_ascii=False), encoding="utf-8")
    ours, _ = run_pipeline("pipelines/003-yuan2-2b-resume-ner.toml", tmp_path, f"model.path={YUAN}",
                           f"dataset.train={data}")
    sep, eod = sp.piece_to_id("<sep>"), sp.piece_to_id("<eod>")
    reference = []
    for r in records:
        prompt = sp.encode(r["instruction"]) + [sep]
        answer = sp.encode(r["output"]) + [eod]
        reference.append(((prompt + answer)[:384], ([-100] * len(prompt) + answer)[:384]))
    assert_same_rows(ours, reference)
