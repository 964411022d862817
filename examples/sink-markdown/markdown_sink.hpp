#pragma once
// An example metrics sink written outside the tunepipe tree: when the run ends
// it writes a Markdown report with the last value of every scalar and every
// table the run produced.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tunepipe/options.hpp"
#include "tunepipe/sink.hpp"

namespace example {

class MarkdownSink : public tp::SinkStage {
 public:
  MarkdownSink(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();
  void on_event(const tp::Event& event) override;
  void close(tp::RunOutcome outcome) override;

 private:
  std::filesystem::path path_;
  std::string title_;
  std::map<std::string, double> last_scalars_;
  std::vector<tp::Event> tables_;
};

}  // namespace example
