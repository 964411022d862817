#pragma once
// The `hf` model stage: an HF checkpoint folder's identity, tokenizer and decoder.
#include <memory>
#include <mutex>
#include <string>

#include "tunepipe/model.hpp"
#include "tunepipe/options.hpp"

namespace tp::hf {

class HfModel : public ModelStage {
 public:
  HfModel(const Options& options, const StageContext& context);
  static OptionSchema schema();
  static void validate(const Options& options, Diagnostics& errors);

  ModelInfo info() const override;
  std::shared_ptr<const Tokenizer> tokenizer() const override;
  std::shared_ptr<CausalLM> load() const override;
  std::optional<ModelChatTemplate> chat_template(const std::string& name) const override;

 private:
  std::filesystem::path path_;
  TokenizerOptions tokenizer_options_;
  std::string dtype_;
  std::string device_;
  int local_rank_ = 0;  // "cuda" and "auto" mean this GPU
  mutable std::once_flag tokenizer_loaded_;
  mutable std::shared_ptr<const Tokenizer> tokenizer_;
};

}  // namespace tp::hf
