#!/usr/bin/env python3
"""Data-parallel LoRA training on this machine's CPUs: tokens/s of one process against N ranks started by
torchrun (gloo), on the same global batch, one intra-op thread per rank; and one process with N threads, the
other way to use the same cores. A profiled step of the N-rank run says what share the sums over ranks
(trained-token counts, loss and the adapter's gradients) take.

Usage: data_parallel.py --build build [--shape qwen2-0.5b|tiny] [--dtype bf16|fp32] [--ranks 2] [--seq 256]
                        [--batch 2] [--steps 4]
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import sys
import tempfile
from argparse import Namespace
from pathlib import Path

from lora_training import pipeline, run_checked, speed_and_memory, write_rows
from machine_info import machine
from model_checkpoint import checkpoint

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(tunepipe: Path, file: Path, ranks: int, threads: int) -> None:
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    if ranks == 1:
        run_checked([str(tunepipe), "run", str(file)])
        return
    torchrun = Path(sys.executable).parent / "torchrun"
    run_checked([str(torchrun), "--nproc-per-node", str(ranks), "--master-addr", "127.0.0.1", "--master-port",
                 str(free_port()), "--no-python", str(tunepipe), "run", str(file)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=REPO / "build")
    parser.add_argument("--shape", default="qwen2-0.5b")
    parser.add_argument("--dtype", default="bf16", choices=["bf16", "fp32"])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--batch", type=int, default=2, help="rows per rank per micro-batch")
    parser.add_argument("--steps", type=int, default=4, help="optimizer steps; the first is not timed")
    args = parser.parse_args()
    tunepipe = (args.build / "bin" / "tunepipe").resolve()
    model = checkpoint(args.build.resolve() / "bench-models", args.shape)
    n = args.ranks
    print(f"{args.shape} {args.dtype}: LoRA r=8 on 7 projections, sequence {args.seq}, global micro-batch "
          f"{args.batch * n} rows, {args.steps} steps (first untimed)\non {machine(1)}")
    with tempfile.TemporaryDirectory(prefix="bench-dp-") as tmp:
        work = Path(tmp)
        runs = {}
        for name, ranks, threads in (("1 process, 1 thread", 1, 1), (f"{n} ranks, 1 thread each", n, 1),
                                     (f"1 process, {n} threads", 1, n)):
            folder = work / name.replace(" ", "-").replace(",", "")
            folder.mkdir()
            write_rows(folder / "rows.jsonl", args.steps * args.batch * n)
            batch = args.batch if ranks > 1 else args.batch * n
            settings = Namespace(seq=args.seq, batch=batch, steps=args.steps, device="cpu")
            file = pipeline(folder, model, args.dtype, settings, False)
            run(tunepipe, file, ranks, threads)
            runs[name] = speed_and_memory(folder / f"ours-{args.dtype}-0", "cpu")
        base = runs["1 process, 1 thread"]["tokens_per_s"]
        print(f"{'run':26} {'tokens/s':>9} {'÷ 1 process':>12} {'peak RSS MiB (rank 0)':>22}")
        for name, result in runs.items():
            print(f"{name:26} {result['tokens_per_s']:9.1f} {result['tokens_per_s'] / base:11.2f}× "
                  f"{result['peak_mib']:22.0f}")

        profiled = work / "profiled"
        profiled.mkdir()
        write_rows(profiled / "rows.jsonl", 2 * args.batch * n)
        settings = Namespace(seq=args.seq, batch=args.batch, steps=2, device="cpu")
        run(tunepipe, pipeline(profiled, model, args.dtype, settings, False, profile_steps=1), n, 1)
        table = (profiled / f"ours-{args.dtype}-0-profile" / "profile.txt").read_text()
        sums = re.search(r"^rank sums +([\d.]+) +([\d.]+)%", table, re.M)
        wall = re.search(r"wall time of the profiled steps: ([\d.]+) ms", table)
        print(f"sums over ranks in a profiled step of the {n}-rank run (rank 0): "
              f"{sums.group(1) if sums else '0'} ms of {wall.group(1)} ms "
              f"({sums.group(2) if sums else '0'}% of its operators' time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
