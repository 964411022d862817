#pragma once
// Sink stage: receives every event of a run. Several sinks run at once.
#include "tunepipe/event.hpp"
#include "tunepipe/stage.hpp"

namespace tp {

// How a run ended, as its sinks are told when it closes them.
enum class RunOutcome {
  Finished,     // every stage completed
  Failed,       // an error stopped it
  Interrupted,  // the user stopped it (SIGINT/SIGTERM); a checkpoint of the step reached may be resumed
};

const char* to_string(RunOutcome outcome);

class SinkStage : public Stage {
 public:
  static constexpr const char* kind_name = "sink";
  virtual void on_event(const Event& event) = 0;
  // Called once when the run ends, with how it ended.
  virtual void close(RunOutcome /*outcome*/) {}
};

}  // namespace tp
