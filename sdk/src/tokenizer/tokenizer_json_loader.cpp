#include "tokenizer/bpe_loaders.hpp"
#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/json_file.hpp"
#include "tokenizer/special_token_setup.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace tp {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string type_of(const json& node) {
  if (!node.is_object()) return {};
  const auto it = node.find("type");
  return it != node.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// The steps of a component that may be a "Sequence" of steps.
std::vector<const json*> steps_of(const json& node, const char* list_key) {
  std::vector<const json*> steps;
  if (node.is_null()) return steps;
  if (type_of(node) == "Sequence" && node.contains(list_key) && node[list_key].is_array()) {
    for (const auto& step : node[list_key]) steps.push_back(&step);
  } else {
    steps.push_back(&node);
  }
  return steps;
}

bool contains_byte_level(const json& node, const char* list_key) {
  for (const json* step : steps_of(node, list_key)) {
    if (type_of(*step) == "ByteLevel") return true;
  }
  return false;
}

// The member `key` of `object`, or null; never a copy (the vocabulary is large).
const json& member(const json& object, const char* key) {
  static const json null_value;
  if (!object.is_object()) return null_value;
  const auto it = object.find(key);
  return it == object.end() ? null_value : *it;
}

bool flag(const json& object, const char* key, bool fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

bool empty_or_null_string(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty());
}

struct TemplateTokens {
  std::optional<std::int32_t> before, after;
};

class TokenizerJsonReader {
 public:
  TokenizerJsonReader(const fs::path& file, const json& root) : file_(file), root_(root) {}

  std::shared_ptr<const Tokenizer> read(TokenizerConfig config) {
    if (!root_.is_object()) fail("expected a JSON object at the top level");
    if (const std::string type = type_of(member(root_, "model")); type != "BPE") {
      unsupported(fmt::format("model type \"{}\" (only BPE is supported)", type));
    }
    BpePipeline pipeline;
    pipeline.normalization = read_normalizer(member(root_, "normalizer"));
    read_pre_tokenizer(member(root_, "pre_tokenizer"), pipeline);
    check_decoder(member(root_, "decoder"));
    pipeline.clean_up_tokenization_spaces = config.clean_up_tokenization_spaces;
    auto model = read_model();
    read_added_tokens(config);
    AddedVocabulary added;
    const BpeModel& model_ref = *model;
    SpecialTokens special = register_tokens(
        config, {}, [&](std::string_view t) { return model_ref.token_to_id(t); }, model->id_limit(), added);
    apply_post_processor(config, special);
    return std::make_shared<BpeTokenizer>(std::move(pipeline), std::move(model), std::move(added), special);
  }

 private:
  // The tokens the post-processor template puts around the text are the BOS/EOS
  // that encode(text, true) adds; tokenizer_config.json's add_*_token flags win.
  void apply_post_processor(const TokenizerConfig& config, SpecialTokens& special) const {
    const TemplateTokens tokens = read_post_processor(member(root_, "post_processor"));
    const auto adopt = [&](const std::optional<std::int32_t>& token, std::optional<std::int32_t>& slot,
                           const char* what, const char* name) {
      if (!token) return;
      if (slot && *slot != *token) {
        fail(fmt::format("post_processor {} token {} but {} is token {}", what, *token, name, *slot));
      }
      slot = token;
    };
    adopt(tokens.before, special.bos, "prepends", "bos_token");
    adopt(tokens.after, special.eos, "appends", "eos_token");
    special.add_bos = config.add_bos.value_or(tokens.before.has_value());
    special.add_eos = config.add_eos.value_or(tokens.after.has_value());
  }

  [[noreturn]] void fail(const std::string& message) const { fail_in_file(file_, message); }
  [[noreturn]] void unsupported(const std::string& feature) const {
    fail(fmt::format("unsupported tokenizer feature: {}", feature));
  }

  NormalizationForm read_normalizer(const json& node) const {
    NormalizationForm form = NormalizationForm::None;
    for (const json* step : steps_of(node, "normalizers")) {
      const std::string type = type_of(*step);
      NormalizationForm step_form;
      if (type == "NFC") step_form = NormalizationForm::NFC;
      else if (type == "NFD") step_form = NormalizationForm::NFD;
      else if (type == "NFKC") step_form = NormalizationForm::NFKC;
      else if (type == "NFKD") step_form = NormalizationForm::NFKD;
      else unsupported(fmt::format("normalizer \"{}\"", type.empty() ? step->dump() : type));
      if (form != NormalizationForm::None && form != step_form) unsupported("several Unicode normalizers in sequence");
      form = step_form;
    }
    return form;
  }

