#include "training_loop.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include <ATen/core/grad_mode.h>
#include <ATen/record_function.h>

#include "checkpoint_io.hpp"
#include "disk_space.hpp"
#include "evaluation.hpp"
#include "memory_usage.hpp"
#include "profile_table.hpp"
#include "random_state.hpp"
#include "run_identity_json.hpp"
#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/causal_lm_loss.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/event_names.hpp"
#include "tunepipe/run_layout.hpp"
#include "tunepipe/stop_request.hpp"

namespace tp::sft {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

NamedTensors trainable_parameters(const TrainingJob& job) {
  if (!job.adapter) throw Error("no adapter to train (the pipeline needs an [adapter] section)");
  NamedTensors parameters = job.adapter->parameters();
  if (parameters.empty()) throw Error("the adapter has no trainable parameters");
  if (job.train.empty()) throw Error("the train split is empty: nothing to train on");
  return parameters;
}

std::span<const TokenizedSample> eval_subset(const TrainingJob& job, const SftOptions& options) {
  std::span<const TokenizedSample> samples(job.eval);
  if (options.max_eval_samples && static_cast<std::size_t>(*options.max_eval_samples) < samples.size())
    samples = samples.first(static_cast<std::size_t>(*options.max_eval_samples));
  return samples;
}

LrSchedule make_schedule(const SftOptions& options, const StepPlan& plan) {
  return LrSchedule(options.scheduler, options.learning_rate,
                    warmup_steps_for(options.warmup_steps, options.warmup_ratio, plan.total_steps), plan.total_steps);
}

std::int64_t element_count(const NamedTensors& tensors) {
  std::int64_t count = 0;
  for (const auto& [name, tensor] : tensors) count += tensor.numel();
  return count;
}

// What a checkpoint takes before one is written: the adapter's weights as
// stored, AdamW's two fp32 moments, and room for the small files.
std::uintmax_t estimated_checkpoint_bytes(const NamedTensors& parameters) {
  std::uintmax_t bytes = 1 << 20;
  for (const auto& [name, tensor] : parameters)
    bytes += static_cast<std::uintmax_t>(tensor.numel()) * (tensor.element_size() + 2 * sizeof(float));
  return bytes;
}

// Packed rows up to the template's max_length (without one, as long as the longest sample).
std::vector<PackedRow> packed_rows(const SftOptions& options, const TrainingJob& job) {
  if (!options.packing) return {};
  std::size_t row_length = job.max_length;
  if (row_length == 0)
    for (const TokenizedSample& sample : job.train) row_length = std::max(row_length, sample.input_ids.size());
  return pack_samples(job.train, row_length);
}

// A micro-batch spans batch_size rows on each rank.
StepPlan plan_steps(const SftOptions& options, std::int64_t train_rows, std::int64_t global_batch_rows) {
  StepPlan plan;
  plan.micro_batches_per_epoch = ceil_div(train_rows, global_batch_rows);
  plan.steps_per_epoch = std::max<std::int64_t>(ceil_div(plan.micro_batches_per_epoch, options.grad_accum), 1);
  plan.total_steps = options.max_steps > 0 ? options.max_steps : options.epochs * plan.steps_per_epoch;
  return plan;
}

}  // namespace

TrainingLoop::TrainingLoop(const SftOptions& options, const StageContext& context, TrainingJob& job)
    : options_(options),
      context_(context),
      job_(job),
      data_parallel_(context.ranks, std::chrono::seconds(options.ddp_timeout), "trainer"),
      global_batch_rows_(options.batch_size * context.ranks.world_size),
      parameters_(trainable_parameters(job)),
      device_(parameters_.front().second.device()),
      eval_samples_(eval_subset(job, options)),
      packed_rows_(packed_rows(options, job)),
      plan_(plan_steps(options, static_cast<std::int64_t>(options.packing ? packed_rows_.size() : job.train.size()),
                       global_batch_rows_)),
      schedule_(make_schedule(options, plan_)),
      optimizer_(parameters_, AdamWSettings{options.adam_beta1, options.adam_beta2, options.adam_epsilon,
                                            options.weight_decay}),
      collapse_watch_(options.collapse_steps, job.adapter->model()->config().vocab_size),
      checkpoint_bytes_(estimated_checkpoint_bytes(parameters_)) {
  model_ = job.adapter->model();
}

