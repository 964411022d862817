#include "sft_options.hpp"

#include "tunepipe/option_key.hpp"

namespace tp::sft {
namespace {

const SftOptions kDefaults;

// Keys the checks across options name.
const auto kScheduler = choice_key("scheduler", kDefaults.scheduler,
                                   {"linear", "cosine", "constant", "constant_with_warmup"},
                                   "learning-rate schedule per optimizer step, as transformers' lr_scheduler_type");
const auto kWarmupSteps = int_key("warmup_steps", kDefaults.warmup_steps, "steps of linear warmup from 0")
                              .range(0, std::nullopt);
const auto kWarmupRatio =
    float_key("warmup_ratio", kDefaults.warmup_ratio,
              "warmup as a share of all steps (rounded up); instead of warmup_steps")
        .range(0, 1);
const auto kGroupByLength =
    flag_key("group_by_length", kDefaults.group_by_length,
             "batch rows of similar length (sorted within shuffled mega-batches, as HF's LengthGroupedSampler)");
const auto kShuffle =
    flag_key("shuffle", kDefaults.shuffle, "a new seeded order of the train rows every epoch; false: file order");
const auto kPacking =
    flag_key("packing", kDefaults.packing,
             "several samples per row, up to the template's max_length, each attending only to itself (packed "
             "once, best-fit decreasing; batch_size then counts packed rows)");

const OptionBindings<SftOptions>& bindings() {
  static const OptionBindings<SftOptions> table = [] {
    const SftOptions& d = kDefaults;
    OptionBindings<SftOptions> b;
    b.bind(&SftOptions::epochs,
           int_key("epochs", d.epochs, "passes over the train split (num_train_epochs)").range(1, std::nullopt));
    b.bind(&SftOptions::max_steps, int_key("max_steps", d.max_steps, "optimizer steps to take; 0: as many as `epochs` give")
                                       .range(0, std::nullopt));
    b.bind(&SftOptions::batch_size,
           int_key("batch_size", d.batch_size, "rows per micro-batch (per_device_train_batch_size)").range(1, std::nullopt));
    b.bind(&SftOptions::grad_accum,
           int_key("grad_accum", d.grad_accum, "micro-batches per optimizer step (gradient_accumulation_steps)")
               .range(1, std::nullopt));
    b.bind(&SftOptions::learning_rate,
           float_key("learning_rate", d.learning_rate, "peak learning rate of AdamW").range(0, std::nullopt));
    b.bind(&SftOptions::weight_decay,
           float_key("weight_decay", d.weight_decay,
                     "AdamW's decoupled weight decay (not applied to biases and norm weights, as HF)")
               .range(0, std::nullopt));
    b.bind(&SftOptions::adam_beta1, float_key("adam_beta1", d.adam_beta1, "AdamW beta1").range(0, 1));
    b.bind(&SftOptions::adam_beta2, float_key("adam_beta2", d.adam_beta2, "AdamW beta2").range(0, 1));
    b.bind(&SftOptions::adam_epsilon, float_key("adam_epsilon", d.adam_epsilon, "AdamW epsilon").range(0, std::nullopt));
    b.bind(&SftOptions::max_grad_norm,
           float_key("max_grad_norm", d.max_grad_norm, "clip gradients to this global L2 norm; 0: no clipping")
               .range(0, std::nullopt));
    b.bind(&SftOptions::scheduler, kScheduler);
    b.bind(&SftOptions::warmup_steps, kWarmupSteps);
    b.bind(&SftOptions::warmup_ratio, kWarmupRatio);
    b.bind(&SftOptions::group_by_length, kGroupByLength);
    b.bind(&SftOptions::shuffle, kShuffle);
    b.bind(&SftOptions::packing, kPacking);
    b.bind(&SftOptions::pad_to_multiple_of,
           int_key("pad_to_multiple_of", d.pad_to_multiple_of,
                   "pad each batch's rows, packed ones too, to a multiple of this many tokens "
                   "(DataCollatorForSeq2Seq's): fewer distinct shapes, so the kernels and buffers made for one are "
                   "reused")
               .range(1, std::nullopt));
    b.bind(&SftOptions::logging_steps,
           int_key("logging_steps", d.logging_steps,
                   "report train/loss (the window's mean), lr, grad norm, speed and memory every N steps")
               .range(1, std::nullopt));
    b.bind(&SftOptions::logging_first_step,
           flag_key("logging_first_step", d.logging_first_step, "also report after the first step"));
    b.bind(&SftOptions::eval_steps,
           int_key("eval_steps", d.eval_steps, "eval/loss on the test split every N steps; 0: only at the end")
               .range(0, std::nullopt));
    b.bind(&SftOptions::eval_batch_size,
           int_key("eval_batch_size", d.eval_batch_size,
                   "rows per eval batch; eval/loss is the row-weighted mean of the batches' token means, as HF")
               .range(1, std::nullopt));
    b.bind(&SftOptions::max_eval_samples,
           int_key("max_eval_samples", std::nullopt, "use only the first N rows of the test split for eval/loss")
               .range(1, std::nullopt));
    b.bind(&SftOptions::save_steps,
           int_key("save_steps", d.save_steps,
                   "write a resumable checkpoint every N steps (output_dir/checkpoints/checkpoint-N); 0: only the "
                   "final adapter")
               .range(0, std::nullopt));
    b.bind(&SftOptions::save_total_limit,
           int_key("save_total_limit", d.save_total_limit, "keep only the newest N checkpoints; 0: keep all")
               .range(0, std::nullopt));
    b.bind(&SftOptions::gradient_checkpointing,
           flag_key("gradient_checkpointing", d.gradient_checkpointing,
                    "recompute each decoder layer in the backward instead of keeping its activations"));
    b.bind(&SftOptions::loss_chunk_rows,
           int_key("loss_chunk_rows", d.loss_chunk_rows,
                   "trained tokens whose vocabulary logits are computed at once for the loss (memory vs speed)")
               .range(1, std::nullopt));
    b.bind(&SftOptions::collapse_steps,
           int_key("collapse_steps", d.collapse_steps,
                   "a gradient norm of 0 for this many steps in a row means the run has collapsed; 0: never check")
               .range(0, std::nullopt));
    b.bind(&SftOptions::on_collapse,
           choice_key("on_collapse", d.on_collapse, {"stop", "warn"},
                      "what a collapsed run does: stop with an error (keeping its earlier checkpoints), or report "
                      "train/collapsed and go on"));
    b.bind(&SftOptions::profile_steps,
           int_key("profile_steps", d.profile_steps,
                   "record this many optimizer steps, after the first, with torch's profiler: profile.txt (where "
                   "the time went, by phase, kind of work and operator with its shapes) and profile.trace.json "
                   "(for Perfetto or chrome://tracing) in the output folder; 0: none")
               .range(0, std::nullopt));
    b.bind(&SftOptions::ddp_timeout,
           int_key("ddp_timeout", d.ddp_timeout,
                   "seconds a rank of a data-parallel run (torchrun) waits for the others to join or to reach the "
                   "same step before it stops, naming the rendezvous (TrainingArguments' ddp_timeout)")
               .range(1, std::nullopt));
    return b;
  }();
  return table;
}

}  // namespace

OptionSchema SftOptions::schema() { return bindings().schema(); }

void SftOptions::validate(const Options& options, Diagnostics& errors) {
  const bool by_steps = kWarmupSteps.read(options) > 0;
  const bool by_ratio = kWarmupRatio.read(options) > 0;
  if (by_steps && by_ratio)
    errors.error(kWarmupRatio.location(options), options.context() + "set warmup_steps or warmup_ratio, not both");
  if (kScheduler.read(options) == "constant" && (by_steps || by_ratio))
    errors.error(kScheduler.location(options),
                 options.context() + "scheduler \"constant\" has no warmup (as in transformers): use "
                                     "\"constant_with_warmup\", or drop the warmup");
  if (kGroupByLength.read(options) && kPacking.read(options))
    errors.error(kGroupByLength.location(options),
                 options.context() + "group_by_length has nothing to group with packing = true (packed rows are "
                                     "all about max_length long): drop one of them");
  if (kGroupByLength.read(options) && !kShuffle.read(options))
    errors.error(kGroupByLength.location(options),
                 options.context() + "group_by_length groups shuffled rows: it needs shuffle = true");
}

SftOptions SftOptions::read(const Options& options) {
  SftOptions read = bindings().read(options);
  for (const auto& [key, entry] : options.values()) read.as_given += key + " = " + to_display(entry.first) + "\n";
  return read;
}

}  // namespace tp::sft
