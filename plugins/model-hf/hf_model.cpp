#include "hf_model.hpp"

#include "checkpoint_config.hpp"

namespace tp::hf {

HfModel::HfModel(const Options& options, const StageContext&) : path_(options.get_path("path")) {}

OptionSchema HfModel::schema() {
  OptionSchema schema;
  schema.add(path_option("path", PathKind::ExistingDir, std::nullopt,
                         "HF checkpoint folder (config.json, tokenizer files, *.safetensors)"))
      .require();
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
  std::call_once(tokenizer_loaded_, [&] { tokenizer_ = load_tokenizer(path_); });
  return tokenizer_;
}

}  // namespace tp::hf
