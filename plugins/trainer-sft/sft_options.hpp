#pragma once
// The sft trainer's options: the schema `tunepipe describe trainer sft` shows
// (named and defaulted as HF TrainingArguments where one exists) and the
// values it reads into.
#include <cstdint>
#include <optional>
#include <string>

#include "tunepipe/options.hpp"

namespace tp::sft {

struct SftOptions {
  std::int64_t epochs = 1;
  std::int64_t max_steps = 0;
  std::int64_t batch_size = 4;
  std::int64_t grad_accum = 1;
  double learning_rate = 1e-4;
  double weight_decay = 0.0;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_epsilon = 1e-8;
  double max_grad_norm = 1.0;
  std::string scheduler = "linear";
  std::int64_t warmup_steps = 0;
  double warmup_ratio = 0.0;
  bool group_by_length = false;
  bool shuffle = true;
  bool packing = false;
  std::int64_t pad_to_multiple_of = 1;
  std::int64_t logging_steps = 10;
  bool logging_first_step = false;
  std::int64_t eval_steps = 0;
  std::int64_t eval_batch_size = 8;
  std::optional<std::int64_t> max_eval_samples;
  std::int64_t save_steps = 0;
  std::int64_t save_total_limit = 0;
  bool gradient_checkpointing = false;
  std::int64_t loss_chunk_rows = 512;
  std::int64_t collapse_steps = 50;
  std::string on_collapse = "stop";
  std::int64_t profile_steps = 0;
  std::int64_t ddp_timeout = 1800;
  // Not an option: the ones the pipeline set, as "key = value" lines, which every rank must share.
  std::string as_given;

  static OptionSchema schema();
  // Checks that involve several options.
  static void validate(const Options& options, Diagnostics& errors);
  static SftOptions read(const Options& options);
};

}  // namespace tp::sft
