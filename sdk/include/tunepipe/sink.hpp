#pragma once
// Sink stage: receives every event of a run. Several sinks run at once.
#include "tunepipe/event.hpp"
#include "tunepipe/stage.hpp"

namespace tp {

class SinkStage : public Stage {
 public:
  static constexpr const char* kind_name = "sink";
  virtual void on_event(const Event& event) = 0;
  // Called once when the run ends, successfully or not.
  virtual void close() {}
};

}  // namespace tp
