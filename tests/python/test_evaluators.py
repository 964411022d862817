"""The evaluators in short quickstart runs.

`generate` with compare = true answers the same held-out prompts with the
adapter off and on, at every evaluation: its tables must hold both answers, the
base side must be what `tunepipe chat` answers with the base model and the
adapted side what it answers with the adapter, and its scores must be those of
the tables' answers. `perplexity` must equal exp(mean NLL of the trained
tokens) as transformers (and peft, for the adapter) compute it over the same
tokenized rows that `tunepipe run` writes. Where the adapter must be switched
off, it is a trained one (lora init from a folder): a fresh LoRA adapter is the
identity and would hide a switch that does nothing.
"""
import json
import math
import re
import unicodedata

import pytest
import torch

from tunepipe_env import QUICKSTART, REPO, needs_quickstart, run_tunepipe

pytestmark = needs_quickstart

QUICKSTART_PIPELINE = REPO / "pipelines" / "quickstart.toml"
SYSTEM = "你是一个文本分类领域的专家，你会接收到一段文本和几个潜在的分类选项列表，请输出文本内容的正确分类"
ROWS = 6
BATCH = 4  # not a divisor of ROWS: the last batch is a short one
MAX_NEW_TOKENS = 8
GENERATE_OPTIONS = [f"--set=evaluator.limit={ROWS}", f"--set=evaluator.batch_size={BATCH}",
                    f"--set=evaluator.max_new_tokens={MAX_NEW_TOKENS}", "--set=evaluator.compare=true",
                    '--set=evaluator.metrics=["exact_match", "choice", "rouge_l", "bleu4"]']


def read_events(out):
    return [json.loads(line) for line in (out / "events.jsonl").read_text(encoding="utf-8").splitlines()]


def scalars(events, name):
    return {e["step"]: e["value"] for e in events if e["kind"] == "scalar" and e["name"] == name}


def tables(events, name):
    return {e["step"]: e for e in events if e["kind"] == "table" and e["name"] == name}


def quickstart_variant(tmp_path, name, evaluator=None, drop=()):
    """pipelines/quickstart.toml with another [evaluator] section, or without some sections."""
    def replace(text, title, new):
        text, count = re.subn(r"\[" + title + r"\]\n(?:[^\[\n][^\n]*\n|\n)*", new, text)
        assert count == 1, f"quickstart.toml has no [{title}] section"
        return text
    text = QUICKSTART_PIPELINE.read_text(encoding="utf-8")
    if evaluator:
        text = replace(text, "evaluator", evaluator + "\n")
    for title in drop:
        text = replace(text, title, "")
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_pipeline(pipeline, out, *overrides):
    run_tunepipe("run", pipeline, f"--set=pipeline.output_dir={out}", *overrides, check=True)
    return read_events(out)


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare") / "run"
    events = run_pipeline(QUICKSTART_PIPELINE, out, "--set=trainer.max_steps=6", "--set=trainer.eval_steps=3",
                          "--set=trainer.max_eval_samples=8", *GENERATE_OPTIONS)
    return out, events


def chat_answers(prompts, *adapter):
    result = run_tunepipe("chat", "--model", QUICKSTART / "model", *adapter, "--template", "chatml",
                          "--system", SYSTEM, "--max-new-tokens", MAX_NEW_TOKENS, "--greedy", "--device", "cpu",
                          "--batch", BATCH, input="".join(p + "\n" for p in prompts), check=True)
    return [line.strip() for line in result.stdout.splitlines()]


def answer_lines(answers):
    """Answers as `tunepipe chat` prints them, one per line (a multi-line answer takes several)."""
    return [line.strip() for answer in answers for line in answer.split("\n")]


def test_every_evaluation_compares_base_and_adapted_answers(compare_run):
    _, events = compare_run
    compare = tables(events, "eval/compare")
    assert sorted(compare) == [3, 6], "an evaluation every 3 steps and at the end"
    for table in compare.values():
        assert table["columns"] == ["prompt", "reference", "base", "adapted"]
        assert len(table["rows"]) == ROWS
    baseline = tables(events, "eval/answers_base")[0]
    assert [row[:3] for row in baseline["rows"]] == [row[:3] for row in compare[6]["rows"]]
    assert [row[3] for row in compare[6]["rows"]] != [row[2] for row in compare[6]["rows"]], \
        "training should have changed some answer"
    assert not tables(events, "eval/answers"), "with compare, eval/compare takes the place of eval/answers"


def test_a_trained_adapter_is_switched_off_for_the_base_answers(compare_run, tmp_path):
    trained, events = compare_run
    pipeline = quickstart_variant(tmp_path, "evaluate-only", drop=["trainer"])
    rerun = run_pipeline(pipeline, tmp_path / "run", f"--set=adapter.init={trained / 'adapter'}", *GENERATE_OPTIONS)
    rows = tables(rerun, "eval/compare")[0]["rows"]
    assert rows == tables(events, "eval/compare")[6]["rows"]
    prompts = [row[0] for row in rows]
    assert chat_answers(prompts) == answer_lines(row[2] for row in rows)
    assert chat_answers(prompts, "--adapter", trained / "adapter") == answer_lines(row[3] for row in rows)


def overlap_tokens(text):
    """The evaluator's tokens: each CJK character alone, words of letters, marks and digits, other symbols alone."""
    def cjk(c):
        cp = ord(c)
        return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3FFFF
                or 0x3040 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0xAC00 <= cp <= 0xD7AF)
    tokens, word = [], ""
    for c in text:
        category = unicodedata.category(c)
        if not cjk(c) and category[0] in "LMN":
            word += c
            continue
        if word:
            tokens.append(word)
            word = ""
        if cjk(c) or category not in ("Zs", "Zl", "Zp", "Cc"):
            tokens.append(c)
    return tokens + ([word] if word else [])


