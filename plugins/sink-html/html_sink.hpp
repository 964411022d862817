#pragma once
// The `html` sink: one self-contained report page in the run's output folder,
// rewritten every `refresh_seconds` while the run goes on and at its end.
#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "report_page.hpp"
#include "run_record.hpp"
#include "tunepipe/options.hpp"
#include "tunepipe/sink.hpp"

namespace tp::sinks {

class HtmlSink : public SinkStage {
 public:
  HtmlSink(const Options& options, const StageContext& context);
  static OptionSchema schema();
  void on_event(const Event& event) override;
  void close(RunOutcome outcome) override;

 private:
  void write(html::RunState state);

  std::filesystem::path path_;
  std::string pipeline_name_;
  std::chrono::steady_clock::duration refresh_;
  std::chrono::steady_clock::time_point last_write_;
  std::vector<std::pair<std::string, std::string>> environment_;
  html::RunRecord record_;
};

}  // namespace tp::sinks
