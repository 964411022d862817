#include "jsonl_sink.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "tunepipe/append_file.hpp"
#include "tunepipe/option_key.hpp"

namespace tp::sinks {

namespace {

const char* event_kind_name(Event::Kind kind) {
  switch (kind) {
    case Event::Kind::Scalar: return "scalar";
    case Event::Kind::Text: return "text";
    case Event::Kind::Params: return "params";
    case Event::Kind::Table: return "table";
  }
  return "?";
}

const auto kPath = path_key("path", PathKind::Output, "events.jsonl",
                            "events file, relative to the run's output_dir (`run --resume` appends to it)");

}  // namespace

JsonlSink::JsonlSink(const Options& options, const StageContext& context) {
  const std::filesystem::path path = kPath.read(options);
  path_ = path.is_absolute() ? path : context.output_dir / path;
  std::filesystem::create_directories(path_.parent_path());
  // A resumed run continues the interrupted run's history, after the last whole line.
  if (context.resuming) prepare_to_append(path_);
  out_.open(path_, context.resuming ? std::ios::app : std::ios::trunc);
  if (!out_) throw Error(Location{path_.string()}, "cannot open the events file for writing");
}

OptionSchema JsonlSink::schema() { return schema_of(kPath); }

void JsonlSink::on_event(const Event& event) {
  nlohmann::json line = {{"kind", event_kind_name(event.kind)}, {"stage", event.stage}, {"name", event.name},
                         {"step", event.step}, {"time", event.wall_time}};
  switch (event.kind) {
    case Event::Kind::Scalar: line["value"] = event.value; break;
    case Event::Kind::Text: line["text"] = event.text; break;
    case Event::Kind::Params:
      line["params"] = nlohmann::json::object();
      for (const auto& [k, v] : event.params) line["params"][k] = v;
      break;
    case Event::Kind::Table:
      line["columns"] = event.columns;
      line["rows"] = event.rows;
      break;
  }
  out_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  out_.flush();
  if (!out_) throw Error(Location{path_.string()}, "write failed");
}

void JsonlSink::close(RunOutcome) { out_.close(); }

}  // namespace tp::sinks
