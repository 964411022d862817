#include "training_loop.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "checkpoint_io.hpp"
#include "evaluation.hpp"
#include "memory_usage.hpp"
#include "random_state.hpp"
#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/causal_lm_loss.hpp"
#include "tunepipe/error.hpp"

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

StepPlan plan_steps(const SftOptions& options, std::int64_t train_rows) {
  StepPlan plan;
  plan.micro_batches_per_epoch = ceil_div(train_rows, options.batch_size);
  plan.steps_per_epoch = std::max<std::int64_t>(ceil_div(plan.micro_batches_per_epoch, options.grad_accum), 1);
  plan.total_steps = options.max_steps > 0 ? options.max_steps : options.epochs * plan.steps_per_epoch;
  return plan;
}

}  // namespace

TrainingLoop::TrainingLoop(const SftOptions& options, const StageContext& context, TrainingJob& job)
    : options_(options),
      context_(context),
      job_(job),
      parameters_(trainable_parameters(job)),
      device_(parameters_.front().second.device()),
      eval_samples_(eval_subset(job, options)),
      plan_(plan_steps(options, static_cast<std::int64_t>(job.train.size()))),
      schedule_(make_schedule(options, plan_)),
      optimizer_(parameters_, AdamWSettings{options.adam_beta1, options.adam_beta2, options.adam_epsilon,
                                            options.weight_decay}) {
  model_ = job.adapter->model();
}

TrainingResult TrainingLoop::run() {
  start();
  job_.adapter->set_training(true);
  while (state_.global_step < plan_.total_steps) {
    const auto began = std::chrono::steady_clock::now();
    const std::vector<Batch> batches = next_batches();
    const StepOutcome outcome = train_step(batches);
    advance(batches, outcome, std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());

    const std::int64_t step = state_.global_step;
    if (step % options_.logging_steps == 0 || (step == 1 && options_.logging_first_step)) report();
    if (options_.eval_steps > 0 && step % options_.eval_steps == 0) evaluate();
    if (options_.save_steps > 0 && step % options_.save_steps == 0) save_checkpoint();
  }
  if (state_.window.steps > 0) report();
  TrainingResult result;
  result.steps = state_.global_step;
  result.final_loss = last_reported_loss_;
  result.adapter_dir = save_adapter();  // before the last evaluation, so a failing evaluator loses no training
  if (last_eval_step_ != state_.global_step) evaluate();
  job_.adapter->set_training(false);
  message("train/adapter", result.adapter_dir.string());  // the folder alone: sinks upload it
  return result;
}

void TrainingLoop::start() {
  remove_partial_folders(context_.output_dir);
  optimizer_.zero_grad();
  const auto rows = static_cast<std::int64_t>(job_.train.size());
  if (const auto dir = resume_folder(job_.resume, context_.output_dir, options_.save_steps)) {
    RestoredCheckpoint restored = read_checkpoint(*dir, *job_.adapter, optimizer_, device_);
    if (restored.state.train_rows != rows)
      throw Error(Location{(*dir / "trainer_state.json").string()},
                  fmt::format("the checkpoint was trained on {} rows but the train split now has {}: resume with the "
                              "data it was trained on",
                              restored.state.train_rows, rows));
    state_ = std::move(restored.state);
    last_checkpoint_ = *dir;
    for (const nlohmann::json& entry : state_.log_history)
      if (entry.contains("loss")) last_reported_loss_ = entry["loss"].get<double>();
    message("train/resumed", fmt::format("resumed from {} at step {}", dir->string(), state_.global_step));
    if (!(restored.schedule == schedule_))
      message("train/schedule", fmt::format("the checkpoint's run planned {} steps of a {} schedule at {}; continuing "
                                            "with this pipeline's: {} steps of {} at {}",
                                            restored.schedule.total_steps(), restored.schedule.kind(),
                                            restored.schedule.peak(), schedule_.total_steps(), schedule_.kind(),
                                            schedule_.peak()));
  } else {
    seed_generators(device_, context_.seed);
    state_.data_seed = context_.seed;
    state_.train_rows = rows;
  }
  context_.events->emit(Event::parameters(
      "trainer", "trainer/plan",
      {{"train_rows", std::to_string(rows)},
       {"eval_rows", std::to_string(eval_samples_.size())},
       {"micro_batches_per_epoch", std::to_string(plan_.micro_batches_per_epoch)},
       {"steps_per_epoch", std::to_string(plan_.steps_per_epoch)},
       {"total_steps", std::to_string(plan_.total_steps)},
       {"warmup_steps", std::to_string(schedule_.warmup_steps())},
       {"trainable_parameters", std::to_string(element_count(parameters_))},
       {"start_step", std::to_string(state_.global_step)}}));
}

