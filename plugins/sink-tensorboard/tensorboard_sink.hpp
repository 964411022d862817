#pragma once
// Writes TensorBoard event files: scalars as scalar summaries, texts, tables
// and hyper-parameters as the text plugin's strings and tables. Each run
// (a resumed one too) writes a new file in the same folder, named as
// TensorBoard's own writers name theirs; every event is flushed as it happens.
#include <filesystem>
#include <fstream>

#include "tunepipe/options.hpp"
#include "tunepipe/sink.hpp"

namespace tp::sinks {

class TensorBoardSink : public SinkStage {
 public:
  TensorBoardSink(const Options& options, const StageContext& context);
  static OptionSchema schema();
  void on_event(const Event& event) override;
  void close(RunOutcome outcome) override;

 private:
  void write(const std::string& serialized_event);

  std::filesystem::path path_;
  std::ofstream out_;
  bool resuming_ = false;
};

}  // namespace tp::sinks
