"""Golden renderings of every chat template (tests/golden/templates/<name>.txt).

Each golden file holds, for one fixed multi-turn conversation (system prompt, two
exchanges, Chinese and English), what `tunepipe render` produces in several
forms, with trained text inside ⟦ ⟧. Rewrite them after a deliberate change with
TUNEPIPE_UPDATE_GOLDENS=1 and review the diff.

The table tests below pin each family to the format its seed tutorial builds
by hand (process_func), so a golden can never drift from the seeds unnoticed.
"""
from __future__ import annotations

import os

import pytest

from template_render import SOURCE_DIR, conversation, marked, render_one, run_render, trained_spans

GOLDEN_DIR = SOURCE_DIR / "tests" / "golden" / "templates"

SYSTEM = "你是一个乐于助人的助手。Answer briefly."
EXCHANGES = ("你好，请介绍一下你自己。", "我是一个语言模型助手，可以用中文和 English 回答问题。",
             "What is 2 + 2? 请用中文回答。", "2 + 2 等于 4。")
GOLDEN_CONVERSATION = conversation(SYSTEM, *EXCHANGES)

# Where each format comes from; the Jinja ones are also checked by test_template_jinja.py.
FORMAT_SOURCES = {
    "chatml": "Qwen2/Qwen2.5 chat template (shared/assets/tokenizers/qwen2.5/tokenizer_config.json); "
              "seeds 000, 001",
    "ernie": "ERNIE-4.5 chat template (shared/assets/tokenizers/ernie-4.5-0.3b-base/tokenizer_config.json); "
             "seed 002",
    "yuan": "seed 003 ({input}<sep>{output}<eod>) and Yuan 2.0's chat demos (history joined by <n>); "
            "no chat template exists",
    "plain": "seed 004 (\"Instruction: …\\nInput: …\\nAnswer: \") with the model's EOS after the answer; "
             "no chat template exists",
    "llama2": "Meta's Llama 2 chat format (reference code / model card); no chat template in shared/assets",
    "llama3": "Meta's Llama 3 Instruct format (model card); no chat template in shared/assets",
}
TEMPLATES = sorted(FORMAT_SOURCES)

HEADER = """\
# Golden renderings of the "{name}" template: `tunepipe render --template {name}`.
# Format source: {source}.
# Text inside ⟦ ⟧ is trained (its labels are kept); everything else is masked (-100).
# Each section is the exact rendered text followed by one newline that is not part of it.
# Written by tests/python/test_template_goldens.py; rewrite with TUNEPIPE_UPDATE_GOLDENS=1.
"""


def golden_sections(name: str) -> list[tuple[str, str]]:
    without_last_answer = conversation(SYSTEM, *EXCHANGES[:-1])
    without_system = conversation("", *EXCHANGES)
    return [
        ("render", marked(render_one(name, GOLDEN_CONVERSATION))),
        ("render --prompt (the last answer left out)", marked(render_one(name, without_last_answer, prompt=True))),
        ("render --set train_on=last_response",
         marked(render_one(name, GOLDEN_CONVERSATION, {"train_on": "last_response"}))),
        ("render, record without system prompt (the template's default)", marked(render_one(name, without_system))),
    ]


def golden_text(name: str) -> str:
    text = HEADER.format(name=name, source=FORMAT_SOURCES[name])
    for title, body in golden_sections(name):
        text += f"\n=== {title}\n{body}\n"
    return text


