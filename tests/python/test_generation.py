"""Generation equals transformers' on tiny random checkpoints it writes.

`tunepipe generate --prompt-ids … --greedy --print-ids` against
model.generate(do_sample=False) for 32 new tokens, with the KV cache; --stop
against generate(stop_strings=…); `tunepipe chat --batch` against one-by-one
answers and transformers' left-padded batch; a chat's history against its full prompt.
"""
import json
import shutil

import pytest

from devices import DEVICES
from template_render import conversation
from tunepipe_env import QUICKSTART, REPO, needs_quickstart, run_tunepipe

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

TINY_BPE = REPO / "tests" / "data" / "tokenizers" / "tiny-bpe"


def write_checkpoint(directory, architecture, tokenizer=TINY_BPE, vocab_size=320, eos_token_id=319):
    torch.manual_seed(7)
    common = dict(vocab_size=vocab_size, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                  eos_token_id=eos_token_id, pad_token_id=0)
    if architecture == "qwen2":
        model = transformers.Qwen2ForCausalLM(transformers.Qwen2Config(**common))
    else:
        model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**common, tie_word_embeddings=True))
    # Random weights give near-uniform logits; scaling them up makes the greedy
    # choices clear-cut, so float rounding cannot flip a tie.
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(4.0)
    model.save_pretrained(directory, safe_serialization=True)
    # A checkpoint folder needs a tokenizer, even where the prompts are ids.
    for file in tokenizer.glob("tokenizer*"):
        shutil.copy(file, directory / file.name)
    return model.eval()


def write_chat_checkpoint(directory):
    """A random Qwen2 over the quickstart tokenizer, which has ChatML's tokens (<|im_end|> is its EOS, 2)."""
    model = write_checkpoint(directory, "qwen2", QUICKSTART / "model", vocab_size=1024, eos_token_id=2)
    return model, transformers.AutoTokenizer.from_pretrained(directory)


def chatml_prompt_ids(tokenizer, *turns):
    """What `tunepipe chat` prompts with after `turns` (user, assistant, …, user): ChatML with its default
    system prompt, as `tunepipe render` writes it, each segment tokenized on its own as tunepipe does."""
    request = json.dumps(conversation("", *turns), ensure_ascii=False) + "\n"
    rendered = json.loads(run_tunepipe("render", "--template", "chatml", "--prompt", input=request, check=True).stdout)
    return [i for segment in rendered["segments"] for i in tokenizer(segment["text"], add_special_tokens=False).input_ids]


