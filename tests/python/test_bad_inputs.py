"""Hostile or inconsistent input files end in an error naming the file (and line, key or tensor), never a crash.

JSON nested tens of thousands of levels deep used to overflow the stack (exit 139) in `run`, `run --data-only`,
`inspect`, `generate`, `tokenize` and `render`; every JSON tunepipe reads is now refused past 128 levels. The
checkpoint cases used to load and then fail late ("index out of range in self") or answer nothing with exit 0.
Everything runs on a tiny random Qwen2 checkpoint written here over tests/data/tokenizers/tiny-bpe
(269 tokens: its vocabulary 0..262 and added tokens 263..268).
"""
import json
import shutil
import struct

import pytest

from tunepipe_env import REPO, run_tunepipe

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
safetensors_torch = pytest.importorskip("safetensors.torch")

TINY_BPE = REPO / "tests" / "data" / "tokenizers" / "tiny-bpe"
DEEP = 50_000  # levels; 100 KB of brackets, far past the stack a recursive walk needs


def deep_array(levels):
    return "[" * levels + "]" * levels


def write_checkpoint(directory, vocab_size=320, **config):
    torch.manual_seed(0)
    shape = dict(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128, eos_token_id=263)
    model = transformers.Qwen2ForCausalLM(transformers.Qwen2Config(**{**shape, **config}))
    model.save_pretrained(directory, safe_serialization=True)
    for file in TINY_BPE.glob("tokenizer*"):
        shutil.copy(file, directory / file.name)
    return directory


@pytest.fixture(scope="module")
def good_model(tmp_path_factory):
    return write_checkpoint(tmp_path_factory.mktemp("model"))


@pytest.fixture
def model(good_model, tmp_path):
    """A copy of the good checkpoint for a test to damage."""
    return shutil.copytree(good_model, tmp_path / "model")


def write_pipeline(tmp_path, model_dir, data_file, dataset_plugin="jsonl"):
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text(f"""
[pipeline]
name = "bad-input"
output_dir = "{tmp_path / 'run'}"

[model]
plugin = "hf"
path = "{model_dir}"

[dataset]
plugin = "{dataset_plugin}"
train = "{data_file}"

[dataset.fields]
input = "{{text}}"
output = "{{output}}"

[template]
plugin = "chatml"
""")
    return pipeline


def assert_error(result, expected):
    """Exit 1 with `expected` in the message: not a crash (a signal is a negative return code)."""
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stderr[-2000:]}"
    assert expected in result.stderr, result.stderr[-2000:]


# ---- finding 1: nesting depth ----------------------------------------------------------------

def test_a_deeply_nested_jsonl_record_is_refused_at_its_line(tmp_path, good_model):
    data = tmp_path / "train.jsonl"
    data.write_text('{"text": "hi", "output": "yo"}\n{"text": "hi", "output": "yo", "a": ' + deep_array(DEEP) + "}\n")
    pipeline = write_pipeline(tmp_path, good_model, data)
    column = len('{"text": "hi", "output": "yo", "a": ') + 128  # the record is level 1
    expected = f"{data}:2:{column}: error: [dataset] jsonl: JSON nested deeper than 128 levels"
    assert_error(run_tunepipe("run", pipeline, "--data-only"), expected)
    assert_error(run_tunepipe("inspect", pipeline, "--index", "1"), expected)


def test_a_deeply_nested_record_of_a_json_array_is_refused_at_its_line(tmp_path, good_model):
    data = tmp_path / "train.json"
    data.write_text('[\n  {"text": "hi", "output": "yo"},\n  {"text": "hi", "output": "yo", "a": ' + deep_array(DEEP) + "}\n]\n")
    pipeline = write_pipeline(tmp_path, good_model, data, dataset_plugin="json")
    assert_error(run_tunepipe("run", pipeline, "--data-only"), f"{data}:3:")
    assert_error(run_tunepipe("run", pipeline, "--data-only"), "JSON nested deeper than 128 levels")


def test_128_levels_are_still_read(tmp_path, good_model):
    data = tmp_path / "train.jsonl"
    data.write_text('{"text": "hi", "output": "yo", "a": ' + deep_array(127) + "}\n")
    result = run_tunepipe("run", write_pipeline(tmp_path, good_model, data), "--data-only")
    assert result.returncode == 0, result.stderr


def test_a_deeply_nested_safetensors_header_is_refused(model):
    weights = model / "model.safetensors"
    header = json.dumps({"__metadata__": {"format": "pt"}})[:-1] + ', "w": ' + "[" * 200_000 + "]" * 200_000 + "}"
    weights.write_bytes(struct.pack("<Q", len(header)) + header.encode())
    assert_error(run_tunepipe("generate", "--model", model, "--prompt-ids", "5 6", "--max-new-tokens", "2"),
                 f"{weights}: error: [model] hf: the header nests arrays and objects deeper than 128 levels")


