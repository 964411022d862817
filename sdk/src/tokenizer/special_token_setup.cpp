#include "tokenizer/special_token_setup.hpp"

#include <algorithm>

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

}  // namespace

SpecialTokens register_tokens(const TokenizerConfig& config, const SpecialTokenDefaults& defaults,
                              const std::function<std::optional<std::int32_t>(std::string_view)>& model_id,
                              std::size_t model_id_limit, AddedVocabulary& added) {
  Registrar registrar(model_id, model_id_limit, added);
  for (const AddedToken& token : config.added_tokens) registrar.add_with_id(token);
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