def transformers_greedy(model, prompts, max_new_tokens, **kwargs):
    """transformers' greedy completion ids of id prompts, left-padded into one batch."""
    longest = max(map(len, prompts))
    ids = torch.tensor([[0] * (longest - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (longest - len(p)) + [1] * len(p) for p in prompts])
    out = model.generate(ids, attention_mask=mask, max_new_tokens=max_new_tokens, do_sample=False, **kwargs)
    return [row.tolist() for row in out[:, longest:]]


def answer_of(tokenizer, completion, stops=()):
    """The answer tunepipe prints for a completion: no special tokens, cut before the first stop string."""
    text = tokenizer.decode(completion, skip_special_tokens=True)
    return text[:min((text.find(s) for s in stops if s in text), default=len(text))]


def printed(answers):
    """Answers printed one per line, as run_tunepipe reads them (text mode turns "\r" into "\n")."""
    return "".join(answer + "\n" for answer in answers).replace("\r\n", "\n").replace("\r", "\n")


def multi_token_stop(tokenizer, completion):
    """A stop string of two printable tokens in a row, from a third of the way into a completion on."""
    for k in range(len(completion) // 3, len(completion) - 1):
        pieces = [tokenizer.decode([token]) for token in completion[k:k + 2]]
        if all(p.strip() and p.isprintable() and "\ufffd" not in p for p in pieces):
            return "".join(pieces)
    pytest.fail(f"no two printable tokens in a row in {completion}")


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("architecture", ["qwen2", "llama"])
def test_greedy_continuation_matches_transformers(tmp_path, architecture, device):
    model = write_checkpoint(tmp_path, architecture).to(device)
    prompt = [5, 17, 42, 99, 3, 250, 7]
    expected = model.generate(torch.tensor([prompt], device=device),
                              attention_mask=torch.ones(1, len(prompt), dtype=torch.long, device=device),
                              max_new_tokens=32, do_sample=False)[0, len(prompt):].tolist()
    out = run_tunepipe("generate", "--model", tmp_path, "--prompt-ids", " ".join(map(str, prompt)),
                       "--max-new-tokens", "32", "--greedy", "--print-ids", "--device", device, check=True).stdout
    assert [int(t) for t in out.split()] == expected


def test_sampling_is_repeatable_with_a_seed(tmp_path):
    write_checkpoint(tmp_path, "qwen2")
    args = ["generate", "--model", tmp_path, "--prompt-ids", "5 17 42", "--max-new-tokens", "16", "--temperature",
            "1.5", "--top-k", "50", "--top-p", "0.95", "--print-ids", "--device", "cpu"]
    first = run_tunepipe(*args, "--seed", "1", check=True).stdout
    assert first == run_tunepipe(*args, "--seed", "1", check=True).stdout
    others = {run_tunepipe(*args, "--seed", str(s), check=True).stdout for s in range(2, 6)}
    assert others - {first}, "different seeds never changed the sample"


def test_generate_needs_exactly_one_prompt(tmp_path):
    write_checkpoint(tmp_path, "qwen2")
    result = run_tunepipe("generate", "--model", tmp_path)
    assert result.returncode == 2
    assert "give exactly one of --prompt and --prompt-ids" in result.stderr


@needs_quickstart
def test_chat_answers_each_turn_as_generate_would():
    model = QUICKSTART / "model"
    common = ["--model", model, "--template", "chatml", "--max-new-tokens", "6", "--greedy", "--device", "cpu"]
    first = run_tunepipe("generate", *common, "--prompt", "体育比赛", check=True).stdout
    second = run_tunepipe("generate", *common, "--prompt", "股市", check=True).stdout
    chat = run_tunepipe("chat", *common, input="体育比赛\n/reset\n股市\n/exit\nnot read\n", check=True).stdout
    assert chat == first + second



@needs_quickstart
def test_stop_string_ends_generate_as_transformers(tmp_path):
    model, tokenizer = write_chat_checkpoint(tmp_path)
    text = "体育比赛的结果"
    args = ["generate", "--model", tmp_path, "--prompt", text, "--max-new-tokens", "32", "--device", "cpu"]
    full = [int(t) for t in run_tunepipe(*args, "--print-ids", check=True).stdout.split()]
    stop = multi_token_stop(tokenizer, full)
    halted = [int(t) for t in run_tunepipe(*args, "--stop", stop, "--print-ids", check=True).stdout.split()]
    prompt = tokenizer(text).input_ids
    assert halted == transformers_greedy(model, [prompt], 32, stop_strings=[stop], tokenizer=tokenizer)[0]
    assert len(halted) < len(full), "generation went on after the stop string"
    assert stop not in tokenizer.decode(halted[-1:]), "the stop string lies in one token"
    assert run_tunepipe(*args, "--stop", stop, check=True).stdout == printed([answer_of(tokenizer, full, [stop])])


@needs_quickstart
def test_stop_strings_cut_each_answer_of_a_batch(tmp_path):
    # Against transformers' full greedy answers cut before the stop strings, not its
    # generate(stop_strings=…) on a batch: that also stops rows on tokens that are
    # only part of a UTF-8 character, which this random model writes many of.
    model, tokenizer = write_chat_checkpoint(tmp_path)
    questions = ["体育比赛", "今天股市怎么样？", "请介绍一下这支球队最近的比赛"]
    full = transformers_greedy(model, [chatml_prompt_ids(tokenizer, q) for q in questions], 24)
    stops = [multi_token_stop(tokenizer, full[0]), multi_token_stop(tokenizer, full[1])]
    out = run_tunepipe("chat", "--model", tmp_path, "--template", "chatml", "--max-new-tokens", "24", "--device", "cpu",
                       "--stop", stops[0], "--stop", stops[1], "--batch", "3",
                       input="".join(q + "\n" for q in questions), check=True).stdout
    assert out == printed(answer_of(tokenizer, completion, stops) for completion in full)
    assert out != printed(answer_of(tokenizer, completion) for completion in full), "no answer was cut"


@needs_quickstart
def test_batched_chat_answers_equal_one_by_one_and_transformers(tmp_path):
    model, tokenizer = write_chat_checkpoint(tmp_path)
    questions = ["体育", "今天股市怎么样？", "请介绍一下这支球队最近十场比赛的情况和主要球员", "好", "新闻"]
    prompts = [chatml_prompt_ids(tokenizer, q) for q in questions]
    assert len({len(p) for p in prompts}) >= 3, "the prompts should need left padding"
    common = ["--model", tmp_path, "--template", "chatml", "--max-new-tokens", "16", "--device", "cpu"]
    batched = run_tunepipe("chat", *common, "--batch", "3", input="".join(q + "\n" for q in questions),
                           check=True).stdout
    alone = run_tunepipe("chat", *common, input="".join(q + "\n/reset\n" for q in questions), check=True).stdout
    assert batched == alone
    assert batched == printed(answer_of(tokenizer, completion) for completion in transformers_greedy(model, prompts, 16))


@needs_quickstart
def test_chat_history_reaches_the_next_prompt(tmp_path):
    model, tokenizer = write_chat_checkpoint(tmp_path)
    common = ["--model", tmp_path, "--template", "chatml", "--max-new-tokens", "8", "--device", "cpu"]
    first = run_tunepipe("chat", *common, input="体育比赛\n", check=True).stdout.removesuffix("\n")
    both = run_tunepipe("chat", *common, input="体育比赛\n股市\n", check=True).stdout
    with_history = transformers_greedy(model, [chatml_prompt_ids(tokenizer, "体育比赛", first, "股市")], 8)[0]
    without = transformers_greedy(model, [chatml_prompt_ids(tokenizer, "股市")], 8)[0]
    assert with_history != without, "the history changes nothing here, so the test cannot tell"
    assert both == printed([first, answer_of(tokenizer, with_history)])


def test_batch_needs_a_size(tmp_path):
    result = run_tunepipe("chat", "--model", tmp_path, "--template", "chatml", "--batch", "0", input="")
    assert result.returncode == 2
    assert "--batch needs a size of at least 1" in result.stderr
