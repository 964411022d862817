#include "prompt_tuning_stage.hpp"

#include <fmt/format.h>

#include "prompt_adapter.hpp"
#include "prompt_folder.hpp"
#include "prompt_options.hpp"
#include "prompt_tuning_config.hpp"
#include "text_init.hpp"

namespace tp::prompt_tuning {
namespace {

using prompt::Placement;

const std::vector<std::string> kInits{"random", "text"};
const auto kInitText =
    string_key("init_text", "", "the text whose token embeddings start the virtual tokens (init = \"text\")");
const auto kTokenizer =
    string_key("tokenizer", "", "folder of the tokenizer for init_text (peft's tokenizer_name_or_path); \"\": the model's");

std::shared_ptr<AttachedAdapter> make_adapter(std::shared_ptr<CausalLM> model,
                                              std::shared_ptr<prompt::PromptModule> module,
                                              const prompt::PromptLearningConfig& config,
                                              const PromptTuningInit& init) {
  nlohmann::json saved = config.to_json();
  init.add_to(saved);
  return std::make_shared<prompt::PromptAdapter>(std::move(model), std::move(module), Placement::InputEmbeddings,
                                                 config.num_virtual_tokens, std::move(saved));
}

// A saved adapter and the model it goes on: its config checked, its tensors read.
std::shared_ptr<AttachedAdapter> load_folder(std::shared_ptr<CausalLM> model, const std::filesystem::path& dir,
                                             std::optional<std::int64_t> required_tokens, const Location& where) {
  const auto file = prompt::AdapterConfigFile::open(dir);
  const auto config = prompt::read_prompt_learning_config(file, kPeftType, model->config(), Placement::InputEmbeddings);
  if (required_tokens && *required_tokens != config.num_virtual_tokens)
    throw Error(where, fmt::format("the init adapter {} has num_virtual_tokens = {}, the options say {}", dir.string(),
                                   config.num_virtual_tokens, *required_tokens));
  auto module = prompt::load_prompt_module(dir, config, config.token_dim, prompt::model_device(*model), nullptr);
  return make_adapter(std::move(model), std::move(module), config, read_prompt_tuning_init(file));
}

}  // namespace

PromptTuningStage::PromptTuningStage(const Options& options, const StageContext& context)
    : options_(options), seed_(context.seed) {}

OptionSchema PromptTuningStage::schema() {
  return schema_of(prompt::num_virtual_tokens_key(),
                   prompt::init_key_for(kInits, "\"random\" (N(0, 1), as peft's RANDOM; draws follow the pipeline's "
                                                "seed), \"text\" (the embeddings of init_text's tokens, repeated or cut "
                                                "to num_virtual_tokens, as peft's TEXT), or a PEFT prompt-tuning "
                                                "adapter folder whose embeddings are copied"),
                   kInitText, kTokenizer);
}

void PromptTuningStage::validate(const Options& options, Diagnostics& errors) {
  const std::string& init = prompt::init_key().read(options);
  const std::string& text = kInitText.read(options);
  if (init == "text" && text.empty())
    errors.error(prompt::init_key().location(options),
                 options.context() + "init = \"text\" needs \"init_text\": the text whose embeddings start the prompt");
  if (init != "text" && !text.empty())
    errors.error(kInitText.location(options),
                 options.context() + "\"init_text\" is only used with init = \"text\" (init is \"" + init + "\")");
  if (init != "text" && !kTokenizer.read(options).empty())
    errors.error(kTokenizer.location(options),
                 options.context() + "\"tokenizer\" is only used with init = \"text\" (init is \"" + init + "\")");
}

std::shared_ptr<AttachedAdapter> PromptTuningStage::attach(std::shared_ptr<CausalLM> model) const {
  const std::int64_t tokens = prompt::num_virtual_tokens_key().read(options_);
  const std::string& init = prompt::init_key().read(options_);
  if (prompt::init_is_folder(init, kInits))
    return load_folder(std::move(model), prompt::init_folder(options_, kInits), tokens, prompt::init_key().location(options_));

  const auto config = prompt::config_for_model(model->config(), kPeftType, tokens, Placement::InputEmbeddings);
  const at::Device device = prompt::model_device(*model);
  PromptTuningInit saved_init;
  at::Tensor embeddings;
  if (init == "text") {
    const std::string& chosen = kTokenizer.read(options_);
    const std::string tokenizer = chosen.empty() ? model->config().source : chosen;
    const std::string& text = kInitText.read(options_);
    embeddings = prompt::trainable(text_embeddings(*model, tokenizer, text, tokens, kInitText.location(options_)),
                                   device);
    saved_init = {"TEXT", text, tokenizer};
  } else {
    embeddings = std::move(prompt::initial_parameters(
        {prompt::embedding_spec(prompt::kPromptEmbeddings, tokens, config.token_dim)}, seed_, device)[0].second);
  }
  return make_adapter(std::move(model), std::make_shared<prompt::PromptTable>(std::move(embeddings)), config,
                      saved_init);
}

std::shared_ptr<AttachedAdapter> PromptTuningStage::load(std::shared_ptr<CausalLM> model,
                                                         const std::filesystem::path& dir) const {
  return load_folder(std::move(model), dir, std::nullopt, Location{});
}

}  // namespace tp::prompt_tuning
