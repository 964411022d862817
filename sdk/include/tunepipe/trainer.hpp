#pragma once
// Trainer stage: optimises an attached adapter on tokenized samples,
// checkpoints, resumes, and reports metrics to the sinks.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tunepipe/sample.hpp"
#include "tunepipe/stage.hpp"

namespace tp {

class AttachedAdapter;  // tunepipe/attached_adapter.hpp

struct ResumeRequest {
  enum class Mode { None, Latest, Directory };
  Mode mode = Mode::None;
  std::filesystem::path directory;  // Mode::Directory: a checkpoint folder
};

// What a checkpoint must match to be resumed by a run: written into every
// checkpoint and compared on resume, so that `--resume` never continues another
// pipeline's training.
struct RunIdentity {
  std::string pipeline;  // the pipeline's name
  // "section.key" = value of what shapes the trained weights: the model,
  // template and adapter settings and the seed.
  std::vector<std::pair<std::string, std::string>> settings;
  std::string data_sha256;  // of the train split's token ids and labels
};

struct TrainingJob {
  std::shared_ptr<AttachedAdapter> adapter;  // on the model; its model() is what forward runs
  std::vector<TokenizedSample> train;
  std::vector<TokenizedSample> eval;         // held out for the eval loss; may be empty
  std::int64_t pad_token_id = 0;             // input id of padding (its labels are ignored)
  std::size_t max_length = 0;                // the template's max_length, no sample longer; 0: no limit
  ResumeRequest resume;
  RunIdentity identity;
  // Runs the pipeline's evaluators at this step (the trainer switches the
  // adapter out of training mode first); empty when none is configured.
  std::function<void(std::int64_t step)> evaluate;
};

struct TrainingResult {
  std::int64_t steps = 0;                // optimizer steps taken, resumed ones included
  double final_loss = 0.0;               // mean training loss of the last logged window
  std::filesystem::path adapter_dir;     // the final adapter, PEFT format
};

class TrainerStage : public Stage {
 public:
  static constexpr const char* kind_name = "trainer";
  // Checkpoints go under the run's output folder (StageContext::output_dir).
  virtual TrainingResult train(TrainingJob& job) = 0;
};

}  // namespace tp
