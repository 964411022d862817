"""Yuan2 (YuanForCausalLM) against IEIT's reference modeling code, on a tiny random checkpoint it writes.

The checkpoint has the real model's vocabulary and special ids (the Yuan2 tokenizer of ../shared/assets sits
beside it) and the real config's attention resets after `<eod>`; ours is `tunepipe forward | generate`. The
reference runs one sequence at a time (its masks ignore padding), ours a left-padded batch: LocalizedFiltering
reads padding as the zeros before a sequence, so each row equals its sequence alone.
"""
from __future__ import annotations

import json
import shutil

import pytest
import torch

from reference_models import relative_error
from test_model_parity import forward, padded_batch
from tunepipe_env import run_tunepipe
from yuan2_reference import EOD, greedy, load_reference, reload, write_tiny_checkpoint

# Different lengths (a left-padded batch on our side); the second holds an <eod> mid-row, where attention resets.
SEQUENCES = [torch.randint(0, 60000, (n,), generator=torch.Generator().manual_seed(n)).tolist() for n in (13, 9, 10)]
SEQUENCES[1][4] = EOD


@pytest.fixture(scope="module")
def yuan2(tmp_path_factory):
    module = load_reference(tmp_path_factory.mktemp("reference"))
    folder = write_tiny_checkpoint(module, tmp_path_factory.mktemp("yuan2"))
    return module, folder, reload(module, folder)


@torch.no_grad()
def reference_logits(model, sequence):
    return model(input_ids=torch.tensor([sequence]), use_cache=False).logits[0]


def test_logits_and_loss_match_the_reference(yuan2, tmp_path):
    _, folder, model = yuan2
    ours = forward(folder, tmp_path, SEQUENCES)["logits"]
    _, mask, _ = padded_batch(SEQUENCES)
    for row, sequence in enumerate(SEQUENCES):
        error = relative_error(ours[row][mask[row].bool()], reference_logits(model, sequence))
        print(f"row {row}: max relative error {error:.2e}")
        assert error <= 1e-4, f"row {row}: {error:.2e}"

    sequence = SEQUENCES[0]
    labels = [-100] * 3 + sequence[3:]
    loss = forward(folder, tmp_path, [sequence], labels=[labels])["loss"].item()
    with torch.no_grad():
        expected = model(input_ids=torch.tensor([sequence]), labels=torch.tensor([labels]), use_cache=False).loss.item()
    assert loss == pytest.approx(expected, rel=1e-5)


def test_attention_resets_after_eod_as_the_reference(yuan2, tmp_path):
    """With reset_attention_mask, the tokens after an <eod> see nothing before it: the second sequence's logits
    after its <eod> equal those of the part after it alone, at the positions it has in the row."""
    _, folder, model = yuan2
    row = SEQUENCES[1]
    ours = forward(folder, tmp_path, [row])["logits"][0]
    assert relative_error(ours, reference_logits(model, row)) <= 1e-4
    # Not merely a causal row: without the reset the logits after <eod> would differ.
    without_reset = dict(json.loads((folder / "config.json").read_text()), reset_attention_mask=False)
    plain = tmp_path / "plain"
    shutil.copytree(folder, plain)
    (plain / "config.json").write_text(json.dumps(without_reset))
    causal = forward(plain, tmp_path, [row])["logits"][0]
    assert relative_error(causal[5:], ours[5:]) > 1e-3
    assert relative_error(causal[:5], ours[:5]) <= 1e-6


def test_incremental_decoding_equals_full_recomputation(yuan2, tmp_path):
    """The KV cache with the filters' last two inputs per layer, and where attention last reset (the <eod> of
    the second row falls inside the prefill, and later ones one token at a time)."""
    _, folder, model = yuan2
    full = forward(folder, tmp_path, SEQUENCES)["logits"]
    _, mask, _ = padded_batch(SEQUENCES)
    kept = mask.bool()
    for prefill in ("1", "6"):
        stepped = forward(folder, tmp_path, SEQUENCES, "--incremental", "--prefill", prefill)["logits"]
        error = relative_error(stepped[kept], full[kept])
        print(f"prefill {prefill}: max relative error {error:.2e}")
        assert error <= 1e-5


