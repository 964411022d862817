#include "run/model_run.hpp"

#include <fmt/format.h>

#include "run/run_identity.hpp"
#include "run/stage_factory.hpp"
#include "util/suggest.hpp"
#include "tunepipe/adapter.hpp"
#include "tunepipe/evaluator.hpp"

namespace tp::core {
namespace {

const PreparedSplit& find_split(const std::map<std::string, PreparedSplit>& splits, const std::string& name,
                                const StageConfig& reader) {
  const auto found = splits.find(name);
  if (found == splits.end()) {
    std::vector<std::string> names;
    for (const auto& [split, prepared] : splits) names.push_back(split);
    throw Error(fmt::format("[{}] {}: the dataset has no \"{}\" split (it has: {})", reader.section,
                            reader.plugin->name, name, join(names)));
  }
  return found->second;
}

// Runs the evaluator on the base model or the adapted one, at a training step.
class Evaluation {
 public:
  Evaluation(const Pipeline& pipeline, const StageContext& context, const DataStages& stages,
             const std::map<std::string, PreparedSplit>& splits, std::shared_ptr<CausalLM> base)
      : config_(*pipeline.evaluator), evaluator_(create_stage<EvaluatorStage>(config_, context)) {
    const std::string split = call_plugin(config_.section, config_.plugin->name, [&] { return evaluator_->split(); });
    const PreparedSplit& prepared = find_split(splits, split, config_);
    job_.base = std::move(base);
    job_.tokenizer = stages.tokenizer;
    job_.chat_template = stages.chat_template.get();
    job_.conversations = &prepared.conversations;
    job_.samples = &prepared.samples;
  }

  // baseline: the base model's score, the adapter switched off meanwhile.
  void operator()(std::shared_ptr<AttachedAdapter> adapter, std::int64_t step, bool baseline = false) {
    job_.adapter = std::move(adapter);
    job_.step = step;
    job_.baseline = baseline;
    call_plugin(config_.section, config_.plugin->name, [&] { evaluator_->evaluate(job_); });
  }

 private:
  const StageConfig& config_;
  std::unique_ptr<EvaluatorStage> evaluator_;
  EvaluationJob job_;
};

}  // namespace

std::optional<TrainingResult> run_model_stages(const Pipeline& pipeline, const StageContext& context,
                                               const DataStages& stages,
                                               std::map<std::string, PreparedSplit>& splits,
                                               const ResumeRequest& resume) {
  std::shared_ptr<CausalLM> model =
      call_plugin("model", pipeline.model->plugin->name, [&] { return stages.model->load(); });
  std::shared_ptr<AttachedAdapter> adapter;
  if (pipeline.adapter) {
    const std::unique_ptr<AdapterStage> adapter_stage = create_stage<AdapterStage>(*pipeline.adapter, context);
    adapter = call_plugin("adapter", pipeline.adapter->plugin->name, [&] { return adapter_stage->attach(model); });
  }
  std::optional<Evaluation> evaluation;
  if (pipeline.evaluator) evaluation.emplace(pipeline, context, stages, splits, model);

  if (!pipeline.trainer) {
    if (evaluation) (*evaluation)(adapter, 0);
    return std::nullopt;
  }
  // The base model's score is the baseline the trained adapter is compared with.
  if (evaluation && resume.mode == ResumeRequest::Mode::None) (*evaluation)(adapter, 0, /*baseline=*/true);

  TrainingJob job;
  job.adapter = adapter;
  job.train = find_split(splits, "train", *pipeline.trainer).samples;
  if (splits.contains("test")) job.eval = splits.at("test").samples;
  job.pad_token_id = padding_id(*stages.tokenizer);
  job.max_length = stages.chat_template->max_length();
  job.resume = resume;
  job.identity = run_identity(pipeline, job.train);
  if (evaluation) job.evaluate = [&](std::int64_t step) { (*evaluation)(adapter, step); };

  const std::unique_ptr<TrainerStage> trainer = create_stage<TrainerStage>(*pipeline.trainer, context);
  return call_plugin("trainer", pipeline.trainer->plugin->name, [&] { return trainer->train(job); });
}

}  // namespace tp::core