@pytest.mark.parametrize("name", ["tokenizer.json", "tokenizer_config.json"])
def test_a_deeply_nested_tokenizer_file_is_refused(model, name):
    prefix = '{"x": '
    (model / name).write_text(prefix + deep_array(DEEP) + "}")
    assert_error(run_tunepipe("tokenize", "--model", model, "--text", "hello"),
                 f"{model / name}:1:{len(prefix) + 128}: error: JSON nested deeper than 128 levels")


def test_a_deeply_nested_config_json_is_refused(model):
    config = json.loads((model / "config.json").read_text())
    (model / "config.json").write_text(json.dumps(config)[:-1] + ', "x": ' + deep_array(DEEP) + "}")
    assert_error(run_tunepipe("generate", "--model", model, "--prompt-ids", "5 6", "--max-new-tokens", "2"),
                 f"{model / 'config.json'}:1:")


def test_deeply_nested_lines_on_stdin_are_refused(good_model):
    line = deep_array(DEEP) + "\n"
    assert_error(run_tunepipe("tokenize", "--model", good_model, input=line), "<stdin>:1:129: error: JSON nested")
    assert_error(run_tunepipe("render", "--template", "chatml", input=line), "<stdin>:1:129: error: JSON nested")


def test_a_number_too_large_for_a_double_names_its_line(tmp_path, good_model):
    data = tmp_path / "train.jsonl"
    data.write_text('{"text": "hi", "output": "yo"}\n{"text": "hi", "output": 1e999}\n')
    assert_error(run_tunepipe("run", write_pipeline(tmp_path, good_model, data), "--data-only"),
                 f"{data}:2:26: error: [dataset] jsonl: malformed JSON: number overflow parsing '1e999'")


# ---- finding 10: a tokenizer and model that do not fit, bad ids and weights -----------------

def test_a_tokenizer_with_ids_past_the_embedding_is_refused(tmp_path):
    model = write_checkpoint(tmp_path / "model", vocab_size=264)  # ids 264..268 have no row
    data = tmp_path / "train.jsonl"
    data.write_text('{"text": "hi", "output": "yo"}\n')
    result = run_tunepipe("run", write_pipeline(tmp_path, model, data), "--data-only")
    assert_error(result, f"{model / 'tokenizer.json'}: error: [model] hf: token \"<|begin|>\" has id 268, but the "
                         f"model has 264 token embeddings (\"vocab_size\": 264 in {model / 'config.json'})")


def test_a_negative_added_token_id_is_refused(model):
    tokenizer = json.loads((model / "tokenizer.json").read_text())
    tokenizer["added_tokens"][1]["id"] = -5
    (model / "tokenizer.json").write_text(json.dumps(tokenizer))
    assert_error(run_tunepipe("tokenize", "--model", model, "--text", "hello"),
                 f"{model / 'tokenizer.json'}: error: added_tokens: the id of \"<tool>\" is not a valid token id: -5")


def test_an_eos_token_id_past_the_vocabulary_is_refused(model):
    config = json.loads((model / "config.json").read_text())
    config["eos_token_id"] = [263, 5000]
    (model / "config.json").write_text(json.dumps(config))
    assert_error(run_tunepipe("generate", "--model", model, "--prompt-ids", "5 6", "--max-new-tokens", "2"),
                 f"{model / 'config.json'}: error: [model] hf: \"eos_token_id\": 5000 is not a token id of the model")


def test_an_unknown_eos_token_is_refused(model):
    config = json.loads((model / "tokenizer_config.json").read_text())
    config["eos_token"] = "<|no such token|>"
    (model / "tokenizer_config.json").write_text(json.dumps(config))
    assert_error(run_tunepipe("tokenize", "--model", model, "--text", "hello"),
                 f"{model / 'tokenizer_config.json'}: error: \"eos_token\": \"<|no such token|>\" is not a token")


@pytest.mark.parametrize("theta", [-10000.0, 0.0])
def test_a_rope_theta_that_is_not_positive_is_refused(model, theta):
    config = json.loads((model / "config.json").read_text())
    config.pop("rope_scaling", None)
    config.pop("rope_parameters", None)
    config["rope_theta"] = theta
    (model / "config.json").write_text(json.dumps(config))
    assert_error(run_tunepipe("generate", "--model", model, "--prompt-ids", "5 6", "--max-new-tokens", "2"),
                 f"{model / 'config.json'}: error: [model] hf: \"rope_theta\" must be a positive number")


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_weights_that_are_not_finite_are_refused(model, bad):
    weights = model / "model.safetensors"
    tensors = safetensors_torch.load_file(weights)
    tensors["model.layers.0.mlp.up_proj.weight"][3, 7] = bad
    safetensors_torch.save_file(tensors, weights, metadata={"format": "pt"})
    result = run_tunepipe("generate", "--model", model, "--prompt-ids", "5 6", "--max-new-tokens", "2")
    assert_error(result, f"{weights}: error: [model] hf: tensor \"model.layers.0.mlp.up_proj.weight\" holds NaN or infinite values")
