#pragma once
// Writes every event as one JSON object per line, flushed as it happens so a
// crashed run still leaves its history; a resumed run appends to it.
#include <fstream>

#include "tunepipe/options.hpp"
#include "tunepipe/sink.hpp"

namespace tp::sinks {

class JsonlSink : public SinkStage {
 public:
  JsonlSink(const Options& options, const StageContext& context);
  static OptionSchema schema();
  void on_event(const Event& event) override;
  void close(RunOutcome outcome) override;

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

}  // namespace tp::sinks