TrainingResult TrainingLoop::run() {
  start();
  job_.adapter->set_training(true);
  std::optional<StepProfiler> profiler;
  if (options_.profile_steps > 0)
    profiler.emplace(options_.profile_steps, state_.global_step, plan_.total_steps, device_);
  while (state_.global_step < plan_.total_steps) {
    const auto began = std::chrono::steady_clock::now();
    if (profiler) profiler->before_step(state_.global_step + 1);
    const StepBatches batches = next_batches();
    const StepOutcome outcome = train_step(batches.mine);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    advance(batches, outcome, seconds);

    const std::int64_t step = state_.global_step;
    if (profiler && context_.ranks.writes_output())
      if (const auto table = profiler->after_step(step, seconds, context_.output_dir))
        message(events::kTrainProfile, table->string());
    if (step % options_.logging_steps == 0 || (step == 1 && options_.logging_first_step)) report();
    watch_for_collapse(outcome);
    if (options_.eval_steps > 0 && step % options_.eval_steps == 0) evaluate();
    if (options_.save_steps > 0 && step % options_.save_steps == 0) save_checkpoint();
    // Ranks agree on stopping inside the step's sums; one process also heeds a request made since.
    if (outcome.stop_requested || (!context_.ranks.distributed() && stop_requested())) stop_at_user_request();
    check_disk_space();
  }
  if (state_.window.steps > 0) report();
  TrainingResult result;
  result.steps = state_.global_step;
  result.final_loss = last_reported_loss_;
  result.adapter_dir = save_adapter();  // before the last evaluation, so a failing evaluator loses no training
  if (last_eval_step_ != state_.global_step) evaluate();
  job_.adapter->set_training(false);
  message(events::kTrainAdapter, result.adapter_dir.string());  // the folder alone: sinks upload it
  return result;
}

void TrainingLoop::start() {
  const auto train_rows = static_cast<std::int64_t>(options_.packing ? packed_rows_.size() : job_.train.size());
  if (train_rows < context_.ranks.world_size)  // every rank sees the same counts: all stop, none waits
    throw Error(fmt::format("{} ranks but only {} train {}: every rank needs at least one; start at most {} ranks",
                            context_.ranks.world_size, train_rows, options_.packing ? "rows after packing" : "rows",
                            train_rows));
  data_parallel_.require_same("pipelines or data (their model, adapter, trainer settings or train split differ)",
                              to_json(job_.identity).dump() + options_.as_given);
  if (context_.ranks.writes_output()) remove_partial_folders(context_.output_dir);
  optimizer_.zero_grad();
  const auto rows = static_cast<std::int64_t>(job_.train.size());
  if (const auto dir = resume_folder(job_.resume, context_.output_dir, options_.save_steps)) {
    RestoredCheckpoint restored = read_checkpoint(*dir, *job_.adapter, optimizer_, device_, job_.identity);
    if (restored.state.train_rows != rows)
      throw Error(Location{(*dir / "trainer_state.json").string()},
                  fmt::format("the checkpoint was trained on {} rows but the train split now has {}: resume with the "
                              "data it was trained on",
                              restored.state.train_rows, rows));
    if (restored.state.global_batch_rows != 0 && restored.state.global_batch_rows != global_batch_rows_)
      throw Error(Location{(*dir / "trainer_state.json").string()},
                  fmt::format("the checkpoint was trained on micro-batches of {} rows over all ranks (batch_size × "
                              "ranks) but this run's are {} ({} × {}): resume with batch_size × ranks = {}, on any "
                              "number of ranks",
                              restored.state.global_batch_rows, global_batch_rows_, options_.batch_size,
                              context_.ranks.world_size, restored.state.global_batch_rows));
    state_ = std::move(restored.state);
    last_checkpoint_ = *dir;
    last_checkpoint_step_ = state_.global_step;
    for (const nlohmann::json& entry : state_.log_history)
      if (entry.contains("loss")) last_reported_loss_ = entry["loss"].get<double>();
    message(events::kTrainResumed, fmt::format("resumed from {} at step {}", dir->string(), state_.global_step));
    if (!(restored.schedule == schedule_))
      message(events::kTrainSchedule, fmt::format("the checkpoint's run planned {} steps of a {} schedule at {}; continuing "
                                            "with this pipeline's: {} steps of {} at {}",
                                            restored.schedule.total_steps(), restored.schedule.kind(),
                                            restored.schedule.peak(), schedule_.total_steps(), schedule_.kind(),
                                            schedule_.peak()));
  } else {
    seed_generators(device_, context_.seed);
    state_.data_seed = context_.seed;
    state_.train_rows = rows;
  }
  state_.global_batch_rows = global_batch_rows_;
  data_parallel_.require_same("steps to start from (each rank must read the same output folder: on several machines, "
                              "a shared file system)",
                              std::to_string(state_.global_step));
  const std::uintmax_t available = available_bytes(context_.output_dir);
  if (context_.ranks.writes_output() && available < 2 * checkpoint_bytes_)
    throw Error(Location{context_.output_dir.string()},
                fmt::format("the disk holding this output folder has {} free, and a checkpoint and the final adapter "
                            "need about {}: free some space first",
                            mebibytes(available), mebibytes(2 * checkpoint_bytes_)));
  context_.events->emit(Event::parameters(
      "trainer", events::kTrainerPlan,
      {{"train_rows", std::to_string(rows)},
       {"eval_rows", std::to_string(eval_samples_.size())},
       {"micro_batches_per_epoch", std::to_string(plan_.micro_batches_per_epoch)},
       {"steps_per_epoch", std::to_string(plan_.steps_per_epoch)},
       {"total_steps", std::to_string(plan_.total_steps)},
       {"warmup_steps", std::to_string(schedule_.warmup_steps())},
       {"trainable_parameters", std::to_string(element_count(parameters_))},
       {"packed_rows", std::to_string(packed_rows_.size())},
       {"start_step", std::to_string(state_.global_step)}}));
}