std::vector<Batch> TrainingLoop::next_batches() {
  if (order_epoch_ != state_.epoch) {
    const EpochOrder how{options_.shuffle, options_.group_by_length, options_.batch_size * options_.grad_accum};
    order_ = epoch_order(job_.train, state_.data_seed, state_.epoch, how);
    order_epoch_ = state_.epoch;
  }
  const std::int64_t first = state_.batches_done;
  const std::int64_t last = std::min(first + options_.grad_accum, plan_.micro_batches_per_epoch);
  const std::span<const std::int64_t> order(order_);
  std::vector<Batch> batches;
  for (std::int64_t micro = first; micro < last; ++micro) {
    const std::size_t begin = static_cast<std::size_t>(micro * options_.batch_size);
    const std::size_t count = std::min(order.size() - begin, static_cast<std::size_t>(options_.batch_size));
    batches.push_back(make_batch(job_.train, order.subspan(begin, count), job_.pad_token_id));
  }
  return batches;
}

TrainingLoop::StepOutcome TrainingLoop::train_step(const std::vector<Batch>& batches) {
  std::int64_t targets = 0;
  for (const Batch& batch : batches) targets += batch.targets;
  // Every micro-batch's loss is a share of the step's mean (transformers'
  // num_items_in_batch), so their gradients add up to the mean's.
  const double divisor = static_cast<double>(std::max<std::int64_t>(targets, 1));
  at::Tensor step_loss;
  for (const Batch& batch : batches) {
    ForwardInput input;
    input.input_ids = batch.input_ids;  // right padding: no mask needed, as no real token attends a later one
    input.checkpoint_layers = options_.gradient_checkpointing;
    const at::Tensor loss =
        causal_lm_loss(*model_, model_->hidden_states(input), batch.labels, divisor, options_.loss_chunk_rows);
    loss.backward();
    step_loss = step_loss.defined() ? step_loss + loss.detach() : loss.detach();
  }
  StepOutcome outcome;
  outcome.loss = step_loss.item<double>();
  if (!std::isfinite(outcome.loss)) stop_on_non_finite("training loss", outcome.loss);
  outcome.grad_norm = clip_grad_norm(parameters_, options_.max_grad_norm);
  if (!std::isfinite(outcome.grad_norm)) stop_on_non_finite("gradient norm", outcome.grad_norm);
  outcome.learning_rate = schedule_.at(state_.global_step);
  optimizer_.step(outcome.learning_rate);
  optimizer_.zero_grad();
  return outcome;
}

void TrainingLoop::advance(const std::vector<Batch>& batches, const StepOutcome& outcome, double seconds) {
  state_.global_step += 1;
  state_.batches_done += static_cast<std::int64_t>(batches.size());
  if (state_.batches_done >= plan_.micro_batches_per_epoch) {
    state_.epoch += 1;
    state_.batches_done = 0;
  }
  state_.window.loss_sum += outcome.loss;
  state_.window.steps += 1;
  for (const Batch& batch : batches) state_.window.tokens += batch.tokens;
  state_.window.seconds += seconds;
  last_step_ = outcome;
}

void TrainingLoop::report() {
  const LogWindow& window = state_.window;
  last_reported_loss_ = window.loss_sum / static_cast<double>(window.steps);
  emit("train/loss", last_reported_loss_);
  emit("train/lr", last_step_.learning_rate);
  emit("train/grad_norm", last_step_.grad_norm);
  emit("train/tokens_per_s", window.seconds > 0 ? static_cast<double>(window.tokens) / window.seconds : 0.0);
  emit("train/epoch", epoch_progress());
  emit("memory/peak_rss_mib", peak_rss_mib());
  if (device_.is_cuda()) emit("memory/cuda_peak_allocated_mib", cuda_peak_allocated_mib(device_));
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
    const double loss =
        eval_loss(*model_, eval_samples_, options_.eval_batch_size, job_.pad_token_id, options_.loss_chunk_rows);
    emit("eval/loss", loss);
    state_.log_history.push_back({{"step", state_.global_step}, {"epoch", epoch_progress()}, {"eval_loss", loss}});
  }
  if (job_.evaluate) job_.evaluate(state_.global_step);
  job_.adapter->set_training(true);
}

void TrainingLoop::save_checkpoint() {
  const std::filesystem::path dir = checkpoint_dir(context_.output_dir, state_.global_step);
  write_checkpoint(dir, TrainingSnapshot{*job_.adapter, optimizer_, state_, schedule_, epoch_progress(), device_});
  last_checkpoint_ = dir;
  if (options_.save_total_limit > 0) remove_old_checkpoints(context_.output_dir, options_.save_total_limit);
  message("train/checkpoint", dir.string());
}

std::filesystem::path TrainingLoop::save_adapter() const {
  const std::filesystem::path dir = context_.output_dir / "adapter";
  write_folder_atomically(dir, [&](const std::filesystem::path& folder) { job_.adapter->save(folder); });
  return dir;
}

void TrainingLoop::stop_on_non_finite(const char* what, double value) const {
  const std::string resume =
      last_checkpoint_ ? fmt::format("the last good checkpoint is {} (resume from it, perhaps with a lower learning_rate)",
                                     last_checkpoint_->string())
                       : std::string("no checkpoint was written before it (save_steps writes some)");
  throw Error(fmt::format("step {}: the {} is {}; stopped before updating the adapter — {}", state_.global_step + 1,
                          what, value, resume));
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
