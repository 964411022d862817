#include "tokenizer/bpe_loaders.hpp"
#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/json_file.hpp"
#include "tokenizer/special_token_setup.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace tp {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> read_vocab(const fs::path& file) {
  const nlohmann::json vocab = read_json_file(file);
  if (!vocab.is_object()) fail_in_file(file, "expected an object of token -> id");
  std::vector<std::string> tokens;
  for (const auto& [token, id_value] : vocab.items()) {
    if (!id_value.is_number_integer() || id_value.get<long long>() < 0 || id_value.get<long long>() > INT32_MAX) {
      fail_in_file(file, fmt::format("the id of \"{}\" is not a valid token id: {}", token, id_value.dump()));
    }
    const auto id = id_value.get<std::size_t>();
    if (id >= tokens.size()) tokens.resize(id + 1);
    if (!tokens[id].empty()) fail_in_file(file, fmt::format("id {} is used by \"{}\" and \"{}\"", id, tokens[id], token));
    tokens[id] = token;
  }
  return tokens;
}

void read_merges(const fs::path& file, BpeModel& model) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail_in_file(file, "cannot open the file");
  std::string line;
  for (std::uint32_t line_number = 1; std::getline(in, line); ++line_number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_number == 1 && line.starts_with("#version"))) continue;
    const auto space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
      throw Error(Location{file.string(), line_number}, fmt::format("\"{}\" is not two tokens separated by a space", line));
    }
    try {
      model.add_merge(std::string_view(line).substr(0, space), std::string_view(line).substr(space + 1));
    } catch (const std::invalid_argument& e) {
      throw Error(Location{file.string(), line_number}, e.what());
    }
  }
}

}  // namespace

bool vocab_merges_split_as_gpt2(const TokenizerConfig& config) {
  return config.tokenizer_class.starts_with("GPT2Tokenizer");
}

std::shared_ptr<const Tokenizer> load_bpe_vocab_merges(const fs::path& dir, const TokenizerConfig& config) {
  const fs::path vocab_file = dir / "vocab.json";
  std::unique_ptr<BpeModel> model;
  try {
    model = std::make_unique<BpeModel>(read_vocab(vocab_file), BpeOptions{});
  } catch (const std::invalid_argument& e) {
    fail_in_file(vocab_file, e.what());
  }
  read_merges(dir / "merges.txt", *model);

  BpePipeline pipeline;
  const bool gpt2 = vocab_merges_split_as_gpt2(config);
  if (!gpt2) pipeline.normalizer.add(unicode_form_step(NormalizationForm::NFC));
  pipeline.pre_tokenizer.add(
      pattern_split_step(SplitRegex(gpt2 ? kGpt2SplitPattern : kQwen2SplitPattern, false), SplitBehavior::Isolated, false));
  pipeline.decoder.add(byte_level_decoder());
  pipeline.clean_up_tokenization_spaces = config.clean_up_tokenization_spaces;

  AddedVocabulary added;
  const BpeModel& model_ref = *model;
  SpecialTokens special = register_tokens(
      config, {}, [&](std::string_view t) { return model_ref.token_to_id(t); }, model->id_limit(), added, vocab_file);
  special.add_bos = config.add_bos.value_or(false) && special.bos;
  special.add_eos = config.add_eos.value_or(false) && special.eos;
  if (special.add_bos) pipeline.prefix_ids.push_back(*special.bos);
  if (special.add_eos) pipeline.suffix_ids.push_back(*special.eos);
  return std::make_shared<BpeTokenizer>(std::move(pipeline), std::move(model), std::move(added), special,
                                        vocab_file);
}

}  // namespace tp
