#include "hf_model.hpp"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "checkpoint_config.hpp"
#include "decoder_causal_lm.hpp"
#include "model_stage_options.hpp"
#include "safetensors_weights.hpp"
#include "tensor_placement.hpp"
#include "tokenizer_pairing.hpp"
#include "tunepipe/checkpoint_dtype.hpp"
#include "tunepipe/gguf_magic.hpp"
#include "tunepipe/option_key.hpp"
#include "weight_loader.hpp"

namespace tp::hf {

namespace {

const auto kPath = path_key("path", PathKind::ExistingDir, std::nullopt,
                            "HF checkpoint folder (config.json, tokenizer files, *.safetensors)")
                       .require();
const auto kDtype = choice_key("dtype", "auto", {"auto", "fp32", "bf16", "fp16"},
                               "dtype the weights are loaded in: auto is the checkpoint's own (config.json's dtype or "
                               "torch_dtype; fp32 when it names none), as transformers 5 loads it");

}  // namespace

HfModel::HfModel(const Options& options, const StageContext& context)
    : path_(kPath.read(options)),
      tokenizer_options_(decoder::tokenizer_options(options)),
      dtype_(kDtype.read(options)),
      device_(decoder::device_key().read(options)),
      local_rank_(context.ranks.local_rank) {}

OptionSchema HfModel::schema() {
  return schema_of(kPath, decoder::extra_special_tokens_key(), decoder::eos_token_key(), kDtype, decoder::device_key());
}

void HfModel::validate(const Options& options, Diagnostics& errors) {
  decoder::validate_device(options, errors);
  const std::filesystem::path path = kPath.read(options);
  if (gguf::is_gguf_file(path))
    errors.error(kPath.location(options), options.context() + path.string() +
                                              " is a GGUF file: read it with the gguf model plugin (plugin = \"gguf\")");
  if (!std::filesystem::is_directory(path)) return;  // reported (or allowed) by the path check itself
  if (const std::string problem = missing_tokenizer_files(path); !problem.empty())
    errors.error(kPath.location(options), options.context() + path.string() + ": " + problem);
}

ModelInfo HfModel::info() const { return read_model_info(path_); }

std::shared_ptr<const Tokenizer> HfModel::tokenizer() const {
  std::call_once(tokenizer_loaded_, [&] {
    auto loaded = load_tokenizer(path_, tokenizer_options_);
    const ModelInfo info = read_model_info(path_);
    decoder::check_tokenizer_fits(*loaded, info, vocab_size_origin(info));
    tokenizer_ = std::move(loaded);
  });
  return tokenizer_;
}

std::shared_ptr<CausalLM> HfModel::load() const {
  decoder::DecoderDescription description = read_decoder_description(path_);
  const at::TensorOptions target = at::TensorOptions()
                                       .dtype(decoder::parse_dtype(resolve_dtype(dtype_, path_)))
                                       .device(decoder::resolve_device(device_, local_rank_));
  // No autograd history for the frozen weights; not inference mode, whose
  // tensors could not be saved for backward when training adapters.
  const at::NoGradGuard no_grad;
  const SafetensorsWeights weights(safetensors::Checkpoint::open(path_));
  return std::make_shared<decoder::DecoderCausalLM>(std::move(description), decoder::WeightLoader(weights, target));
}

std::optional<ModelChatTemplate> HfModel::chat_template(const std::string& name) const {
  std::optional<ModelChatTemplate> found = read_chat_template(path_, name);
  if (found) found->tokens = template_tokens(*tokenizer());
  return found;
}

}  // namespace tp::hf
