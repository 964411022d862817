#include "swanlab_sink.hpp"

#include <fmt/format.h>

#include <exception>
#include <regex>

#include "config_values.hpp"
#include "echarts_table.hpp"
#include "swanlab_records.hpp"
#include "tunepipe/atomic_file.hpp"
#include "tunepipe/event_names.hpp"
#include "tunepipe/option_key.hpp"

namespace tp::sinks {
namespace {

namespace fs = std::filesystem;
using swanlab::ColumnType;
using swanlab::Timestamp;

const auto kProject = string_key("project", "tunepipe",
                                 "SwanLab project (letters, digits and _-+., at most 100): `swanlab sync` creates it "
                                 "when missing");
const auto kExperiment = string_key("experiment", std::nullopt, "the experiment's name (unset: the pipeline's name)");
const auto kDescription = string_key("description", "", "the experiment's description");
const auto kLogdir = path_key("logdir", PathKind::Output, "swanlog",
                              "folder of the run folders (run-<time>-<id>/), relative to the run's output_dir; "
                              "`swanlab sync <folder>` uploads one");
const auto kMode = choice_key("mode", "offline", {"offline"},
                              "offline: write the run folder for `swanlab sync` to upload (SwanLab's upload protocol "
                              "is an undocumented HTTP API, so the sink leaves uploading to SwanLab's own client)");

// SwanLab's limits (swanlab.sdk.internal.pkg.constraints), checked before a run rather than when it is uploaded.
const std::regex kProjectName("[0-9a-zA-Z_\\-+.]{1,100}");
constexpr std::size_t kMaxExperimentName = 512;
constexpr std::size_t kMaxDescription = 1024;

std::size_t character_count(std::string_view utf8) {
  std::size_t count = 0;
  for (const char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

fs::path logdir_of(const Options& options, const StageContext& context) {
  const fs::path dir = kLogdir.read(options);
  return fs::absolute(dir.is_absolute() ? dir : context.output_dir / dir);
}

swanlab::RunState run_state(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::Finished: return swanlab::RunState::Finished;
    case RunOutcome::Interrupted: return swanlab::RunState::Aborted;
    case RunOutcome::Failed: return swanlab::RunState::Crashed;
  }
  return swanlab::RunState::Crashed;
}

// The runtime closes its sinks while it handles the error (or the stop
// request) that ended the run, so that is the exception in flight here.
std::string what_ended_the_run(RunOutcome outcome) {
  if (const std::exception_ptr current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const std::exception& e) {
      return e.what();
    } catch (...) {
    }
  }
  return outcome == RunOutcome::Interrupted ? "the run was stopped (SIGINT or SIGTERM)" : "the run failed";
}

// The console's form of a text event: "step 40  train/checkpoint: runs/…", one line each.
std::vector<std::string> text_lines(const Event& event) {
  const std::string text =
      fmt::format("{}{}: {}", event.step > 0 ? fmt::format("step {}  ", event.step) : "", event.name, event.text);
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  lines.push_back(text.substr(start));
  return lines;
}

}  // namespace

SwanLabSink::SwanLabSink(const Options& options, const StageContext& context)
    : logdir_(logdir_of(options, context)),
      run_id_file_(logdir_),
      resumed_(context.resuming ? run_id_file_.read() : std::nullopt),
      run_(resumed_.value_or(swanlab::RunId{swanlab::new_run_id(), 0})),
      folder_(swanlab::RunFolder::create(logdir_, run_.id)),
      records_(folder_.record_file()),
      media_(folder_.media_dir()) {
  const Timestamp now = Timestamp::now();
  records_.append(swanlab::start_record(now, {kProject.read(options),
                                              kExperiment.find(options).value_or(context.pipeline_name),
                                              kDescription.read(options), run_.id, resumed_.has_value(), now}));
  records_.flush();
  run_id_file_.write(run_);
}

OptionSchema SwanLabSink::schema() { return schema_of(kProject, kExperiment, kDescription, kLogdir, kMode); }

void SwanLabSink::validate(const Options& options, Diagnostics& diagnostics) {
  if (const std::string& project = kProject.read(options); !std::regex_match(project, kProjectName))
    diagnostics.error(kProject.location(options),
                      fmt::format("{}project \"{}\" is not a SwanLab project name: 1 to 100 letters, digits and "
                                  "_ - + .",
                                  options.context(), project));
  if (const auto experiment = kExperiment.find(options);
      experiment && (experiment->empty() || character_count(*experiment) > kMaxExperimentName))
    diagnostics.error(kExperiment.location(options),
                      fmt::format("{}experiment: SwanLab takes a name of 1 to {} characters", options.context(),
                                  kMaxExperimentName));
  if (character_count(kDescription.read(options)) > kMaxDescription)
    diagnostics.error(kDescription.location(options),
                      fmt::format("{}description: SwanLab takes at most {} characters", options.context(),
                                  kMaxDescription));
}

void SwanLabSink::on_event(const Event& event) {
  switch (event.kind) {
    case Event::Kind::Scalar: log_scalar(event); break;
    case Event::Kind::Table: log_table(event); break;
    case Event::Kind::Text: log_text(event); break;
    case Event::Kind::Params: add_params(event); break;
  }
  records_.flush();
}

void SwanLabSink::declare_column(const std::string& key, ColumnType type) {
  if (columns_.insert(key).second) records_.append(swanlab::column_record(next_num(), Timestamp::now(), key, type));
}

void SwanLabSink::log_scalar(const Event& event) {
  declare_column(event.name, ColumnType::Scalar);
  records_.append(swanlab::scalar_record(next_num(), Timestamp::now(), event.name, event.step,
                                         Timestamp::from_seconds(event.wall_time), event.value));
}

void SwanLabSink::log_table(const Event& event) {
  const swanlab::MediaFile file =
      media_.write_echarts(event.step, swanlab::echarts_table_json(event.columns, event.rows));
  declare_column(event.name, ColumnType::ECharts);
  records_.append(swanlab::media_record(next_num(), Timestamp::now(), event.name, event.step, ColumnType::ECharts,
                                        Timestamp::from_seconds(event.wall_time), {file}));
}

void SwanLabSink::log_text(const Event& event) {
  for (const std::string& line : text_lines(event))
    records_.append(swanlab::log_record(next_num(), Timestamp::now(), line, ++run_.last_log_epoch,
                                        Timestamp::from_seconds(event.wall_time)));
  records_.flush();  // first: the id file may only count lines the run file holds
  run_id_file_.write(run_);
}

void SwanLabSink::add_params(const Event& event) {
  // The pipeline's own set keeps its section.key names; another set's names
  // are prefixed with the set's name ("trainer/plan/total_steps").
  const bool pipeline_set = event.stage == events::kPipeline && event.name == events::kHyperparameters;
  const bool first_config = config_.empty();
  for (const auto& [name, text] : event.params) {
    std::string key = pipeline_set ? name : event.name + "/" + name;
    const auto [position, added] = config_positions_.emplace(key, config_.size());
    if (added) config_.push_back({std::move(key), swanlab::config_value(text)});
    else config_[position->second].value = swanlab::config_value(text);
  }
  write_file_atomically(folder_.config_file(), swanlab::config_yaml(config_));
  if (first_config) records_.append(swanlab::config_save_record(Timestamp::now(), folder_.config_file().string()));
}

void SwanLabSink::close(RunOutcome outcome) {
  const Timestamp now = Timestamp::now();
  const std::string error = outcome == RunOutcome::Finished ? "" : what_ended_the_run(outcome);
  records_.append(swanlab::finish_record(now, run_state(outcome), error, now));
  records_.close();
  if (outcome != RunOutcome::Finished) {
    // `swanlab sync` adds the error of a crashed or aborted run to its log as
    // one more line, numbered after the last: a resumed run's lines follow it.
    ++run_.last_log_epoch;
    run_id_file_.write(run_);
  }
}

}  // namespace tp::sinks
