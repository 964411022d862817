#include "hf_model.hpp"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "checkpoint_config.hpp"
#include "tunepipe/checkpoint_dtype.hpp"
#include "tunepipe/option_key.hpp"
#include "decoder_config.hpp"
#include "hf_causal_lm.hpp"
#include "tensor_placement.hpp"
#include "tokenizer_pairing.hpp"
#include "tunepipe/safetensors.hpp"
#include "weight_loader.hpp"

namespace tp::hf {

namespace {

const auto kPath = path_key("path", PathKind::ExistingDir, std::nullopt,
                            "HF checkpoint folder (config.json, tokenizer files, *.safetensors)")
                       .require();
const auto kExtraSpecialTokens =
    list_key("extra_special_tokens", std::vector<std::string>{},
             "tokens to split out of text whole, as tokenizer.add_tokens(..., special_tokens=True) does");
const auto kEosToken = string_key("eos_token", "", "replaces the tokenizer config's EOS token (\"\": keep it)");
const auto kDtype = choice_key("dtype", "auto", {"auto", "fp32", "bf16", "fp16"},
                               "dtype the weights are loaded in: auto is the checkpoint's own (config.json's dtype or "
                               "torch_dtype; fp32 when it names none), as transformers 5 loads it");
const auto kDevice =
    string_key("device", "auto",
               "where the weights live: auto (the first GPU when one is usable, else cpu), cpu, cuda, cuda:N");

}  // namespace

HfModel::HfModel(const Options& options, const StageContext&)
    : path_(kPath.read(options)), dtype_(kDtype.read(options)), device_(kDevice.read(options)) {
  tokenizer_options_.extra_special_tokens = kExtraSpecialTokens.read(options);
  if (const std::string& eos = kEosToken.read(options); !eos.empty()) tokenizer_options_.eos_token = eos;
}

OptionSchema HfModel::schema() { return schema_of(kPath, kExtraSpecialTokens, kEosToken, kDtype, kDevice); }

void HfModel::validate(const Options& options, Diagnostics& errors) {
  const std::string& device = kDevice.read(options);
  if (!is_device_name(device))
    errors.error(kDevice.location(options),
                 options.context() + "device \"" + device + "\" is not one of auto, cpu, cuda, cuda:N");
  const std::filesystem::path path = kPath.read(options);
  if (!std::filesystem::is_directory(path)) return;  // reported (or allowed) by the path check itself
  if (const std::string problem = missing_tokenizer_files(path); !problem.empty())
    errors.error(kPath.location(options), options.context() + path.string() + ": " + problem);
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
