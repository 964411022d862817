#include "markdown_sink.hpp"

#include <fstream>
#include <sstream>

#include "tunepipe/atomic_file.hpp"
#include "tunepipe/option_key.hpp"

namespace example {
namespace {

const auto kFile = tp::string_key("file", "report.md", "report file name, inside the run's output_dir");

}  // namespace

MarkdownSink::MarkdownSink(const tp::Options& options, const tp::StageContext& context)
    : path_(context.output_dir / kFile.read(options)), title_(context.pipeline_name) {}

tp::OptionSchema MarkdownSink::schema() { return tp::schema_of(kFile); }

void MarkdownSink::on_event(const tp::Event& event) {
  if (event.kind == tp::Event::Kind::Scalar) last_scalars_[event.name] = event.value;
  if (event.kind == tp::Event::Kind::Table) tables_.push_back(event);
}

static std::string table_row(const std::vector<std::string>& cells) {
  std::string row = "|";
  for (const std::string& cell : cells) row += " " + cell + " |";
  return row + "\n";
}

void MarkdownSink::close(tp::RunOutcome outcome) {
  std::ostringstream out;
  out << "# " << title_ << "\n\nThe run " << tp::to_string(outcome) << ".\n\n## Metrics\n\n| metric | last value |\n|---|---|\n";
  for (const auto& [name, value] : last_scalars_) out << "| " << name << " | " << value << " |\n";
  for (const tp::Event& table : tables_) {
    out << "\n## " << table.name << "\n\n" << table_row(table.columns);
    out << table_row(std::vector<std::string>(table.columns.size(), "---"));
    for (const auto& row : table.rows) out << table_row(row);
  }
  tp::write_file_atomically(path_, out.str());  // a reader never sees half a report
}

}  // namespace example
