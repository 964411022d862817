#pragma once
// Evaluator stage: scores a model (with or without its adapter) on a held-out
// split, by generating answers or by perplexity, and reports metrics and
// tables to the sinks.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tunepipe/conversation.hpp"
#include "tunepipe/sample.hpp"
#include "tunepipe/stage.hpp"

namespace tp {

class CausalLM;         // tunepipe/causal_lm.hpp
class AttachedAdapter;  // tunepipe/attached_adapter.hpp
class TemplateStage;
class Tokenizer;

struct EvaluationJob {
  std::shared_ptr<CausalLM> base;            // the model without adapter
  std::shared_ptr<AttachedAdapter> adapter;  // null when the pipeline has none
  // Score the base model: the evaluator switches the adapter, if any, off
  // meanwhile (AdapterSwitch) and reports under its baseline names.
  bool baseline = false;
  std::shared_ptr<const Tokenizer> tokenizer;
  const TemplateStage* chat_template = nullptr;
  // The evaluator's split, row for row: each conversation's last assistant
  // turn is the reference answer.
  const std::vector<Conversation>* conversations = nullptr;
  const std::vector<TokenizedSample>* samples = nullptr;
  std::int64_t step = 0;  // the training step the metrics belong to (0: before training)
};

class EvaluatorStage : public Stage {
 public:
  static constexpr const char* kind_name = "evaluator";
  // The dataset split this evaluator reads ("test" by default).
  virtual std::string split() const = 0;
  // Reports its metrics and tables as events at job.step.
  virtual void evaluate(const EvaluationJob& job) = 0;
};

}  // namespace tp
