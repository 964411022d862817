#include "tokenizer/bpe_loaders.hpp"
#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/json_file.hpp"
#include "tokenizer/special_token_setup.hpp"
#include "tokenizer/tokenizer_json_parts.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace tp {

namespace {

constexpr std::size_t kMaxVocabHoles = 65536;

namespace fs = std::filesystem;
using nlohmann::json;

std::string type_of(const json& node) {
  if (!node.is_object()) return {};
  const auto it = node.find("type");
  return it != node.end() && it->is_string() ? it->get<std::string>() : std::string{};
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

class TokenizerJsonReader {
 public:
  TokenizerJsonReader(const fs::path& file, const json& root) : file_(file), root_(root) {}

  std::shared_ptr<const Tokenizer> read(TokenizerConfig config) {
    if (!root_.is_object()) fail("expected a JSON object at the top level");
    const JsonNode root(file_, root_, "");
    if (const std::string type = root["model"].type(); type != "BPE") root["model"].unsupported_type(type, "BPE");
    BpePipeline pipeline;
    pipeline.normalizer = read_normalizer(root["normalizer"]);
    PreTokenizerSetup pre_tokenizer = read_pre_tokenizer(root["pre_tokenizer"]);
    pipeline.pre_tokenizer = std::move(pre_tokenizer.chain);
    pipeline.decoder = read_decoder(root["decoder"]);
    pipeline.clean_up_tokenization_spaces = config.clean_up_tokenization_spaces;
    auto model = read_model(root["model"], pre_tokenizer.byte_level);
    read_added_tokens(config);
    AddedVocabulary added;
    const BpeModel& model_ref = *model;
    SpecialTokens special = register_tokens(
        config, {}, [&](std::string_view t) { return model_ref.token_to_id(t); }, model->id_limit(), added, file_);
    apply_post_processor(read_post_processor(root["post_processor"]), config, special, pipeline);
    return std::make_shared<BpeTokenizer>(std::move(pipeline), std::move(model), std::move(added), special, file_);
  }

 private:
  // The tokens the post-processor puts around the text are what encode(text, true)
  // adds; a single one on a side is the BOS/EOS. tokenizer_config.json's
  // add_bos_token/add_eos_token win, as transformers' tokenizer classes rebuild the template from them.
  void apply_post_processor(PostProcessorTokens tokens, const TokenizerConfig& config, SpecialTokens& special,
                            BpePipeline& pipeline) const {
    const auto adopt = [&](const std::vector<std::int32_t>& side, std::optional<std::int32_t>& slot, const char* what,
                           const char* name) {
      if (side.size() != 1) return;
      if (slot && *slot != side[0]) {
        fail(fmt::format("post_processor {} token {} but {} is token {}", what, side[0], name, *slot));
      }
      slot = side[0];
    };
    adopt(tokens.prefix, special.bos, "prepends", "bos_token");
    adopt(tokens.suffix, special.eos, "appends", "eos_token");
    const auto configured = [](std::optional<bool> flag, const std::optional<std::int32_t>& token,
                               std::vector<std::int32_t>& side) {
      if (!flag) return;
      side.clear();
      if (*flag && token) side.push_back(*token);
    };
    configured(config.add_bos, special.bos, tokens.prefix);
    configured(config.add_eos, special.eos, tokens.suffix);
    special.add_bos = special.bos && tokens.prefix == std::vector<std::int32_t>{*special.bos};
    special.add_eos = special.eos && tokens.suffix == std::vector<std::int32_t>{*special.eos};
    pipeline.prefix_ids = std::move(tokens.prefix);
    pipeline.suffix_ids = std::move(tokens.suffix);
  }

  [[noreturn]] void fail(const std::string& message) const { fail_in_file(file_, message); }

  std::unique_ptr<BpeModel> read_model(const JsonNode& node, bool byte_level) const {
    const json& model = node.value();
    if (const json& dropout = member(model, "dropout"); !dropout.is_null() && !(dropout.is_number() && dropout.get<double>() == 0.0)) {
      node["dropout"].fail("BPE dropout is not supported (only null or 0)");
    }
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
      if (!empty_or_null_string(model, key)) node[key].fail("is not supported (only null or empty)");
    }
    BpeOptions options;
    options.byte_level = byte_level;
    options.ignore_merges = node.bool_at("ignore_merges", false);
    options.byte_fallback = node.bool_at("byte_fallback", false);
    options.fuse_unk = node.bool_at("fuse_unk", false);
    options.unk_token = node.optional_string_at("unk_token");
    const json& vocab = member(model, "vocab");
    if (!vocab.is_object()) fail("model.vocab must be an object of token -> id");
    std::vector<std::string> tokens;
    for (const auto& [token, id_value] : vocab.items()) {
      if (!id_value.is_number_integer() || id_value.get<long long>() < 0 || id_value.get<long long>() > INT32_MAX) {
        fail(fmt::format("model.vocab: the id of \"{}\" is not a valid token id: {}", token, id_value.dump()));
      }
      const auto id = id_value.get<std::size_t>();
      // Ids index a dense table: a few holes are fine, an id far past the entries would allocate for nothing.
      if (id >= vocab.size() + kMaxVocabHoles)
        fail(fmt::format("model.vocab: the id of \"{}\" is {}, far past the vocabulary's {} entries (ids must stay "
                         "below the entry count + {})",
                         token, id, vocab.size(), kMaxVocabHoles));
      if (id >= tokens.size()) tokens.resize(id + 1);
      if (!tokens[id].empty()) fail(fmt::format("model.vocab: id {} is used by \"{}\" and \"{}\"", id, tokens[id], token));
      tokens[id] = token;
    }
    std::unique_ptr<BpeModel> bpe;
    try {
      bpe = std::make_unique<BpeModel>(std::move(tokens), std::move(options));
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
      token.content = entry["content"].get<std::string>();
      if (const auto id = entry["id"].get<long long>(); id < 0 || id > INT32_MAX)
        fail(fmt::format("added_tokens: the id of \"{}\" is not a valid token id: {}", token.content, id));
      token.id = entry["id"].get<std::int32_t>();
      token.special = flag(entry, "special", false);
      token.single_word = flag(entry, "single_word", false);
      token.lstrip = flag(entry, "lstrip", false);
      token.rstrip = flag(entry, "rstrip", false);
      token.normalized = flag(entry, "normalized", !token.special);
      config.added_tokens.push_back(std::move(token));
    }
  }

  const fs::path& file_;
  const json& root_;
};

}  // namespace

bool is_bpe_tokenizer_json(const json& root) { return type_of(member(root, "model")) == "BPE"; }

std::shared_ptr<const Tokenizer> load_bpe_tokenizer_json(const fs::path& file, const json& root,
                                                         const TokenizerConfig& config) {
  try {
    return TokenizerJsonReader(file, root).read(config);
  } catch (const json::exception& e) {
    fail_in_file(file, fmt::format("unexpected JSON value: {}", e.what()));
  }
}

}  // namespace tp