def test_greedy_generation_matches_the_reference_cached_and_not(yuan2):
    _, folder, model = yuan2
    prompt = SEQUENCES[0]
    expected = greedy(model, prompt, 32)
    assert greedy(model, prompt, 32, cached=False) == expected  # the reference agrees with itself
    out = run_tunepipe("generate", "--model", folder, "--prompt-ids", " ".join(map(str, prompt)), "--max-new-tokens",
                       "32", "--greedy", "--print-ids", "--device", "cpu", "--dtype", "fp32", check=True).stdout
    ours = [int(t) for t in out.split()]
    # Ours stops at <eod> (the model's end of sequence); the reference loop does not.
    assert ours == expected[:len(ours)] and (len(ours) == 32 or expected[len(ours)] == EOD), (ours, expected)


def test_bf16_is_as_close_to_fp32_as_the_reference_in_bf16(yuan2, tmp_path):
    """The reference's bf16 attention is its own eager code (bf16 scores, fp32 softmax) and its filters bf16
    convolutions; ours runs SDPA and one product per convolution. The two bf16 runs differ by about as much as
    each differs from fp32, so each is held to fp32: ours may be off by no more than the reference is, plus one
    bf16 step (2^-8)."""
    module, folder, fp32 = yuan2
    truth = reference_logits(fp32, SEQUENCES[0])
    theirs = relative_error(reference_logits(reload(module, folder, dtype=torch.bfloat16), SEQUENCES[0]).float(), truth)
    ours = relative_error(forward(folder, tmp_path, SEQUENCES[:1], "--dtype", "bf16")["logits"][0], truth)
    print(f"bf16 against fp32: ours {ours:.2e}, the reference's {theirs:.2e}")
    assert ours <= theirs + 2 ** -8


@pytest.mark.parametrize("key,value,message", [
    ("use_loss_mask", True, '"use_loss_mask": true is not supported'),
    ("use_shareqk", True, '"use_shareqk": true (shared query/key projections without LocalizedFiltering) is not'),
    ("num_key_value_heads", 2, "\"num_key_value_heads\": Yuan2's attention has one key/value head per query head"),
    ("rope_theta", 500000.0, "\"rope_theta\": Yuan2's modeling code rotates with base 10000 and reads no RoPE"),
    ("eod_token", None, '"reset_attention_mask" is true but "eod_token" is missing'),
])
def test_settings_the_reference_does_not_compute_are_refused_naming_the_key(yuan2, tmp_path, key, value, message):
    _, folder, _ = yuan2
    changed = tmp_path / "changed"
    shutil.copytree(folder, changed)
    config = json.loads((changed / "config.json").read_text())
    if value is None:
        del config[key]
    else:
        config[key] = value
    (changed / "config.json").write_text(json.dumps(config))
    result = run_tunepipe("forward", "--model", changed, "--out", tmp_path / "x.safetensors", input="1 2 3\n")
    assert result.returncode != 0
    assert f"{changed / 'config.json'}: error: [model] hf: {message}" in result.stderr, result.stderr


def test_packed_rows_are_refused(yuan2, tmp_path):
    """The filters mix each token with the one before it: packed samples would leak into each other."""
    _, folder, _ = yuan2
    (tmp_path / "positions.txt").write_text("0 1 2 0 1\n")
    result = run_tunepipe("forward", "--model", folder, "--out", tmp_path / "x.safetensors", "--position-ids",
                          tmp_path / "positions.txt", input="5 6 7 8 9\n")
    assert result.returncode != 0
    assert "samples packed into one row would leak into each other: set [trainer] packing = false" in result.stderr
