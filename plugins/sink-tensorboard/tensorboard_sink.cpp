#include "tensorboard_sink.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <optional>

#include "tensorboard_events.hpp"
#include "tfrecord.hpp"
#include "tunepipe/event_names.hpp"
#include "tunepipe/option_key.hpp"

namespace tp::sinks {

namespace fs = std::filesystem;

namespace {

// events.out.tfevents.<seconds>.<host>.<pid>.<n>, as TensorBoard's writers name theirs.
std::string event_file_name() {
  static std::atomic<int> files_opened{0};
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return fmt::format("events.out.tfevents.{}.{}.{}.{}", seconds, host, ::getpid(), files_opened++);
}

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A table for the text plugin: the header row, then the rows, padded to the header's width.
std::string table_event(const Event& event, const std::vector<std::string>& columns,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::string> cells = columns;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < columns.size(); ++i) cells.push_back(i < row.size() ? row[i] : std::string());
  const std::vector<std::int64_t> shape = {static_cast<std::int64_t>(rows.size() + 1),
                                           static_cast<std::int64_t>(columns.size())};
  return tensorboard::text_event(event.wall_time, event.step, event.name, cells, shape);
}

std::optional<std::int64_t> start_step(const Event& plan) {
  for (const auto& [key, value] : plan.params)
    if (key == "start_step") return std::stoll(value);
  return std::nullopt;
}

const auto kDir = path_key("dir", PathKind::Output, "tensorboard",
                           "folder of the event files, relative to the run's output_dir (`tensorboard --logdir` it); "
                           "every run, a resumed one too, adds a file");

}  // namespace

TensorBoardSink::TensorBoardSink(const Options& options, const StageContext& context) : resuming_(context.resuming) {
  const fs::path dir = kDir.read(options);
  const fs::path folder = dir.is_absolute() ? dir : context.output_dir / dir;
  fs::create_directories(folder);
  path_ = folder / event_file_name();
  out_.open(path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw Error(Location{path_.string()}, "cannot open the event file for writing");
  write(tensorboard::file_version_event(now()));
}

OptionSchema TensorBoardSink::schema() { return schema_of(kDir); }

void TensorBoardSink::on_event(const Event& event) {
  switch (event.kind) {
    case Event::Kind::Scalar:
      write(tensorboard::scalar_event(event.wall_time, event.step, event.name, static_cast<float>(event.value)));
      break;
    case Event::Kind::Text:
      write(tensorboard::text_event(event.wall_time, event.step, event.name, {event.text}, {}));
      break;
    case Event::Kind::Table: write(table_event(event, event.columns, event.rows)); break;
    case Event::Kind::Params: {
      std::vector<std::vector<std::string>> rows;
      for (const auto& [key, value] : event.params) rows.push_back({key, value});
      write(table_event(event, {"parameter", "value"}, rows));
      if (resuming_ && event.name == events::kTrainerPlan)
        if (const auto step = start_step(event)) write(tensorboard::session_start_event(event.wall_time, *step + 1));
      break;
    }
  }
}

void TensorBoardSink::write(const std::string& serialized_event) {
  out_ << tfrecord::record(serialized_event) << std::flush;
  if (!out_) throw Error(Location{path_.string()}, "write failed");
}

void TensorBoardSink::close(RunOutcome) { out_.close(); }

}  // namespace tp::sinks
