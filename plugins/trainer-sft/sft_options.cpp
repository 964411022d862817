#include "sft_options.hpp"

namespace tp::sft {

OptionSchema SftOptions::schema() {
  const SftOptions d;
  OptionSchema s;
  s.add(int_option("epochs", d.epochs, "passes over the train split (num_train_epochs)")).range(1, std::nullopt);
  s.add(int_option("max_steps", d.max_steps, "optimizer steps to take; 0: as many as `epochs` give"))
      .range(0, std::nullopt);
  s.add(int_option("batch_size", d.batch_size, "rows per micro-batch (per_device_train_batch_size)")).range(1, std::nullopt);
  s.add(int_option("grad_accum", d.grad_accum, "micro-batches per optimizer step (gradient_accumulation_steps)"))
      .range(1, std::nullopt);
  s.add(float_option("learning_rate", d.learning_rate, "peak learning rate of AdamW")).range(0, std::nullopt);
  s.add(float_option("weight_decay", d.weight_decay,
                     "AdamW's decoupled weight decay (not applied to biases and norm weights, as HF)"))
      .range(0, std::nullopt);
  s.add(float_option("adam_beta1", d.adam_beta1, "AdamW beta1")).range(0, 1);
  s.add(float_option("adam_beta2", d.adam_beta2, "AdamW beta2")).range(0, 1);
  s.add(float_option("adam_epsilon", d.adam_epsilon, "AdamW epsilon")).range(0, std::nullopt);
  s.add(float_option("max_grad_norm", d.max_grad_norm, "clip gradients to this global L2 norm; 0: no clipping"))
      .range(0, std::nullopt);
  s.add(choice_option("scheduler", d.scheduler, {"linear", "cosine", "constant", "constant_with_warmup"},
                      "learning-rate schedule per optimizer step, as transformers' lr_scheduler_type"));
  s.add(int_option("warmup_steps", d.warmup_steps, "steps of linear warmup from 0")).range(0, std::nullopt);
  s.add(float_option("warmup_ratio", d.warmup_ratio, "warmup as a share of all steps (rounded up); instead of warmup_steps"))
      .range(0, 1);
  s.add(flag_option("group_by_length", d.group_by_length,
                    "batch rows of similar length (sorted within shuffled mega-batches, as HF's LengthGroupedSampler)"));
  s.add(flag_option("shuffle", d.shuffle, "a new seeded order of the train rows every epoch; false: file order"));
  s.add(int_option("logging_steps", d.logging_steps, "report train/loss (the window's mean), lr, grad norm, speed and memory every N steps"))
      .range(1, std::nullopt);
  s.add(flag_option("logging_first_step", d.logging_first_step, "also report after the first step"));
  s.add(int_option("eval_steps", d.eval_steps, "eval/loss on the test split every N steps; 0: only at the end"))
      .range(0, std::nullopt);
  s.add(int_option("eval_batch_size", d.eval_batch_size,
                   "rows per eval batch; eval/loss is the row-weighted mean of the batches' token means, as HF"))
      .range(1, std::nullopt);
  s.add(int_option("max_eval_samples", std::nullopt, "use only the first N rows of the test split for eval/loss"))
      .range(1, std::nullopt);
  s.add(int_option("save_steps", d.save_steps,
                   "write a resumable checkpoint every N steps (output_dir/checkpoints/checkpoint-N); 0: only the final adapter"))
      .range(0, std::nullopt);
  s.add(int_option("save_total_limit", d.save_total_limit, "keep only the newest N checkpoints; 0: keep all"))
      .range(0, std::nullopt);
  s.add(flag_option("gradient_checkpointing", d.gradient_checkpointing,
                    "recompute each decoder layer in the backward instead of keeping its activations"));
  s.add(int_option("loss_chunk_rows", d.loss_chunk_rows,
                   "trained tokens whose vocabulary logits are computed at once for the loss (memory vs speed)"))
      .range(1, std::nullopt);
  s.add(int_option("collapse_steps", d.collapse_steps,
                   "a gradient norm of 0 for this many steps in a row means the run has collapsed; 0: never check"))
      .range(0, std::nullopt);
  s.add(choice_option("on_collapse", d.on_collapse, {"stop", "warn"},
                      "what a collapsed run does: stop with an error (keeping its earlier checkpoints), or report "
                      "train/collapsed and go on"));
  return s;
}

void SftOptions::validate(const Options& options, Diagnostics& errors) {
  if (options.get_int("warmup_steps") > 0 && options.get_float("warmup_ratio") > 0)
    errors.error(options.location("warmup_ratio"),
                 options.context() + "set warmup_steps or warmup_ratio, not both");
  const bool warmup = options.get_int("warmup_steps") > 0 || options.get_float("warmup_ratio") > 0;
  if (options.get_string("scheduler") == "constant" && warmup)
    errors.error(options.location("scheduler"),
                 options.context() + "scheduler \"constant\" has no warmup (as in transformers): use "
                                     "\"constant_with_warmup\", or drop the warmup");
  if (options.get_bool("group_by_length") && !options.get_bool("shuffle"))
    errors.error(options.location("group_by_length"),
                 options.context() + "group_by_length groups shuffled rows: it needs shuffle = true");
}

SftOptions SftOptions::read(const Options& options) {
  SftOptions o;
  o.epochs = options.get_int("epochs");
  o.max_steps = options.get_int("max_steps");
  o.batch_size = options.get_int("batch_size");
  o.grad_accum = options.get_int("grad_accum");
  o.learning_rate = options.get_float("learning_rate");
  o.weight_decay = options.get_float("weight_decay");
  o.adam_beta1 = options.get_float("adam_beta1");
  o.adam_beta2 = options.get_float("adam_beta2");
  o.adam_epsilon = options.get_float("adam_epsilon");
  o.max_grad_norm = options.get_float("max_grad_norm");
  o.scheduler = options.get_string("scheduler");
  o.warmup_steps = options.get_int("warmup_steps");
  o.warmup_ratio = options.get_float("warmup_ratio");
  o.group_by_length = options.get_bool("group_by_length");
  o.shuffle = options.get_bool("shuffle");
  o.logging_steps = options.get_int("logging_steps");
  o.logging_first_step = options.get_bool("logging_first_step");
  o.eval_steps = options.get_int("eval_steps");
  o.eval_batch_size = options.get_int("eval_batch_size");
  if (options.has("max_eval_samples")) o.max_eval_samples = options.get_int("max_eval_samples");
  o.save_steps = options.get_int("save_steps");
  o.save_total_limit = options.get_int("save_total_limit");
  o.gradient_checkpointing = options.get_bool("gradient_checkpointing");
  o.loss_chunk_rows = options.get_int("loss_chunk_rows");
  o.collapse_steps = options.get_int("collapse_steps");
  o.on_collapse = options.get_string("on_collapse");
  return o;
}

}  // namespace tp::sft
