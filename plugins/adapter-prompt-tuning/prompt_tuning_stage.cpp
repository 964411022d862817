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
  OptionSchema schema;
  schema.add(prompt::num_virtual_tokens_option());
  schema.add(prompt::init_option(kInits,
                                 "\"random\" (N(0, 1), as peft's RANDOM; draws follow the pipeline's seed), \"text\" "
                                 "(the embeddings of init_text's tokens, repeated or cut to num_virtual_tokens, as "
                                 "peft's TEXT), or a PEFT prompt-tuning adapter folder whose embeddings are copied"));
  schema.add(string_option("init_text", "", "the text whose token embeddings start the virtual tokens (init = \"text\")"));
  schema.add(string_option("tokenizer", "",
                           "folder of the tokenizer for init_text (peft's tokenizer_name_or_path); \"\": the model's"));
  return schema;
}

void PromptTuningStage::validate(const Options& options, Diagnostics& errors) {
  const std::string& init = options.get_string("init");
  const std::string& text = options.get_string("init_text");
  if (init == "text" && text.empty())
    errors.error(options.location("init"),
                 options.context() + "init = \"text\" needs \"init_text\": the text whose embeddings start the prompt");
  if (init != "text" && !text.empty())
    errors.error(options.location("init_text"),
                 options.context() + "\"init_text\" is only used with init = \"text\" (init is \"" + init + "\")");
  if (init != "text" && !options.get_string("tokenizer").empty())
    errors.error(options.location("tokenizer"),
                 options.context() + "\"tokenizer\" is only used with init = \"text\" (init is \"" + init + "\")");
}

std::shared_ptr<AttachedAdapter> PromptTuningStage::attach(std::shared_ptr<CausalLM> model) const {
  const std::int64_t tokens = options_.get_int("num_virtual_tokens");
  const std::string& init = options_.get_string("init");
  if (prompt::init_is_folder(init, kInits))
    return load_folder(std::move(model), prompt::init_folder(options_, kInits), tokens, options_.location("init"));

  const auto config = prompt::config_for_model(model->config(), kPeftType, tokens, Placement::InputEmbeddings);
  const at::Device device = prompt::model_device(*model);
  PromptTuningInit saved_init;
  at::Tensor embeddings;
  if (init == "text") {
    const std::string tokenizer = options_.get_string("tokenizer").empty() ? model->config().source
                                                                           : options_.get_string("tokenizer");
    embeddings = prompt::trainable(text_embeddings(*model, tokenizer, options_.get_string("init_text"), tokens,
                                                   options_.location("init_text")),
                                   device);
    saved_init = {"TEXT", options_.get_string("init_text"), tokenizer};
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