  void read_pre_tokenizer(const json& node, BpePipeline& pipeline) const {
    bool byte_level = false;
    for (const json* step : steps_of(node, "pretokenizers")) {
      const std::string type = type_of(*step);
      if (type == "Split") {
        read_split(*step, pipeline);
      } else if (type == "ByteLevel") {
        byte_level = true;
        if (flag(*step, "add_prefix_space", false)) {
          if (!pipeline.splits.empty()) unsupported("ByteLevel pre-tokenizer with add_prefix_space after a Split");
          pipeline.add_prefix_space = true;
        }
        if (flag(*step, "use_regex", true)) pipeline.splits.emplace_back(kGpt2SplitPattern, false);
      } else {
        unsupported(fmt::format("pre_tokenizer \"{}\"", type.empty() ? step->dump() : type));
      }
    }
    if (!byte_level) unsupported("BPE without a ByteLevel pre_tokenizer (only byte-level BPE is supported)");
  }

  void read_split(const json& step, BpePipeline& pipeline) const {
    const std::string behavior = step.value("behavior", "");
    if (behavior != "Isolated") unsupported(fmt::format("Split pre_tokenizer with behavior \"{}\"", behavior));
    if (flag(step, "invert", false)) unsupported("Split pre_tokenizer with invert = true");
    const json pattern = step.value("pattern", json());
    const bool literal = pattern.contains("String") && pattern["String"].is_string();
    if (!literal && !(pattern.contains("Regex") && pattern["Regex"].is_string())) {
      fail(fmt::format("Split pre_tokenizer pattern must be {{\"Regex\": ...}} or {{\"String\": ...}}, not {}",
                       pattern.dump()));
    }
    const std::string text = pattern[literal ? "String" : "Regex"].get<std::string>();
    try {
      pipeline.splits.emplace_back(text, literal);
    } catch (const std::invalid_argument& e) {
      fail(fmt::format("Split pre_tokenizer pattern \"{}\": {}", text, e.what()));
    }
  }

  void check_decoder(const json& node) const {
    for (const json* step : steps_of(node, "decoders")) {
      if (const std::string type = type_of(*step); type != "ByteLevel") {
        unsupported(fmt::format("decoder \"{}\"", type.empty() ? step->dump() : type));
      }
    }
    if (!contains_byte_level(node, "decoders")) unsupported("BPE without a ByteLevel decoder");
  }

  std::unique_ptr<BpeModel> read_model() const {
    const json& model = member(root_, "model");
    if (const json& dropout = member(model, "dropout"); !dropout.is_null() && !(dropout.is_number() && dropout.get<double>() == 0.0)) {
      unsupported("BPE dropout");
    }
    if (!empty_or_null_string(model, "continuing_subword_prefix")) unsupported("BPE continuing_subword_prefix");
    if (!empty_or_null_string(model, "end_of_word_suffix")) unsupported("BPE end_of_word_suffix");
    const json& vocab = member(model, "vocab");
    if (!vocab.is_object()) fail("model.vocab must be an object of token -> id");
    std::vector<std::string> tokens;
    for (const auto& [token, id_value] : vocab.items()) {
      if (!id_value.is_number_integer() || id_value.get<long long>() < 0 || id_value.get<long long>() > INT32_MAX) {
        fail(fmt::format("model.vocab: the id of \"{}\" is not a valid token id: {}", token, id_value.dump()));
      }
      const auto id = id_value.get<std::size_t>();
      if (id >= tokens.size()) tokens.resize(id + 1);
      if (!tokens[id].empty()) fail(fmt::format("model.vocab: id {} is used by \"{}\" and \"{}\"", id, tokens[id], token));
      tokens[id] = token;
    }
    std::unique_ptr<BpeModel> bpe;
    try {
      bpe = std::make_unique<BpeModel>(std::move(tokens), flag(model, "ignore_merges", false));
    } catch (const std::invalid_argument& e) {
      fail(fmt::format("model: {}", e.what()));
    }
    read_merges(model, *bpe);
    return bpe;
  }

