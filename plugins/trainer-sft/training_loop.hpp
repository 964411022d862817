#pragma once
// One run of the sft trainer: optimizer steps over the train split with
// gradient accumulation, reports, evaluations, checkpoints and resumption.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "collapse_watch.hpp"
#include "data_parallel.hpp"
#include "epoch_order.hpp"
#include "lr_schedule.hpp"
#include "optimizer.hpp"
#include "sample_packing.hpp"
#include "sft_options.hpp"
#include "step_profiler.hpp"
#include "training_state.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/sample_batch.hpp"
#include "tunepipe/stage.hpp"
#include "tunepipe/trainer.hpp"

namespace tp::sft {

using namespace tp::training;  // the shared training machinery: plugins/training-common

// How many micro-batches and optimizer steps the run takes, as HF Trainer counts them.
struct StepPlan {
  std::int64_t micro_batches_per_epoch = 0;  // the last one may be short
  std::int64_t steps_per_epoch = 0;          // the last one may accumulate fewer micro-batches
  std::int64_t total_steps = 0;
};

class TrainingLoop {
 public:
  TrainingLoop(const SftOptions& options, const StageContext& context, TrainingJob& job);
  TrainingResult run();

 private:
  struct StepOutcome {
    double loss = 0.0;
    double grad_norm = 0.0;
    double learning_rate = 0.0;
    std::int64_t targets = 0;  // trained tokens, over all ranks
    std::int64_t tokens = 0;   // all tokens, over all ranks
    bool stop_requested = false;  // on any rank: every rank stops after the same step
  };
  // A step's micro-batches: this rank's share of each (none where a short last one holds no rows for it).
  struct StepBatches {
    std::vector<Batch> mine;
    std::int64_t micro_batches = 0;
  };

  void start();
  StepBatches next_batches();
  StepOutcome train_step(const std::vector<Batch>& batches);
  void advance(const StepBatches& batches, const StepOutcome& outcome, double seconds);
  void report();
  void evaluate();
  void save_checkpoint();
  std::filesystem::path save_adapter();
  // Before anything is saved: the weights just updated must give a finite loss
  // on the batch they were trained on (an update can be finite and still huge).
  void check_weights_before_saving() const;
  // Stops with a checkpoint while one still fits on the disk.
  void check_disk_space();
  void watch_for_collapse(const StepOutcome& outcome);
  [[noreturn]] void stop_at_user_request();
  [[noreturn]] void stop_on_non_finite(const char* what, double value, std::int64_t step) const;
  std::string last_good_checkpoint() const;
  double epoch_progress() const;
  void emit(const char* name, double value) const;
  void message(const char* name, const std::string& text) const;

  const SftOptions& options_;
  const StageContext& context_;
  TrainingJob& job_;
  DataParallel data_parallel_;
  std::int64_t global_batch_rows_;  // batch_size on each rank
  std::shared_ptr<CausalLM> model_;
  NamedTensors parameters_;
  at::Device device_;
  std::span<const TokenizedSample> eval_samples_;
  std::vector<PackedRow> packed_rows_;  // packing: the rows an epoch orders; else empty (it orders samples)
  StepPlan plan_;
  LrSchedule schedule_;
  AdamW optimizer_;
  TrainingState state_;
  std::vector<std::int64_t> order_;  // of the epoch order_epoch_
  std::int64_t order_epoch_ = -1;
  StepOutcome last_step_;
  double last_reported_loss_ = 0.0;
  std::int64_t last_eval_step_ = -1;
  std::optional<std::filesystem::path> last_checkpoint_;
  std::int64_t last_checkpoint_step_ = -1;
  std::optional<Batch> last_batch_;  // the first micro-batch of the last step, for check_weights_before_saving
  CollapseWatch collapse_watch_;
  std::uintmax_t checkpoint_bytes_ = 0;  // estimated, then measured on the last one written
};

}  // namespace tp::sft
