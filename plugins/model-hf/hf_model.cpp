#include "hf_model.hpp"

#include "checkpoint_config.hpp"

namespace tp::hf {

HfModel::HfModel(const Options& options, const StageContext&) : path_(options.get_path("path")) {
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
  return schema;
}

void HfModel::validate(const Options& options, Diagnostics& errors) {
  const std::filesystem::path path = options.get_path("path");
  if (!std::filesystem::is_directory(path)) return;  // reported (or allowed) by the path check itself
  if (const std::string problem = missing_tokenizer_files(path); !problem.empty())
    errors.error(options.location("path"), options.context() + path.string() + ": " + problem);
}

ModelInfo HfModel::info() const { return read_model_info(path_); }

std::shared_ptr<const Tokenizer> HfModel::tokenizer() const {
  std::call_once(tokenizer_loaded_, [&] { tokenizer_ = load_tokenizer(path_, tokenizer_options_); });
  return tokenizer_;
}

}  // namespace tp::hf
