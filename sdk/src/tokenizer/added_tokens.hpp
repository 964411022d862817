#pragma once
// Added tokens (special or not) are cut out of the text before the model sees
// it, as HF's AddedVocabulary does: leftmost-longest matching, first the tokens
// that match the raw text, then, in each normalised piece, the `normalized` ones.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tp {

struct AddedToken {
  std::string content;
  std::int32_t id = -1;
  bool special = false;
  bool single_word = false;  // only match when not inside a word
  bool lstrip = false;       // also swallow the whitespace on its left
  bool rstrip = false;       // also swallow the whitespace on its right
  bool normalized = false;   // match against the normalised text
};

// A piece of text: either an added token (id >= 0) or text for the model.
struct TextSegment {
  std::string_view text;
  std::int32_t token = -1;
  bool is_token() const { return token >= 0; }
};

class AddedVocabulary {
 public:
  // The text a `normalized` token is matched as: its content through the normalizers.
  using ContentNormalizer = std::function<std::string(std::string_view)>;

  // A later token with the same id or content replaces the earlier one.
  // Call build() after the last add() and before split().
  void add(AddedToken token);
  void build(const ContentNormalizer& normalize_content = {});

  // Splits `text` on the tokens whose `normalized` flag equals `normalized`;
  // text segments keep pointing into `text`.
  void split(std::string_view text, bool normalized, std::vector<TextSegment>& out) const;
  bool has_normalized_tokens() const { return has_normalized_; }

  const AddedToken* find(std::int32_t id) const;
  // What HF shows for the token (id_to_token, decode): the content, through
  // the normalizers for a `normalized` token. nullptr for other ids.
  const std::string* shown_text(std::int32_t id) const;
  const AddedToken* find(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Matcher {
    std::vector<std::size_t> by_first_byte[256];  // token indices, longest first
  };
  std::optional<std::size_t> longest_match_at(const Matcher& matcher, std::string_view text, std::size_t pos) const;

  std::vector<AddedToken> tokens_;
  std::vector<std::string> match_texts_;  // per token: what split() looks for
  std::unordered_map<std::int32_t, std::size_t> index_by_id_;
  std::unordered_map<std::string, std::size_t> index_by_content_;
  Matcher raw_, normalized_;
  bool has_normalized_ = false;
  bool built_ = true;
};

}  // namespace tp
