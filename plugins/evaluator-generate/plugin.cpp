#include "generate_evaluator.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::EvaluatorStage, "generate", "0.1.0",
                "generates answers on a held-out split and scores them (exact_match, choice)",
                tp::evaluators::GenerateEvaluator)
