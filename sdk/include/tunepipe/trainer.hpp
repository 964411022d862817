#pragma once
// Trainer stage: runs the optimisation, checkpoints and resumes.
#include "tunepipe/stage.hpp"

namespace tp {

struct TrainingJob;  // model, adapter, tokenized splits and sinks, assembled by the runtime

class TrainerStage : public Stage {
 public:
  static constexpr const char* kind_name = "trainer";
  virtual void train(TrainingJob& job) = 0;
};

}  // namespace tp
