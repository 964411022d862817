#pragma once
// The `gguf` model stage: a llama.cpp model file's decoder (dequantized),
// tokenizer and chat template.
#include <memory>
#include <mutex>
#include <string>

#include "tunepipe/gguf.hpp"
#include "tunepipe/model.hpp"
#include "tunepipe/options.hpp"

namespace tp::gguf_model {

class GgufModel : public ModelStage {
 public:
  GgufModel(const Options& options, const StageContext& context);
  static OptionSchema schema();
  static void validate(const Options& options, Diagnostics& errors);

  ModelInfo info() const override;
  std::shared_ptr<const Tokenizer> tokenizer() const override;
  std::shared_ptr<CausalLM> load() const override;
  std::optional<ModelChatTemplate> chat_template(const std::string& name) const override;

 private:
  const gguf::File& file() const;

  std::filesystem::path path_;
  TokenizerOptions tokenizer_options_;
  std::string dtype_;
  std::string device_;
  int local_rank_ = 0;  // "cuda" and "auto" mean this GPU
  mutable std::once_flag file_opened_, tokenizer_loaded_;
  mutable std::shared_ptr<const gguf::File> file_;
  mutable std::shared_ptr<const Tokenizer> tokenizer_;
};

}  // namespace tp::gguf_model
