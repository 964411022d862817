#pragma once
// Model stage: an HF checkpoint folder — its architecture metadata and tokenizer.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "tunepipe/chat_template.hpp"
#include "tunepipe/stage.hpp"
#include "tunepipe/tokenizer.hpp"

namespace tp {

class CausalLM;  // tunepipe/causal_lm.hpp (libtunepipe-model)

struct ModelInfo {
  std::filesystem::path path;
  std::string architecture;  // config.json "architectures"[0], e.g. "Qwen2ForCausalLM"
  std::string model_type;    // config.json "model_type", e.g. "qwen2"
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 0;
};

class ModelStage : public Stage {
 public:
  static constexpr const char* kind_name = "model";
  virtual ModelInfo info() const = 0;
  virtual std::shared_ptr<const Tokenizer> tokenizer() const = 0;
  // Builds the decoder from config.json and the safetensors weights, in the
  // stage's dtype and on its device; throws tp::Error naming the file, the
  // config key or the tensor at fault.
  virtual std::shared_ptr<CausalLM> load() const = 0;
  // The checkpoint's own chat template (`name` empty: the default one), with
  // the tokens of this stage's tokenizer; nullopt when it ships none.
  virtual std::optional<ModelChatTemplate> chat_template(const std::string& name) const = 0;
};

}  // namespace tp
