#include "run/pipeline_runner.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "plugins/plugin_call.hpp"
#include "run/data_stages.hpp"
#include "run/earlier_run.hpp"
#include "run/event_bus.hpp"
#include "run/model_run.hpp"
#include "run/output_folder_lock.hpp"
#include "tunepipe/atomic_file.hpp"
#include "tunepipe/event_names.hpp"
#include "tunepipe/ranks.hpp"
#include "tunepipe/run_layout.hpp"
#include "tunepipe/stop_request.hpp"

namespace tp::core {
namespace {

std::vector<std::pair<std::string, std::string>> hyperparameters(const Pipeline& pipeline) {
  std::vector<std::pair<std::string, std::string>> params = {
      {"pipeline.name", pipeline.name}, {"pipeline.seed", std::to_string(pipeline.seed)}};
  auto add = [&](const StageConfig& stage) {
    params.emplace_back(stage.section + ".plugin", stage.plugin->name);
    for (const auto& [key, entry] : stage.options.values())
      params.emplace_back(stage.section + "." + key, to_display(entry.first));
  };
  for (const auto* stage : {&pipeline.model, &pipeline.dataset, &pipeline.chat_template, &pipeline.adapter,
                            &pipeline.trainer, &pipeline.evaluator})
    if (*stage) add(**stage);
  for (const StageConfig& sink : pipeline.sinks) add(sink);
  return params;
}

void report(EventBus& events, const SplitSummary& s) {
  const std::string prefix = "data/" + s.split + "/";
  events.emit(Event::scalar("dataset", prefix + "rows", double(s.rows)));
  events.emit(Event::scalar("dataset", prefix + "tokens", double(s.tokens)));
  events.emit(Event::scalar("dataset", prefix + "trained_tokens", double(s.trained_tokens)));
  events.emit(Event::scalar("dataset", prefix + "truncated_rows", double(s.truncated_rows)));
  events.emit(Event::scalar("dataset", prefix + "masked_share", s.masked_share()));
  events.emit(Event::scalar("dataset", prefix + "longest", double(s.longest)));
}

nlohmann::json summary_json(const Pipeline& pipeline, const std::vector<SplitSummary>& splits) {
  nlohmann::json json = {{"pipeline", pipeline.name}, {"splits", nlohmann::json::object()}};
  for (const SplitSummary& s : splits)
    json["splits"][s.split] = {{"rows", s.rows},
                               {"tokens", s.tokens},
                               {"trained_tokens", s.trained_tokens},
                               {"masked_share", s.masked_share()},
                               {"truncated_rows", s.truncated_rows},
                               {"longest", s.longest},
                               {"mean_length", s.mean_length()}};
  return json;
}

void write_summary(const std::filesystem::path& output_dir, const nlohmann::json& summary) {
  AtomicFile file(output_dir / "summary.json");
  file.stream() << summary.dump(2) << '\n';
  file.commit();
}

void report_data_table(EventBus& events, const std::vector<SplitSummary>& summaries) {
  std::vector<std::vector<std::string>> rows;
  for (const SplitSummary& s : summaries)
    rows.push_back({s.split, std::to_string(s.rows), std::to_string(s.tokens), std::to_string(s.trained_tokens),
                    fmt::format("{:.1f}%", 100.0 * s.masked_share()), std::to_string(s.truncated_rows),
                    std::to_string(s.longest)});
  events.emit(Event::table("dataset", events::kDataSummary,
                           {"split", "rows", "tokens", "trained", "masked", "truncated", "longest"}, std::move(rows)));
}

void stop_if_requested(const char* where) {
  if (stop_requested()) throw RunInterrupted(fmt::format("stopped at the user's request {}", where));
}

void run_stages(const Pipeline& pipeline, const RunSettings& settings, EventBus& events, const StageContext& context) {
  events.emit(Event::parameters(events::kPipeline, events::kHyperparameters, hyperparameters(pipeline)));

  DataStages stages = make_data_stages(pipeline, context);
  std::vector<SplitSummary> summaries;
  std::map<std::string, PreparedSplit> splits;
  for (const std::string& split : call_plugin("dataset", stages.dataset_plugin, [&] { return stages.dataset->splits(); })) {
    PreparedSplit prepared = context.ranks.writes_output() ? write_split(stages.view(), split, pipeline.output_dir)
                                                           : prepare_split(stages.view(), split);
    summaries.push_back(prepared.summary);
    report(events, prepared.summary);
    splits.emplace(split, std::move(prepared));
  }
  nlohmann::json summary = summary_json(pipeline, summaries);
  if (context.ranks.writes_output()) write_summary(pipeline.output_dir, summary);
  report_data_table(events, summaries);

  if (!settings.data_only && (pipeline.adapter || pipeline.evaluator)) {
    stop_if_requested("after preparing the data, before loading the model");
    if (const auto result = run_model_stages(pipeline, context, stages, splits, settings.resume)) {
      summary["training"] = {{"steps", result->steps},
                             {"final_loss", result->final_loss},
                             {"adapter", result->adapter_dir.string()}};
      if (context.ranks.writes_output()) write_summary(pipeline.output_dir, summary);
    }
  }
  events.emit(Event::message(events::kPipeline, events::kRunOutput, pipeline.output_dir.string()));
}

}  // namespace

void run_pipeline(const Pipeline& pipeline, const RunSettings& given) {
  const Ranks ranks = ranks_from_environment();
  // The other ranks of a data-parallel run read the folder (a checkpoint to resume from) but leave it to rank 0.
  std::optional<OutputFolderLock> lock;
  if (ranks.writes_output()) {
    refuse_foreign_folder(pipeline.output_dir);
    std::filesystem::create_directories(pipeline.output_dir);
    lock.emplace(pipeline.output_dir);
  }
  RunSettings settings = given;
  if (settings.resume_if_any && !run_layout::complete_checkpoints(pipeline.output_dir).empty())
    settings.resume = ResumeRequest{ResumeRequest::Mode::Latest, {}};
  const bool resuming = settings.resume.mode != ResumeRequest::Mode::None;
  if (ranks.writes_output()) {
    if (pipeline.trainer && !resuming && !settings.data_only)
      claim_for_fresh_training(pipeline.output_dir, settings.overwrite);
  }
  EventBus events;
  StageContext context{pipeline.name, pipeline.output_dir, pipeline.seed, &events};
  context.resuming = resuming;
  context.ranks = ranks;
  if (ranks.writes_output())
    for (const StageConfig& sink : pipeline.sinks) events.add_sink(sink, context);
  try {
    run_stages(pipeline, settings, events, context);
  } catch (const RunInterrupted&) {
    events.close(RunOutcome::Interrupted, /*may_throw=*/false);
    throw;
  } catch (...) {
    events.close(RunOutcome::Failed, /*may_throw=*/false);
    throw;
  }
  events.close(RunOutcome::Finished);
}

}  // namespace tp::core
