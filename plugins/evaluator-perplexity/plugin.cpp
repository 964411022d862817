#include "perplexity_evaluator.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::EvaluatorStage, "perplexity", "0.1.0",
                "perplexity of the trained tokens of a split: exp of their mean negative log-likelihood",
                tp::evaluators::PerplexityEvaluator)
