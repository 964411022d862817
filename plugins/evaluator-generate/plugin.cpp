#include "generate_evaluator.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::EvaluatorStage, "generate", "0.2.0",
                "generates answers on a held-out split and scores them (exact_match, choice, json_f1, rouge_l, "
                "bleu4), optionally next to the base model's (compare)",
                tp::evaluators::GenerateEvaluator)