TrainingLoop::StepBatches TrainingLoop::next_batches() {
  if (order_epoch_ != state_.epoch) {
    const EpochOrder how{options_.shuffle, options_.group_by_length, global_batch_rows_ * options_.grad_accum};
    order_ = options_.packing ? epoch_order(static_cast<std::int64_t>(packed_rows_.size()), state_.data_seed,
                                            state_.epoch, options_.shuffle)
                              : epoch_order(job_.train, state_.data_seed, state_.epoch, how);
    order_epoch_ = state_.epoch;
  }
  const std::int64_t first = state_.batches_done;
  const std::int64_t last = std::min(first + options_.grad_accum, plan_.micro_batches_per_epoch);
  const std::span<const std::int64_t> order(order_);
  StepBatches batches{{}, last - first};
  for (std::int64_t micro = first; micro < last; ++micro) {
    // This rank's rows of the global micro-batch: with one rank, all of them.
    const std::size_t begin =
        static_cast<std::size_t>(micro * global_batch_rows_ + context_.ranks.rank * options_.batch_size);
    if (begin >= order.size()) continue;
    const std::size_t count = std::min(order.size() - begin, static_cast<std::size_t>(options_.batch_size));
    if (!options_.packing) {
      batches.mine.push_back(
          make_batch(job_.train, order.subspan(begin, count), job_.pad_token_id, options_.pad_to_multiple_of));
      continue;
    }
    std::vector<PackedRow> rows;
    for (const std::int64_t row : order.subspan(begin, count))
      rows.push_back(packed_rows_[static_cast<std::size_t>(row)]);
    batches.mine.push_back(make_packed_batch(job_.train, rows, job_.pad_token_id, options_.pad_to_multiple_of));
  }
  return batches;
}

