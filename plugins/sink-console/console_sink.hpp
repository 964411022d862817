#pragma once
// Prints events as plain lines on standard output.
#include "tunepipe/options.hpp"
#include "tunepipe/sink.hpp"

namespace tp::sinks {

class ConsoleSink : public SinkStage {
 public:
  ConsoleSink(const Options& options, const StageContext& context);
  static OptionSchema schema();
  void on_event(const Event& event) override;

 private:
  bool show_params_;
};

}  // namespace tp::sinks