@pytest.mark.parametrize("name", TEMPLATES)
def test_golden(name: str) -> None:
    path = GOLDEN_DIR / f"{name}.txt"
    actual = golden_text(name)
    if os.environ.get("TUNEPIPE_UPDATE_GOLDENS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with TUNEPIPE_UPDATE_GOLDENS=1 to write it"
    assert actual == path.read_text(encoding="utf-8"), \
        f"{name} renders differently from {path}; if intended, rerun with TUNEPIPE_UPDATE_GOLDENS=1"


# Seed tutorials' process_func, with the inputs of one record: (template, options,
# conversation, the prompt they tokenize untrained, the response they train).
SEED_RECORD = ("文本:明天有雨,分类选项列表:['天气', '体育']", "天气")
SEED_CASES = [
    pytest.param("chatml", {"system": "你是一个文本分类领域的专家"}, conversation("", *SEED_RECORD),
                 "<|im_start|>system\n你是一个文本分类领域的专家<|im_end|>\n<|im_start|>user\n"
                 f"{SEED_RECORD[0]}<|im_end|>\n<|im_start|>assistant\n",
                 # The seeds train <|endoftext|> (the pad token); the chat template ends answers with <|im_end|>.
                 f"{SEED_RECORD[1]}<|im_end|>", id="000-chatml"),
    pytest.param("ernie", {"system": "现在你要扮演皇帝身边的女人--甄嬛"}, conversation("", "你是谁？", "我是甄嬛。"),
                 "<|begin_of_sentence|>现在你要扮演皇帝身边的女人--甄嬛\nUser: 你是谁？\nAssistant: ",
                 "我是甄嬛。<|end_of_sentence|>", id="002-ernie"),
    pytest.param("yuan", {}, conversation("", "# 当前简历\n高勇:男,中国国籍", '{"姓名": ["高勇"]}'),
                 "# 当前简历\n高勇:男,中国国籍<sep>", '{"姓名": ["高勇"]}<eod>', id="003-yuan"),
    pytest.param("plain", {}, conversation("使用中医知识正确回答适合这个病例的中成药。", "咳嗽，痰多", "二陈丸。"),
                 "Instruction: 使用中医知识正确回答适合这个病例的中成药。\nInput: 咳嗽，痰多\nAnswer: ",
                 "二陈丸。<|endoftext|>", id="004-plain"),
    pytest.param("plain", {"eos": "</s>"}, conversation("使用中医知识正确回答适合这个病例的中成药。", "", "二陈丸。"),
                 "Instruction: 使用中医知识正确回答适合这个病例的中成药。\nAnswer: ", "二陈丸。</s>",
                 id="004-plain-without-input"),
]


@pytest.mark.parametrize("name, options, conv, prompt, response", SEED_CASES)
def test_seed_format(name: str, options: dict, conv: dict, prompt: str, response: str) -> None:
    rendered = render_one(name, conv, options)
    assert rendered["text"].startswith(prompt + response)
    assert trained_spans(rendered) == [response]
    assert not any(s["trained"] for s in rendered["segments"][:1]), "the prompt is never trained"
    assert render_one(name, {**conv, "turns": conv["turns"][:-1]}, options, prompt=True)["text"] == prompt


# The answer and the text that ends its turn are trained, nothing else.
TRAINED_SPANS = {
    "chatml": [f"{EXCHANGES[1]}<|im_end|>", f"{EXCHANGES[3]}<|im_end|>"],
    "ernie": [f"{EXCHANGES[1]}<|end_of_sentence|>", f"{EXCHANGES[3]}<|end_of_sentence|>"],
    "yuan": [EXCHANGES[1], f"{EXCHANGES[3]}<eod>"],
    "plain": [f"{EXCHANGES[1]}<|endoftext|>", f"{EXCHANGES[3]}<|endoftext|>"],
    "llama2": [f" {EXCHANGES[1]} </s>", f" {EXCHANGES[3]} </s>"],
    "llama3": [f"{EXCHANGES[1]}<|eot_id|>", f"{EXCHANGES[3]}<|eot_id|>"],
}


@pytest.mark.parametrize("name", TEMPLATES)
def test_trained_spans(name: str) -> None:
    assert trained_spans(render_one(name, GOLDEN_CONVERSATION)) == TRAINED_SPANS[name]
    assert trained_spans(render_one(name, GOLDEN_CONVERSATION, {"train_on": "last_response"})) == \
        TRAINED_SPANS[name][1:]
    untrained_first = conversation(SYSTEM, *EXCHANGES, trained={1: False})
    assert trained_spans(render_one(name, untrained_first)) == TRAINED_SPANS[name][1:]


@pytest.mark.parametrize("name", TEMPLATES)
def test_record_system_overrides_option(name: str) -> None:
    rendered = render_one(name, conversation("记录自己的系统提示", *EXCHANGES[:2]), {"system": "option system"})
    assert "记录自己的系统提示" in rendered["text"]
    assert "option system" not in rendered["text"]


def test_llama2_needs_alternating_turns() -> None:
    two_users = {"system": "", "turns": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}
    result = run_render("llama2", [two_users], check=False)
    assert result.returncode != 0
    assert "alternate" in result.stderr


def test_plain_refuses_empty_eos() -> None:
    result = run_render("plain", [GOLDEN_CONVERSATION], {"eos": ""}, check=False)
    assert result.returncode != 0
    assert "eos" in result.stderr
