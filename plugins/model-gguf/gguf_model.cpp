#include "gguf_model.hpp"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <fmt/format.h>

#include "decoder_causal_lm.hpp"
#include "decoder_config.hpp"
#include "gguf_architecture.hpp"
#include "gguf_weights.hpp"
#include "model_stage_options.hpp"
#include "tensor_placement.hpp"
#include "tokenizer_pairing.hpp"
#include "tunepipe/gguf_magic.hpp"
#include "tunepipe/gguf_tokenizer.hpp"
#include "tunepipe/option_key.hpp"
#include "weight_loader.hpp"

namespace tp::gguf_model {

namespace {

const auto kPath = path_key("path", PathKind::ExistingFile, std::nullopt,
                            "GGUF model file (llama.cpp, Ollama, LM Studio): F32, F16, BF16, Q4_0-Q8_0 or Q2_K-Q6_K tensors")
                       .require();
// The weights are dequantized whatever the file stores: bf16 keeps training and
// generation at half the memory of fp32 and is what llama.cpp computes near.
const auto kDtype = choice_key("dtype", "auto", {"auto", "fp32", "bf16", "fp16"},
                               "dtype the dequantized weights are held in: auto is bf16");

}  // namespace

GgufModel::GgufModel(const Options& options, const StageContext& context)
    : path_(kPath.read(options)),
      tokenizer_options_(decoder::tokenizer_options(options)),
      dtype_(kDtype.read(options)),
      device_(decoder::device_key().read(options)),
      local_rank_(context.ranks.local_rank) {}

OptionSchema GgufModel::schema() {
  return schema_of(kPath, decoder::extra_special_tokens_key(), decoder::eos_token_key(), kDtype, decoder::device_key());
}

void GgufModel::validate(const Options& options, Diagnostics& errors) {
  decoder::validate_device(options, errors);
  const std::filesystem::path path = kPath.read(options);
  if (std::filesystem::is_regular_file(path) && !gguf::is_gguf_file(path))
    errors.error(kPath.location(options), options.context() + path.string() +
                                              " is not a GGUF file (it does not start with \"GGUF\"); a checkpoint "
                                              "folder is read by the hf model plugin");
}

const gguf::File& GgufModel::file() const {
  std::call_once(file_opened_, [&] { file_ = gguf::File::open(path_); });
  return *file_;
}

ModelInfo GgufModel::info() const { return model_info(file()); }

std::shared_ptr<const Tokenizer> GgufModel::tokenizer() const {
  std::call_once(tokenizer_loaded_, [&] {
    auto loaded = gguf::load_tokenizer(file(), tokenizer_options_);
    const ModelInfo info = model_info(file());
    decoder::check_tokenizer_fits(*loaded, info,
                                  fmt::format("{} rows of token_embd.weight in {}", info.vocab_size, path_.string()));
    tokenizer_ = std::move(loaded);
  });
  return tokenizer_;
}

std::shared_ptr<CausalLM> GgufModel::load() const {
  decoder::DecoderDescription description = decoder::describe_decoder(hf_config(file()), path_.string());
  description.config.source = path_.string();
  const at::ScalarType dtype = dtype_ == "auto" ? at::kBFloat16 : decoder::parse_dtype(dtype_);
  const at::TensorOptions target =
      at::TensorOptions().dtype(dtype).device(decoder::resolve_device(device_, local_rank_));
  // No autograd history for the frozen weights (see the hf stage).
  const at::NoGradGuard no_grad;
  std::shared_ptr<const gguf::File> opened = file_;
  const GgufWeights weights(opened, architecture_of(*opened), description.config.num_heads,
                            description.config.num_kv_heads);
  return std::make_shared<decoder::DecoderCausalLM>(std::move(description), decoder::WeightLoader(weights, target));
}

std::optional<ModelChatTemplate> GgufModel::chat_template(const std::string& name) const {
  std::optional<std::string> source = gguf::chat_template(file(), name);
  if (!source) return std::nullopt;
  const std::string key = name.empty() ? "tokenizer.chat_template" : "tokenizer.chat_template." + name;
  ModelChatTemplate found{*source, fmt::format("{} ({})", path_.string(), key)};
  found.tokens = template_tokens(*tokenizer());
  return found;
}

}  // namespace tp::gguf_model
