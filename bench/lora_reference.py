"""The HF side of bench/lora_training.py and bench/lora_variable_length.py: Trainer + peft on the same tokenized
rows, printing one JSON line: tokens/s counts the real (unpadded) input tokens of the steps after the first."""
import json
import resource
import sys
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, DataCollatorForSeq2Seq, AutoTokenizer, Trainer, TrainerCallback, \
    TrainingArguments


class Rows(torch.utils.data.Dataset):
    def __init__(self, path):
        self.rows = [json.loads(line) for line in open(path, encoding="utf-8")]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        row = self.rows[i]
        return {"input_ids": row["input_ids"], "labels": row["labels"], "attention_mask": [1] * len(row["input_ids"])}


class StepTimes(TrainerCallback):
    """When each step ended and how many real (unpadded) input tokens had been trained on by then."""

    def __init__(self):
        self.ends = []
        self.tokens_seen = []

    def on_step_end(self, args, state, control, **kwargs):
        self.ends.append(time.perf_counter())
        self.tokens_seen.append(state.num_input_tokens_seen)


def main():
    model_dir, rows_file, dtype, steps, batch, checkpointing, out_dir = sys.argv[1:8]
    device = sys.argv[8] if len(sys.argv) > 8 else "cpu"
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtypes[dtype])
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=[
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]))
    rows = Rows(rows_file)
    args = TrainingArguments(output_dir=out_dir, per_device_train_batch_size=int(batch), max_steps=int(steps),
                             learning_rate=1e-4, logging_steps=1, report_to=[], save_strategy="no",
                             use_cpu=device == "cpu", include_num_input_tokens_seen="non_padding",
                             gradient_checkpointing=checkpointing == "1", dataloader_num_workers=0, seed=42)
    times = StepTimes()
    trainer = Trainer(model=model, args=args, train_dataset=rows, callbacks=[times],
                      data_collator=DataCollatorForSeq2Seq(AutoTokenizer.from_pretrained(model_dir), padding=True))
    trainer.train()
    if len(times.ends) < 2:
        sys.exit("lora_reference.py: time at least 2 steps (the first is not timed)")
    # the steps after the first
    result = {"tokens_per_s": (times.tokens_seen[-1] - times.tokens_seen[0]) / (times.ends[-1] - times.ends[0]),
              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if device != "cpu":
        result["cuda_peak_allocated_mib"] = torch.cuda.max_memory_allocated() / 2 ** 20
    print(json.dumps(result))


if __name__ == "__main__":
    main()
