#pragma once
// Evaluator stage: generates on held-out rows and scores them.
#include "tunepipe/stage.hpp"

namespace tp {

struct EvaluationJob;  // model, template, split and sinks, assembled by the runtime

class EvaluatorStage : public Stage {
 public:
  static constexpr const char* kind_name = "evaluator";
  virtual void evaluate(EvaluationJob& job) = 0;
};

}  // namespace tp
