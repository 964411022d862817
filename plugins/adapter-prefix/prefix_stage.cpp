#include "prefix_stage.hpp"

#include <fmt/format.h>

#include "prefix_config.hpp"
#include "prefix_projection.hpp"
#include "prompt_adapter.hpp"
#include "prompt_folder.hpp"
#include "prompt_options.hpp"

namespace tp::prefix {
namespace {

using prompt::Placement;

const std::vector<std::string> kInits{"random", "zero"};
const auto kPrefixProjection = flag_key("prefix_projection", false,
                                        "train an embedding per virtual token and a Linear-Tanh-Linear projection to "
                                        "the keys and values, instead of the keys and values themselves");
const auto kEncoderHiddenSize =
    int_key("encoder_hidden_size", 0, "hidden size of the projection; 0: the key/value width (kv heads × head_dim), as peft")
        .range(0, std::nullopt);

std::int64_t prefix_width(const prompt::PromptLearningConfig& config) {
  return config.num_layers * 2 * config.token_dim;
}

ProjectionShape projection_shape(const prompt::PromptLearningConfig& config, const PrefixConfig& prefix) {
  return {config.num_virtual_tokens, config.token_dim, prefix.encoder_hidden_size, config.num_layers,
          prefix.init_weights.has_value()};
}

std::shared_ptr<AttachedAdapter> make_adapter(std::shared_ptr<CausalLM> model,
                                              std::shared_ptr<prompt::PromptModule> module,
                                              const prompt::PromptLearningConfig& config, const PrefixConfig& prefix) {
  nlohmann::json saved = config.to_json();
  prefix.add_to(saved);
  return std::make_shared<prompt::PromptAdapter>(std::move(model), std::move(module), Placement::LayerPrefix,
                                                 config.num_virtual_tokens, std::move(saved));
}

std::string describe(std::int64_t tokens, const PrefixConfig& prefix) {
  return prefix.prefix_projection
             ? fmt::format("{} virtual tokens through a projection of hidden size {}", tokens,
                           prefix.encoder_hidden_size)
             : fmt::format("{} virtual tokens without projection", tokens);
}

// A saved adapter: with its projection when the folder has our encoder file,
// else the keys and values peft saved. `expected` (an `init` folder) must match.
std::shared_ptr<AttachedAdapter> load_folder(std::shared_ptr<CausalLM> model, const std::filesystem::path& dir,
                                             const std::string* expected, const Location& where) {
  const auto file = prompt::AdapterConfigFile::open(dir);
  const auto config = prompt::read_prompt_learning_config(file, kPeftType, model->config(), Placement::LayerPrefix);
  const PrefixConfig prefix = read_prefix_config(file, config.token_dim);
  if (expected != nullptr && *expected != describe(config.num_virtual_tokens, prefix))
    throw Error(where, fmt::format("the init adapter {} has {}; the options say {}", dir.string(),
                                   describe(config.num_virtual_tokens, prefix), *expected));
  std::optional<prompt::EncoderRecipe> projection;
  if (prefix.prefix_projection)
    projection = prompt::EncoderRecipe{projection_specs(projection_shape(config, prefix)),
                                       [](prompt::ParameterTable table) {
                                         return std::make_shared<PrefixProjection>(std::move(table));
                                       }};
  auto module = prompt::load_prompt_module(dir, config, prefix_width(config), prompt::model_device(*model),
                                           projection ? &*projection : nullptr);
  return make_adapter(std::move(model), std::move(module), config, prefix);
}

}  // namespace

PrefixStage::PrefixStage(const Options& options, const StageContext& context)
    : options_(options), seed_(context.seed) {}

OptionSchema PrefixStage::schema() {
  return schema_of(prompt::num_virtual_tokens_key(), kPrefixProjection, kEncoderHiddenSize,
                   prompt::init_key_for(kInits, "\"random\" (torch's default initialisation, as peft; draws follow "
                                                "the pipeline's seed), \"zero\" (peft's init_weights = \"zero\": the "
                                                "prefix, or the projection's last layer, starts at zero), or a prefix "
                                                "adapter folder whose tensors are copied"));
}

void PrefixStage::validate(const Options& options, Diagnostics& errors) {
  if (!kPrefixProjection.read(options) && kEncoderHiddenSize.read(options) != 0)
    errors.error(kEncoderHiddenSize.location(options),
                 options.context() + "\"encoder_hidden_size\" is the size of the projection: it needs "
                                     "prefix_projection = true");
}

std::shared_ptr<AttachedAdapter> PrefixStage::attach(std::shared_ptr<CausalLM> model) const {
  const auto config = prompt::config_for_model(model->config(), kPeftType, prompt::num_virtual_tokens_key().read(options_),
                                               Placement::LayerPrefix);
  PrefixConfig prefix;
  prefix.prefix_projection = kPrefixProjection.read(options_);
  const std::int64_t hidden_size = kEncoderHiddenSize.read(options_);
  prefix.encoder_hidden_size = hidden_size == 0 ? config.token_dim : hidden_size;
  const std::string& init = prompt::init_key().read(options_);
  if (init == "zero") prefix.init_weights = "zero";
  if (prompt::init_is_folder(init, kInits)) {
    const std::filesystem::path folder = prompt::init_folder(options_, kInits);
    if (prefix.prefix_projection) prompt::require_trainable_weights(options_, folder.string(), "the projection's output");
    const std::string expected = describe(config.num_virtual_tokens, prefix);
    return load_folder(std::move(model), folder, &expected, prompt::init_key().location(options_));
  }
  const at::Device device = prompt::model_device(*model);
  std::shared_ptr<prompt::PromptModule> module;
  if (prefix.prefix_projection) {
    module = std::make_shared<PrefixProjection>(
        prompt::initial_parameters(projection_specs(projection_shape(config, prefix)), seed_, device));
  } else {
    prompt::ParameterSpec spec = prompt::embedding_spec(prompt::kPromptEmbeddings, config.num_virtual_tokens,
                                                        prefix_width(config));
    if (init == "zero") spec.init = prompt::ParameterSpec::Init::Zeros;
    module = std::make_shared<prompt::PromptTable>(
        std::move(prompt::initial_parameters({spec}, seed_, device).front().second));
  }
  return make_adapter(std::move(model), std::move(module), config, prefix);
}

std::shared_ptr<AttachedAdapter> PrefixStage::load(std::shared_ptr<CausalLM> model,
                                                   const std::filesystem::path& dir) const {
  return load_folder(std::move(model), dir, nullptr, Location{});
}

}  // namespace tp::prefix
