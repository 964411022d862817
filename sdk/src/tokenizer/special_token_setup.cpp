#include "tokenizer/special_token_setup.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tunepipe/error.hpp"

namespace tp {

namespace {

class Registrar {
 public:
  Registrar(const std::function<std::optional<std::int32_t>(std::string_view)>& model_id, std::size_t model_id_limit,
            AddedVocabulary& added)
      : model_id_(model_id), next_free_(static_cast<std::int32_t>(model_id_limit)), added_(added) {}

  void add_with_id(const AddedToken& token) {
    next_free_ = std::max(next_free_, token.id + 1);
    added_.add(token);
  }

  bool knows(std::string_view content) const {
    return added_.find(content) != nullptr || model_id_(content).has_value();
  }

  // The id of a special token, registering it as an added token when needed.
  std::int32_t add_special(AddedToken token) {
    if (const AddedToken* existing = added_.find(token.content)) return existing->id;
    const auto id = model_id_(token.content);
    token.id = id ? *id : next_free_++;
    token.special = true;
    added_.add(token);
    return token.id;
  }

 private:
  const std::function<std::optional<std::int32_t>(std::string_view)>& model_id_;
  std::int32_t next_free_;
  AddedVocabulary& added_;
};

std::optional<AddedToken> configured(const SpecialTokenSetting& setting, const std::optional<std::string>& fallback) {
  if (setting.given) return setting.token;
  if (!fallback) return std::nullopt;
  AddedToken token;
  token.content = *fallback;
  token.special = true;
  return token;
}

[[noreturn]] void fail_unknown_eos(const SpecialTokenSetting& setting, const std::string& content,
                                   const std::filesystem::path& vocabulary) {
  if (setting.file.empty())
    throw Error(Location{vocabulary.string()},
                fmt::format("the eos_token option \"{}\" is not a token of this tokenizer (neither in its vocabulary "
                            "nor an added token)",
                            content));
  throw Error(Location{setting.file.string()},
              fmt::format("\"eos_token\": \"{}\" is not a token of the tokenizer ({} has no such token in its "
                          "vocabulary nor an added token)",
                          content, vocabulary.filename().string()));
}

}  // namespace

SpecialTokens register_tokens(const TokenizerConfig& config, const SpecialTokenDefaults& defaults,
                              const std::function<std::optional<std::int32_t>(std::string_view)>& model_id,
                              std::size_t model_id_limit, AddedVocabulary& added,
                              const std::filesystem::path& vocabulary) {
  Registrar registrar(model_id, model_id_limit, added);
  for (const AddedToken& token : config.added_tokens) registrar.add_with_id(token);
  if (const auto eos = configured(config.eos, defaults.eos); eos && !registrar.knows(eos->content)) {
    const auto& extra = config.additional_special;  // tokens added on purpose, as add_tokens(...) does
    if (std::none_of(extra.begin(), extra.end(), [&](const AddedToken& t) { return t.content == eos->content; }))
      fail_unknown_eos(config.eos, eos->content, vocabulary);
  }
  SpecialTokens special;
  const auto resolve = [&](const SpecialTokenSetting& setting, const std::optional<std::string>& fallback,
                           std::optional<std::int32_t>& id) {
    if (auto token = configured(setting, fallback)) id = registrar.add_special(std::move(*token));
  };
  resolve(config.bos, defaults.bos, special.bos);
  resolve(config.eos, defaults.eos, special.eos);
  resolve(config.unk, defaults.unk, special.unk);
  resolve(config.pad, defaults.pad, special.pad);
  for (const AddedToken& token : config.additional_special) registrar.add_special(token);
  added.build();
  return special;
}

}  // namespace tp