TrainingLoop::StepOutcome TrainingLoop::train_step(const std::vector<Batch>& batches) {
  std::int64_t targets = 0;
  std::int64_t tokens = 0;
  for (const Batch& batch : batches) {
    targets += batch.targets;
    tokens += batch.tokens;
  }
  {
    RECORD_USER_SCOPE(profile_scope::kRankSums);
    targets = data_parallel_.sum(targets);
  }
  // Every micro-batch's loss is a share of the step's mean (transformers'
  // num_items_in_batch), so their gradients add up to the mean's.
  const double divisor = static_cast<double>(std::max<std::int64_t>(targets, 1));
  at::Tensor step_loss;
  for (const Batch& batch : batches) {
    ForwardInput input;
    input.input_ids = batch.input_ids;  // right padding: no mask needed, as no real token attends a later one
    input.position_ids = batch.position_ids;  // packed rows: each sample attends only to itself
    input.checkpoint_layers = options_.gradient_checkpointing;
    at::Tensor hidden;
    {
      RECORD_USER_SCOPE(profile_scope::kForward);
      hidden = model_->hidden_states(input);
    }
    at::Tensor loss;
    {
      RECORD_USER_SCOPE(profile_scope::kLoss);
      loss = causal_lm_loss(*model_, hidden, batch.labels, divisor, options_.loss_chunk_rows);
    }
    {
      RECORD_USER_SCOPE(profile_scope::kBackward);
      loss.backward();
    }
    step_loss = step_loss.defined() ? step_loss + loss.detach() : loss.detach();
  }
  StepOutcome outcome;
  outcome.targets = targets;
  const double local_loss = step_loss.defined() ? step_loss.item<double>() : 0.0;
  {
    RECORD_USER_SCOPE(profile_scope::kRankSums);
    const std::vector<double> sums =
        data_parallel_.sum({static_cast<double>(tokens), local_loss, stop_requested() ? 1.0 : 0.0});
    outcome.tokens = static_cast<std::int64_t>(sums[0]);
    outcome.loss = sums[1];
    outcome.stop_requested = sums[2] > 0.0;
    data_parallel_.sum_gradients(parameters_);
  }
  const std::int64_t step = state_.global_step + 1;
  if (!std::isfinite(outcome.loss)) stop_on_non_finite("training loss", outcome.loss, step);
  RECORD_USER_SCOPE(profile_scope::kOptimizer);
  outcome.grad_norm = clip_grad_norm(parameters_, options_.max_grad_norm);
  if (!std::isfinite(outcome.grad_norm)) stop_on_non_finite("gradient norm", outcome.grad_norm, step);
  outcome.learning_rate = schedule_.at(state_.global_step);
  optimizer_.step(outcome.learning_rate);
  optimizer_.zero_grad();
  if (!batches.empty()) last_batch_ = batches.front();
  return outcome;
}

void TrainingLoop::advance(const StepBatches& batches, const StepOutcome& outcome, double seconds) {
  state_.global_step += 1;
  state_.batches_done += batches.micro_batches;
  if (state_.batches_done >= plan_.micro_batches_per_epoch) {
    state_.epoch += 1;
    state_.batches_done = 0;
  }
  state_.window.loss_sum += outcome.loss;
  state_.window.steps += 1;
  state_.window.tokens += outcome.tokens;
  state_.window.seconds += seconds;
  last_step_ = outcome;
}

void TrainingLoop::report() {
  const LogWindow& window = state_.window;
  last_reported_loss_ = window.loss_sum / static_cast<double>(window.steps);
  emit(events::kTrainLoss, last_reported_loss_);
  emit(events::kTrainLearningRate, last_step_.learning_rate);
  emit(events::kTrainGradNorm, last_step_.grad_norm);
  emit(events::kTrainTokensPerSecond, window.seconds > 0 ? static_cast<double>(window.tokens) / window.seconds : 0.0);
  emit(events::kTrainEpoch, epoch_progress());
  emit(events::kPeakRssMib, peak_rss_mib());
  if (device_.is_cuda()) emit(events::kCudaPeakAllocatedMib, cuda_peak_allocated_mib(device_));
  state_.log_history.push_back({{"step", state_.global_step},
                                {"epoch", epoch_progress()},
                                {"loss", last_reported_loss_},
                                {"learning_rate", last_step_.learning_rate},
                                {"grad_norm", last_step_.grad_norm}});
  state_.window = LogWindow{};
}

void TrainingLoop::evaluate() {
  last_eval_step_ = state_.global_step;
  if (eval_samples_.empty() && !job_.evaluate) return;
  job_.adapter->set_training(false);
  if (!eval_samples_.empty()) {
    // Each rank takes every ranks-th batch; the shares summed make the loss one process computes.
    const double share = eval_loss_share(*model_, eval_samples_, options_.eval_batch_size, job_.pad_token_id,
                                         options_.loss_chunk_rows, context_.ranks);
    const double loss = data_parallel_.sum(share) / static_cast<double>(eval_samples_.size());
    emit(events::kEvalLoss, loss);
    state_.log_history.push_back({{"step", state_.global_step}, {"epoch", epoch_progress()}, {"eval_loss", loss}});
  }
  if (job_.evaluate) job_.evaluate(state_.global_step);
  job_.adapter->set_training(true);
}

void TrainingLoop::save_checkpoint() {
  const std::filesystem::path dir = run_layout::checkpoint_folder(context_.output_dir, state_.global_step);
  if (context_.ranks.writes_output()) {  // the other ranks only learn where it is
    check_weights_before_saving();
    write_checkpoint(dir, TrainingSnapshot{*job_.adapter, optimizer_, state_, schedule_, epoch_progress(), device_,
                                           job_.identity});
    checkpoint_bytes_ = folder_bytes(dir);
    if (options_.save_total_limit > 0) remove_old_checkpoints(context_.output_dir, options_.save_total_limit);
  }
  last_checkpoint_ = dir;
  last_checkpoint_step_ = state_.global_step;
  message(events::kTrainCheckpoint, dir.string());
}