  void read_merges(const json& model, BpeModel& bpe) const {
    const json& merges = member(model, "merges");
    if (!merges.is_array()) fail("model.merges must be an array");
    bpe.reserve_merges(merges.size());
    std::size_t index = 0;
    for (const auto& merge : merges) {
      std::string left, right;
      if (merge.is_string()) {
        const auto text = merge.get<std::string>();
        const auto space = text.find(' ');
        if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
          fail(fmt::format("model.merges[{}]: \"{}\" is not two tokens separated by a space", index, text));
        }
        left = text.substr(0, space);
        right = text.substr(space + 1);
      } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
        left = merge[0].get<std::string>();
        right = merge[1].get<std::string>();
      } else {
        fail(fmt::format("model.merges[{}]: expected \"a b\" or [\"a\", \"b\"], not {}", index, merge.dump()));
      }
      try {
        bpe.add_merge(left, right);
      } catch (const std::invalid_argument& e) {
        fail(fmt::format("model.merges[{}]: {}", index, e.what()));
      }
      ++index;
    }
  }

  void read_added_tokens(TokenizerConfig& config) const {
    const json& list = member(root_, "added_tokens");
    if (list.is_null()) return;
    if (!list.is_array()) fail("added_tokens must be an array");
    for (const auto& entry : list) {
      if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_number_integer() ||
          !entry.contains("content") || !entry["content"].is_string()) {
        fail(fmt::format("added_tokens: each entry needs an integer \"id\" and a string \"content\", not {}",
                         entry.dump()));
      }
      AddedToken token;
      token.id = entry["id"].get<std::int32_t>();
      token.content = entry["content"].get<std::string>();
      token.special = flag(entry, "special", false);
      token.single_word = flag(entry, "single_word", false);
      token.lstrip = flag(entry, "lstrip", false);
      token.rstrip = flag(entry, "rstrip", false);
      token.normalized = flag(entry, "normalized", !token.special);
      config.added_tokens.push_back(std::move(token));
    }
  }

  std::optional<std::int32_t> template_token_id(const json& processor, const std::string& name) const {
    const json& map = member(processor, "special_tokens");
    if (!map.is_object()) fail("post_processor: TemplateProcessing needs a \"special_tokens\" object");
    const auto it = map.find(name);
    if (it == map.end() || !it->contains("ids") || !(*it)["ids"].is_array() || (*it)["ids"].size() != 1) {
      fail(fmt::format("post_processor: special token \"{}\" needs exactly one id in \"special_tokens\"", name));
    }
    return (*it)["ids"][0].get<std::int32_t>();
  }

  TemplateTokens read_post_processor(const json& node) const {
    TemplateTokens tokens;
    for (const json* step : steps_of(node, "processors")) {
      const std::string type = type_of(*step);
      if (type == "ByteLevel") continue;
      if (type != "TemplateProcessing") unsupported(fmt::format("post_processor \"{}\"", type));
      bool sequence_seen = false;
      for (const auto& item : step->value("single", json::array())) {
        if (item.contains("Sequence")) {
          sequence_seen = true;
        } else if (item.contains("SpecialToken")) {
          const auto id = template_token_id(*step, item["SpecialToken"].value("id", ""));
          auto& slot = sequence_seen ? tokens.after : tokens.before;
          if (slot) unsupported("post_processor template with more than one token on a side of the text");
          slot = id;
        } else {
          fail(fmt::format("post_processor: unexpected template item {}", item.dump()));
        }
      }
    }
    return tokens;
  }

  const fs::path& file_;
  const json& root_;
};

}  // namespace

bool is_byte_level_bpe(const json& root) {
  if (!root.is_object()) return false;
  return type_of(member(root, "model")) == "BPE" && contains_byte_level(member(root, "pre_tokenizer"), "pretokenizers");
}

std::shared_ptr<const Tokenizer> load_bpe_tokenizer_json(const fs::path& file, const json& root,
                                                         const TokenizerConfig& config) {
  try {
    return TokenizerJsonReader(file, root).read(config);
  } catch (const json::exception& e) {
    fail_in_file(file, fmt::format("unexpected JSON value: {}", e.what()));
  }
}

}  // namespace tp