def rouge_l_of_tokens(answer, reference):
    """LCS F1 over the evaluator's tokens."""
    answer, reference = overlap_tokens(answer), overlap_tokens(reference)
    previous = [0] * (len(reference) + 1)
    for a in answer:
        current = [0]
        for j, r in enumerate(reference):
            current.append(previous[j] + 1 if a == r else max(previous[j + 1], current[j]))
        previous = current
    common = previous[-1]
    return 0.0 if common == 0 else 2 * common / (len(answer) + len(reference))


def test_scores_are_those_of_the_tables_answers(compare_run):
    _, events = compare_run
    final = tables(events, "eval/compare")[6]["rows"]
    records = [json.loads(line) for line in (QUICKSTART / "data" / "test.jsonl").read_text().splitlines()[:ROWS]]
    for prefix, column in (("eval/base/", 2), ("eval/", 3)):
        answers = [row[column] for row in final]
        expected_exact = sum(a == row[1] for a, row in zip(answers, final)) / ROWS
        expected_invalid = sum(a not in r["category"] for a, r in zip(answers, records)) / ROWS
        assert scalars(events, prefix + "exact_match")[6] == pytest.approx(expected_exact)
        assert scalars(events, prefix + "choice_accuracy")[6] == pytest.approx(expected_exact)
        assert scalars(events, prefix + "choice_invalid")[6] == pytest.approx(expected_invalid)
        assert scalars(events, prefix + "rouge_l")[6] == pytest.approx(
            sum(rouge_l_of_tokens(a, row[1]) for a, row in zip(answers, final)) / ROWS)
        assert 0.0 <= scalars(events, prefix + "bleu4")[6] <= 1.0
    for metric in ("exact_match", "choice_accuracy", "rouge_l", "bleu4"):
        base = scalars(events, "eval/base/" + metric)
        assert base[3] == base[6], "the frozen base model's answers do not change"
        assert scalars(events, "eval/" + metric)[0] == base[6], "the step-0 baseline is the same base model"


def test_a_reference_that_is_not_entity_json_names_its_row(tmp_path):
    pipeline = quickstart_variant(tmp_path, "json-f1", drop=["trainer"])
    result = run_tunepipe("run", pipeline, f"--set=pipeline.output_dir={tmp_path / 'run'}", "--set=evaluator.limit=1",
                          "--set=evaluator.max_new_tokens=1", '--set=evaluator.metrics=["json_f1"]')
    assert result.returncode != 0
    assert ("build/quickstart/data/test.jsonl:1: error: [evaluator] generate: the reference answer is not entity JSON"
            in result.stderr)


def test_compare_without_an_adapter_says_what_to_add(tmp_path):
    pipeline = quickstart_variant(tmp_path, "no-adapter", drop=["trainer", "adapter"])
    result = run_tunepipe("run", pipeline, f"--set=pipeline.output_dir={tmp_path / 'run'}", *GENERATE_OPTIONS)
    assert result.returncode != 0
    assert "compare = true answers with the adapter off and on, but the pipeline has no [adapter]" in result.stderr


PERPLEXITY_EVALUATOR = """[evaluator]
plugin = "perplexity"
split = "test"
limit = 5
batch_size = 2
"""


def reference_nll(model, rows):
    total, tokens = 0.0, 0
    for row in rows:
        ids = torch.tensor([row["input_ids"]])
        labels = torch.tensor(row["labels"][1:])
        logits = model(ids).logits[0, :-1].float()
        kept = labels != -100
        total += torch.nn.functional.cross_entropy(logits[kept], labels[kept], reduction="sum").item()
        tokens += int(kept.sum())
    return total / tokens


@torch.no_grad()
def test_perplexity_equals_transformers_and_peft(tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    pipeline = quickstart_variant(tmp_path, "perplexity", evaluator=PERPLEXITY_EVALUATOR)
    trained = tmp_path / "trained"
    events = run_pipeline(pipeline, trained, "--set=trainer.max_steps=4", "--set=trainer.max_eval_samples=2")
    perplexity, nll = scalars(events, "eval/perplexity"), scalars(events, "eval/nll")
    assert sorted(perplexity) == [0, 4], "the base model before training, the adapter at the end"
    rows = [json.loads(line) for line in (trained / "tokenized" / "test.jsonl").read_text().splitlines()[:5]]
    assert scalars(events, "eval/perplexity_tokens")[0] == sum(
        sum(label != -100 for label in row["labels"][1:]) for row in rows)

    base = AutoModelForCausalLM.from_pretrained(QUICKSTART / "model", dtype=torch.float32).eval()
    base_nll = reference_nll(base, rows)
    assert nll[0] == pytest.approx(base_nll, rel=1e-4)
    assert perplexity[0] == pytest.approx(math.exp(base_nll), rel=1e-4)

    adapted_nll = reference_nll(PeftModel.from_pretrained(base, trained / "adapter").eval(), rows)
    assert adapted_nll < base_nll
    assert nll[4] == pytest.approx(adapted_nll, rel=1e-4)
    assert perplexity[4] == pytest.approx(math.exp(adapted_nll), rel=1e-4)

    # The baseline of a run that starts from the trained adapter is still the base model's.
    resumed = run_pipeline(pipeline, tmp_path / "again", f"--set=adapter.init={trained / 'adapter'}",
                           "--set=trainer.max_steps=1", "--set=trainer.max_eval_samples=2")
    assert scalars(resumed, "eval/nll")[0] == pytest.approx(base_nll, rel=1e-4)
