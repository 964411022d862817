"""The dataset transfer of the json / jsonl / alpaca / sharegpt plugins on real data.

Runs `tunepipe run` on the huanhuan role-play set and LLaMA-Factory's alpaca demo and
compares the conversations it writes (<output_dir>/conversations/<split>.jsonl) with an
independent Python implementation of the same mapping:

- user turn = instruction and input joined by "\\n", empty parts left out (LLaMA-Factory's
  alpaca converter; seed 001 concatenates without a separator, which is the same on
  huanhuan, whose inputs are all empty); assistant turn = output, trained; alpaca history
  pairs come first, their assistant turns trained too;
- source = "file:line" where the record starts;
- test_ratio: SplitMix64-seeded Fisher-Yates permutation, the first round(n * ratio)
  indices are the test split, both splits keep file order.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tunepipe_env import toml_value

REPO = Path(__file__).resolve().parents[2]
ASSETS = Path(os.environ.get("TUNEPIPE_SHARED_ASSETS", REPO.parent / "shared" / "assets"))
HUANHUAN = ASSETS / "datasets" / "huanhuan" / "huanhuan.json"
ALPACA_DEMO = ASSETS / "datasets" / "llamafactory_demo" / "alpaca_en_demo.json"
TOKENIZER = ASSETS / "tokenizers" / "qwen2.5"

pytestmark = pytest.mark.skipif(
    not (HUANHUAN.is_file() and ALPACA_DEMO.is_file() and TOKENIZER.is_dir()),
    reason=f"shared assets not found under {ASSETS} (set TUNEPIPE_SHARED_ASSETS to the shared/assets folder)",
)


# ---- the independent reference ----------------------------------------------------------

MASK64 = (1 << 64) - 1


def seeded_permutation(count, seed):
    state = seed

    def next_value():
        nonlocal state
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    order = list(range(count))
    for i in range(count, 1, -1):
        j = next_value() % i
        order[i - 1], order[j] = order[j], order[i - 1]
    return order


def split_indices(count, ratio, seed):
    held_out = int(count * ratio + 0.5)  # half away from zero (count * ratio >= 0)
    test = set(seeded_permutation(count, seed)[:held_out])
    return [i for i in range(count) if i not in test], sorted(test)


def json_array_records(path):
    """(record, line the record starts on) for each element of a JSON array file."""
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    records = []
    while True:
        while text[position] in " \t\r\n,":
            position += 1
        if text[position] == "]":
            return records
        record, end = decoder.raw_decode(text, position)
        records.append((record, text.count("\n", 0, position) + 1))
        position = end


def turn(role, content):
    return {"role": role, "content": content, "trained": role == "assistant"}


def alpaca_conversation(record, source, system=None):
    turns = []
    for user, assistant in record.get("history") or []:
        turns += [turn("user", user), turn("assistant", assistant)]
    query = "\n".join(part for part in (record["instruction"], record.get("input") or "") if part)
    turns += [turn("user", query), turn("assistant", record["output"])]
    return {"system": system if system is not None else record.get("system") or "", "turns": turns, "source": source}


# ---- running the CLI --------------------------------------------------------------------


def tunepipe_bin():
    explicit = os.environ.get("TUNEPIPE_BIN")
    path = Path(explicit) if explicit else REPO / "build" / "bin" / "tunepipe"
    if not path.is_file():
        if explicit:
            pytest.fail(f"TUNEPIPE_BIN={explicit} does not exist")
        pytest.skip(f"the tunepipe CLI is not built at {path} (build it, or set TUNEPIPE_BIN)")
    return path


def write_pipeline(tmp_path, dataset):
    lines = [
        "[pipeline]",
        'name = "dataset-transfer"',
        f"output_dir = {toml_value(str(tmp_path / 'run'))}",
        "seed = 42",
        "",
        "[model]",
        'plugin = "hf"',
        f"path = {toml_value(str(TOKENIZER))}",
        "",
        "[dataset]",
    ]
    lines += [f"{key} = {toml_value(value)}" for key, value in dataset.items()]
    lines += ["", "[template]", 'plugin = "chatml"', ""]
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text("\n".join(lines), encoding="utf-8")
    return pipeline


def run_dataset(tmp_path, dataset):
    pipeline = write_pipeline(tmp_path, dataset)
    result = subprocess.run([str(tunepipe_bin()), "run", str(pipeline)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, f"tunepipe run failed:\n{result.stdout}\n{result.stderr}"
    return tmp_path / "run" / "conversations"


def conversations(folder, split):
    with open(folder / f"{split}.jsonl", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def assert_same(actual, expected):
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        assert {key: got.get(key) for key in want} == want, f"record at {want['source']}"


# ---- the tests --------------------------------------------------------------------------


def test_json_plugin_transfers_huanhuan(tmp_path):
    folder = run_dataset(tmp_path, {"plugin": "json", "train": str(HUANHUAN)})
    expected = [alpaca_conversation(record, f"{HUANHUAN}:{line}") for record, line in json_array_records(HUANHUAN)]
    assert len(expected) == 3729
    assert_same(conversations(folder, "train"), expected)


def test_alpaca_plugin_transfers_the_llamafactory_demo(tmp_path):
    folder = run_dataset(tmp_path, {"plugin": "alpaca", "train": str(ALPACA_DEMO)})
    records = json_array_records(ALPACA_DEMO)
    expected = [alpaca_conversation(record, f"{ALPACA_DEMO}:{line}") for record, line in records]
    assert sum(1 for record, _ in records if record["input"]) > 0  # both joins are exercised
    assert_same(conversations(folder, "train"), expected)


def test_test_ratio_is_the_seeded_split(tmp_path):
    folder = run_dataset(tmp_path, {"plugin": "json", "train": str(ALPACA_DEMO), "test_ratio": 0.1, "seed": 123})
    records = json_array_records(ALPACA_DEMO)
    train, test = split_indices(len(records), 0.1, 123)
    assert len(test) == 100
    for split, indices in (("train", train), ("test", test)):
        expected = [alpaca_conversation(records[i][0], f"{ALPACA_DEMO}:{records[i][1]}") for i in indices]
        assert_same(conversations(folder, split), expected)


def test_jsonl_plugin_applies_field_templates(tmp_path):
    lines_file = tmp_path / "huanhuan.jsonl"
    records = [record for record, _ in json_array_records(HUANHUAN)]
    with open(lines_file, "w", encoding="utf-8") as out:
        for i, record in enumerate(records):
            if i % 100 == 0:
                out.write("\n")  # blank lines are skipped but keep counting lines
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    system = "现在你要扮演皇帝身边的女人--甄嬛"
    fields = {"system": system, "instruction": "{instruction}", "input": "{input}", "output": "{output}"}
    folder = run_dataset(tmp_path, {"plugin": "jsonl", "train": str(lines_file), "limit": 250, "fields": fields})
    expected = [
        alpaca_conversation(record, f"{lines_file}:{i + 2 + i // 100}", system) for i, record in enumerate(records[:250])
    ]
    assert_same(conversations(folder, "train"), expected)


def test_sharegpt_plugin_matches_the_alpaca_transfer(tmp_path):
    records = [record for record, _ in json_array_records(ALPACA_DEMO)][:300]
    converted = tmp_path / "demo_sharegpt.jsonl"
    with open(converted, "w", encoding="utf-8") as out:
        for record in records:
            query = alpaca_conversation(record, "")["turns"][0]["content"]
            messages = [{"from": "human", "value": query}, {"from": "gpt", "value": record["output"]}]
            out.write(json.dumps({"conversations": messages}, ensure_ascii=False) + "\n")
    folder = run_dataset(tmp_path, {"plugin": "sharegpt", "train": str(converted)})
    expected = [alpaca_conversation(record, f"{converted}:{i + 1}") for i, record in enumerate(records)]
    assert_same(conversations(folder, "train"), expected)


def test_validate_reports_an_unknown_field_key(tmp_path):
    pipeline = write_pipeline(
        tmp_path, {"plugin": "jsonl", "train": str(HUANHUAN), "fields": {"outptu": "{output}", "input": "{input}"}}
    )
    result = subprocess.run([str(tunepipe_bin()), "validate", str(pipeline)], capture_output=True, text=True)
    assert result.returncode != 0
    assert (
        '[dataset] jsonl: unknown key "outptu" in fields (allowed: history, input, instruction, output, system)'
        in result.stderr + result.stdout
    )
