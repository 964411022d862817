#include "p_tuning_stage.hpp"

#include <fmt/format.h>

#include "p_tuning_config.hpp"
#include "prompt_adapter.hpp"
#include "prompt_encoder.hpp"
#include "prompt_folder.hpp"
#include "prompt_options.hpp"

namespace tp::p_tuning {
namespace {

using prompt::Placement;

const std::vector<std::string> kInits{"random"};
const auto kReparameterization =
    choice_key("encoder_reparameterization_type", "MLP", {"MLP", "LSTM"},
               "the prompt encoder: MLP (three linear layers with ReLU) or LSTM (a bidirectional LSTM and a two-layer "
               "MLP head), as peft's PromptEncoder");
const auto kEncoderHiddenSize =
    int_key("encoder_hidden_size", 0, "hidden size of the prompt encoder; 0: the model's hidden size")
        .range(0, std::nullopt);
const auto kEncoderNumLayers =
    int_key("encoder_num_layers", 2, "LSTM layers (the MLP always has two hidden layers)").range(1, std::nullopt);
const auto kEncoderDropout =
    float_key("encoder_dropout", 0.0, "dropout between the LSTM's layers while training").range(0, 1);

std::shared_ptr<AttachedAdapter> make_adapter(std::shared_ptr<CausalLM> model,
                                              std::shared_ptr<prompt::PromptModule> module,
                                              const prompt::PromptLearningConfig& config, const PTuningConfig& encoder) {
  nlohmann::json saved = config.to_json();
  encoder.add_to(saved);
  return std::make_shared<prompt::PromptAdapter>(std::move(model), std::move(module), Placement::InputEmbeddings,
                                                 config.num_virtual_tokens, std::move(saved));
}

prompt::EncoderRecipe recipe(const EncoderShape& shape) {
  return {encoder_specs(shape), [shape](prompt::ParameterTable table) {
            return std::make_shared<PromptEncoder>(shape, std::move(table));
          }};
}

// A saved adapter: with its encoder when the folder has our encoder file, else
// the virtual tokens peft saved. `expected` (an `init` folder) must match it.
std::shared_ptr<AttachedAdapter> load_folder(std::shared_ptr<CausalLM> model, const std::filesystem::path& dir,
                                             const EncoderShape* expected, const Location& where) {
  const auto file = prompt::AdapterConfigFile::open(dir);
  const auto config = prompt::read_prompt_learning_config(file, kPeftType, model->config(), Placement::InputEmbeddings);
  const EncoderShape shape{read_p_tuning_config(file, config.token_dim), config.num_virtual_tokens, config.token_dim};
  if (expected != nullptr) {
    const std::string ours = fmt::format("{} virtual tokens, {} encoder of hidden size {} ({} layers)",
                                         expected->num_virtual_tokens, expected->config.reparameterization,
                                         expected->config.hidden_size, expected->config.num_layers);
    const std::string theirs = fmt::format("{} virtual tokens, {} encoder of hidden size {} ({} layers)",
                                           shape.num_virtual_tokens, shape.config.reparameterization,
                                           shape.config.hidden_size, shape.config.num_layers);
    if (ours != theirs)
      throw Error(where, fmt::format("the init adapter {} has {}; the options say {}", dir.string(), theirs, ours));
  }
  const prompt::EncoderRecipe encoder = recipe(shape);
  auto module = prompt::load_prompt_module(dir, config, config.token_dim, prompt::model_device(*model), &encoder);
  return make_adapter(std::move(model), std::move(module), config, shape.config);
}

}  // namespace

PTuningStage::PTuningStage(const Options& options, const StageContext& context)
    : options_(options), seed_(context.seed) {}

OptionSchema PTuningStage::schema() {
  return schema_of(prompt::num_virtual_tokens_key(), kReparameterization, kEncoderHiddenSize, kEncoderNumLayers,
                   kEncoderDropout,
                   prompt::init_key_for(kInits, "\"random\" (torch's default initialisation, as peft; draws follow "
                                                "the pipeline's seed), or a p-tuning adapter folder with "
                                                "tunepipe_prompt_encoder.safetensors whose encoder is copied"));
}

void PTuningStage::validate(const Options& options, Diagnostics& errors) {
  if (kReparameterization.read(options) != "MLP") return;
  if (kEncoderNumLayers.read(options) != 2)
    errors.error(kEncoderNumLayers.location(options),
                 options.context() + "\"encoder_num_layers\" only applies to the LSTM encoder: the MLP encoder has "
                                     "exactly two hidden layers (remove the key, or set encoder_reparameterization_type "
                                     "= \"LSTM\")");
  if (kEncoderDropout.read(options) != 0.0)
    errors.error(kEncoderDropout.location(options),
                 options.context() + "\"encoder_dropout\" only applies to the LSTM encoder (between its layers); the "
                                     "MLP encoder has no dropout");
}

std::shared_ptr<AttachedAdapter> PTuningStage::attach(std::shared_ptr<CausalLM> model) const {
  const auto config = prompt::config_for_model(model->config(), kPeftType, prompt::num_virtual_tokens_key().read(options_),
                                               Placement::InputEmbeddings);
  PTuningConfig encoder;
  encoder.reparameterization = kReparameterization.read(options_);
  const std::int64_t hidden_size = kEncoderHiddenSize.read(options_);
  encoder.hidden_size = hidden_size == 0 ? config.token_dim : hidden_size;
  encoder.num_layers = kEncoderNumLayers.read(options_);
  encoder.dropout = kEncoderDropout.read(options_);
  const EncoderShape shape{encoder, config.num_virtual_tokens, config.token_dim};
  if (prompt::init_is_folder(prompt::init_key().read(options_), kInits)) {
    const std::filesystem::path folder = prompt::init_folder(options_, kInits);
    prompt::require_trainable_weights(options_, folder.string(), "the encoder's output");
    return load_folder(std::move(model), folder, &shape, prompt::init_key().location(options_));
  }
  auto module = std::make_shared<PromptEncoder>(
      shape, prompt::initial_parameters(encoder_specs(shape), seed_, prompt::model_device(*model)));
  return make_adapter(std::move(model), std::move(module), config, encoder);
}

std::shared_ptr<AttachedAdapter> PTuningStage::load(std::shared_ptr<CausalLM> model,
                                                    const std::filesystem::path& dir) const {
  return load_folder(std::move(model), dir, nullptr, Location{});
}

}  // namespace tp::p_tuning