std::filesystem::path TrainingLoop::save_adapter() {
  const std::filesystem::path dir = context_.output_dir / run_layout::kAdapterFolder;
  if (!context_.ranks.writes_output()) return dir;  // rank 0 writes it
  check_weights_before_saving();
  write_folder_atomically(dir, [&](const std::filesystem::path& folder) { job_.adapter->save(folder); });
  return dir;
}

void TrainingLoop::check_weights_before_saving() const {
  if (!last_batch_) return;  // nothing trained since the weights were loaded
  const at::NoGradGuard no_grad;
  job_.adapter->set_training(false);  // no dropout: the check draws no random numbers
  ForwardInput input;
  input.input_ids = last_batch_->input_ids;
  input.position_ids = last_batch_->position_ids;
  const double divisor = static_cast<double>(std::max<std::int64_t>(last_batch_->targets, 1));
  const double loss =
      causal_lm_loss(*model_, model_->hidden_states(input), last_batch_->labels, divisor, options_.loss_chunk_rows)
          .item<double>();
  job_.adapter->set_training(true);
  if (std::isfinite(loss)) return;
  throw Error(fmt::format("step {}: after its update the adapter's weights give a {} loss on the batch just trained, "
                          "so they were not saved — {}",
                          state_.global_step, loss, last_good_checkpoint()));
}

void TrainingLoop::check_disk_space() {
  if (!context_.ranks.writes_output()) return;
  const std::uintmax_t available = available_bytes(context_.output_dir);
  if (available >= 2 * checkpoint_bytes_) return;
  std::string saved = last_good_checkpoint();
  if (last_checkpoint_step_ != state_.global_step && available >= checkpoint_bytes_) {
    save_checkpoint();
    saved = fmt::format("checkpoint {} was written", last_checkpoint_->string());
  }
  throw Error(Location{context_.output_dir.string()},
              fmt::format("step {}: the disk holding this output folder has {} free, and a checkpoint needs about {}: "
                          "stopped while one still fits — {}; free some space, then `run --resume`",
                          state_.global_step, mebibytes(available), mebibytes(checkpoint_bytes_), saved));
}

void TrainingLoop::watch_for_collapse(const StepOutcome& outcome) {
  const auto collapse = collapse_watch_.observe(state_.global_step, outcome.loss, outcome.grad_norm, outcome.targets);
  if (!collapse) return;
  message(events::kTrainCollapsed, *collapse);
  if (options_.on_collapse == "stop")
    throw Error(fmt::format("step {}: {} — stopped without saving (on_collapse = \"warn\" goes on); {}",
                            state_.global_step, *collapse, last_good_checkpoint()));
}

void TrainingLoop::stop_at_user_request() {
  if (last_checkpoint_step_ != state_.global_step) save_checkpoint();
  const std::string where = fmt::format("stopped at step {} of {}; checkpoint {} holds it: `tunepipe run PIPELINE "
                                        "--resume` continues from there",
                                        state_.global_step, plan_.total_steps, last_checkpoint_->string());
  message(events::kTrainInterrupted, where);
  throw RunInterrupted(where);
}

std::string TrainingLoop::last_good_checkpoint() const {
  return last_checkpoint_ ? fmt::format("the last good checkpoint is {} (resume from it, perhaps with a lower "
                                        "learning_rate)",
                                        last_checkpoint_->string())
                          : std::string("no checkpoint was written before it (save_steps writes some)");
}

void TrainingLoop::stop_on_non_finite(const char* what, double value, std::int64_t step) const {
  throw Error(fmt::format("step {}: the {} is {}; stopped before updating the adapter — {}", step, what, value,
                          last_good_checkpoint()));
}

double TrainingLoop::epoch_progress() const {
  return static_cast<double>(state_.epoch) +
         static_cast<double>(state_.batches_done) / static_cast<double>(plan_.micro_batches_per_epoch);
}

void TrainingLoop::emit(const char* name, double value) const {
  context_.events->emit(Event::scalar("trainer", name, value, state_.global_step));
}

void TrainingLoop::message(const char* name, const std::string& text) const {
  context_.events->emit(Event::message("trainer", name, text, state_.global_step));
}

}  // namespace tp::sft
