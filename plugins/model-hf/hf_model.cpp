#include "hf_model.hpp"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "checkpoint_config.hpp"
#include "tunepipe/checkpoint_dtype.hpp"
#include "decoder_config.hpp"
#include "hf_causal_lm.hpp"
#include "tensor_placement.hpp"
#include "tokenizer_pairing.hpp"
#include "tunepipe/safetensors.hpp"
#include "weight_loader.hpp"

namespace tp::hf {

HfModel::HfModel(const Options& options, const StageContext&)
    : path_(options.get_path("path")), dtype_(options.get_string("dtype")), device_(options.get_string("device")) {
  tokenizer_options_.extra_special_tokens = options.get_strings("extra_special_tokens");
  if (!options.get_string("eos_token").empty()) tokenizer_options_.eos_token = options.get_string("eos_token");
}

OptionSchema HfModel::schema() {
  OptionSchema schema;
  schema.add(path_option("path", PathKind::ExistingDir, std::nullopt,
                         "HF checkpoint folder (config.json, tokenizer files, *.safetensors)"))
      .require();
  schema.add(list_option("extra_special_tokens", std::vector<std::string>{},
                         "tokens to split out of text whole, as tokenizer.add_tokens(..., special_tokens=True) does"));
  schema.add(string_option("eos_token", "", "replaces the tokenizer config's EOS token (\"\": keep it)"));
  schema.add(choice_option("dtype", "auto", {"auto", "fp32", "bf16", "fp16"},
                           "dtype the weights are loaded in: auto is the checkpoint's own (config.json's dtype or "
                           "torch_dtype; fp32 when it names none), as transformers 5 loads it"));
  schema.add(string_option("device", "auto",
                           "where the weights live: auto (the first GPU when one is usable, else cpu), cpu, cuda, cuda:N"));
  return schema;
}

void HfModel::validate(const Options& options, Diagnostics& errors) {
  const std::string device = options.get_string("device");
  if (!is_device_name(device))
    errors.error(options.location("device"),
                 options.context() + "device \"" + device + "\" is not one of auto, cpu, cuda, cuda:N");
  const std::filesystem::path path = options.get_path("path");
  if (!std::filesystem::is_directory(path)) return;  // reported (or allowed) by the path check itself
  if (const std::string problem = missing_tokenizer_files(path); !problem.empty())
    errors.error(options.location("path"), options.context() + path.string() + ": " + problem);
}

ModelInfo HfModel::info() const { return read_model_info(path_); }

std::shared_ptr<const Tokenizer> HfModel::tokenizer() const {
  std::call_once(tokenizer_loaded_, [&] {
    auto loaded = load_tokenizer(path_, tokenizer_options_);
    check_tokenizer_fits(*loaded, read_model_info(path_));
    tokenizer_ = std::move(loaded);
  });
  return tokenizer_;
}

std::shared_ptr<CausalLM> HfModel::load() const {
  DecoderConfig config = read_decoder_config(path_);
  const at::TensorOptions target = at::TensorOptions().dtype(parse_dtype(resolve_dtype(dtype_, path_))).device(resolve_device(device_));
  // No autograd history for the frozen weights; not inference mode, whose
  // tensors could not be saved for backward when training adapters.
  const at::NoGradGuard no_grad;
  const safetensors::Checkpoint checkpoint = safetensors::Checkpoint::open(path_);
  return std::make_shared<HfCausalLM>(std::move(config), WeightLoader(checkpoint, target));
}

std::optional<ModelChatTemplate> HfModel::chat_template(const std::string& name) const {
  std::optional<ModelChatTemplate> found = read_chat_template(path_, name);
  if (found) found->tokens = template_tokens(*tokenizer());
  return found;
}

}  // namespace tp::hf
