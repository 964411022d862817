"""The transformers side of bench/model_throughput.py, run as a fresh process per measurement.

Imports torch and transformers, loads the checkpoint with AutoModelForCausalLM.from_pretrained, runs one
forward of --first-ids (the first logits), then, after an untimed 1-token generate, times a greedy
generate of exactly --new-tokens tokens: prefill up to its first token, decode from there, as on
tunepipe's side. Prints one JSON line on stdout.
"""
import argparse
import json
import time

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--dtype", choices=["fp32", "bf16"], required=True)
parser.add_argument("--first-ids", required=True, help="space-separated token ids of the first forward")
parser.add_argument("--prompt-ids", required=True, help="space-separated token ids of the generate prompt")
parser.add_argument("--new-tokens", type=int, required=True)
parser.add_argument("--threads", type=int, required=True)
args = parser.parse_args()

import torch  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402
from transformers.generation.streamers import BaseStreamer  # noqa: E402

torch.set_num_threads(args.threads)
start = time.perf_counter()
dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[args.dtype]
model = AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype)
model.eval()
load_s = time.perf_counter() - start

first = torch.tensor([[int(t) for t in args.first_ids.split()]])
with torch.no_grad():
    start = time.perf_counter()
    model(input_ids=first, attention_mask=torch.ones_like(first))
    forward_s = time.perf_counter() - start
first_logits_unix_s = time.time()

ids = torch.tensor([[int(t) for t in args.prompt_ids.split()]])
mask = torch.ones_like(ids)


class FirstToken(BaseStreamer):
    """Timestamps the first new token: generate() streams the prompt, then each token as it is chosen."""

    def __init__(self):
        self.puts, self.at = 0, 0.0

    def put(self, value):
        self.puts += 1
        if self.puts == 2:
            self.at = time.perf_counter()

    def end(self):
        pass


def generate(tokens: int, streamer=None) -> list[int]:
    out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=tokens, min_new_tokens=tokens,
                         do_sample=False, pad_token_id=model.config.eos_token_id, streamer=streamer)
    return out[0, ids.shape[1]:].tolist()


generate(1)
first_token = FirstToken()
start = time.perf_counter()
completion = generate(args.new_tokens, first_token)
end = time.perf_counter()
print(json.dumps({
    "load_s": load_s, "forward_s": forward_s, "tokens": first.numel(), "first_logits_unix_s": first_logits_unix_s,
    "prompt_tokens": ids.numel(), "prefill_s": first_token.at - start, "new_tokens": len(completion),
    "decode_tokens": len(completion) - 1, "decode_s": end - first_token.at, "completion": completion,
    "attention": model.config._attn_implementation, "threads": torch.get_num_threads(),
}))
