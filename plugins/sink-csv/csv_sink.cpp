#include "csv_sink.hpp"

#include <fmt/format.h>

#include <cctype>

#include "csv_format.hpp"
#include "tunepipe/append_file.hpp"
#include "tunepipe/atomic_file.hpp"
#include "tunepipe/option_key.hpp"

namespace tp::sinks {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kScalarColumns = {"step", "name", "value", "wall_time"};

fs::path in_output_dir(const fs::path& path, const StageContext& context) {
  return path.is_absolute() ? path : context.output_dir / path;
}

// "eval/answers" at step 60 → "eval-answers-step-60.csv"
std::string table_file_name(const Event& event) {
  std::string name;
  for (const char c : event.name) {
    if (c == '/') name += '-';
    else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') name += c;
    else name += '_';
  }
  return fmt::format("{}-step-{}.csv", name, event.step);
}

// The first record of an existing file, for the check before appending to it.
std::string first_record(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  std::getline(in, line);
  return line + "\n";
}

const auto kPath = path_key("path", PathKind::Output, "metrics.csv",
                            "scalars file (step, name, value, wall_time), relative to the run's output_dir; "
                            "`run --resume` appends to it");
const auto kTablesDir = path_key("tables_dir", PathKind::Output, "tables",
                                 "folder for tables (one CSV file per table and step: <name>-step-<N>.csv), relative "
                                 "to the run's output_dir; \"\" writes no tables");

}  // namespace

CsvSink::CsvSink(const Options& options, const StageContext& context)
    : path_(in_output_dir(kPath.read(options), context)) {
  if (const fs::path dir = kTablesDir.read(options); !dir.empty()) tables_dir_ = in_output_dir(dir, context);
  fs::create_directories(path_.parent_path());
  const std::string header = csv_record(kScalarColumns);
  if (context.resuming) prepare_to_append(path_);
  const bool append = context.resuming && fs::exists(path_) && fs::file_size(path_) > 0;
  if (append && first_record(path_) != header)
    throw Error(Location{path_.string()},
                fmt::format("cannot append to it: it does not start with the header {} (move it away, or set the "
                            "sink's path to another file)",
                            header.substr(0, header.size() - 2)));
  out_.open(path_, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  if (!out_) throw Error(Location{path_.string()}, "cannot open the CSV file for writing");
  if (!append) out_ << header << std::flush;
}

OptionSchema CsvSink::schema() { return schema_of(kPath, kTablesDir); }

void CsvSink::on_event(const Event& event) {
  if (event.kind == Event::Kind::Scalar) write_scalar(event);
  else if (event.kind == Event::Kind::Table && tables_dir_) write_table(event);
}

void CsvSink::write_scalar(const Event& event) {
  out_ << csv_record({std::to_string(event.step), event.name, fmt::format("{}", event.value),
                      fmt::format("{:.3f}", event.wall_time)})
       << std::flush;
  if (!out_) throw Error(Location{path_.string()}, "write failed");
}

void CsvSink::write_table(const Event& event) const {
  fs::create_directories(*tables_dir_);
  const fs::path target = *tables_dir_ / table_file_name(event);
  AtomicFile file(target);
  file.stream() << csv_record(event.columns);
  for (const auto& row : event.rows) file.stream() << csv_record(row);
  file.commit();
}

void CsvSink::close(RunOutcome) { out_.close(); }

}  // namespace tp::sinks
