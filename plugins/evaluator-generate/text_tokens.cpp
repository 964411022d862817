#include "text_tokens.hpp"

#include <utf8proc.h>

namespace tp::evaluators {
namespace {

// The CJK blocks whose characters are words or syllables on their own: the
// ideograph ranges of BERT's BasicTokenizer (planes 2 and 3 hold ideographs
// only), plus kana and Hangul syllables.
bool is_cjk(utf8proc_int32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFF) || (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
         (cp >= 0xAC00 && cp <= 0xD7AF);
}

enum class CharClass { Separator, WordPart, Alone };

CharClass classify(utf8proc_int32_t cp) {
  if (is_cjk(cp)) return CharClass::Alone;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
      return CharClass::Separator;
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return CharClass::WordPart;
    default:
      return CharClass::Alone;
  }
}

}  // namespace

std::vector<std::string> overlap_tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string word;
  const auto end_word = [&] {
    if (!word.empty()) tokens.push_back(std::move(word));
    word.clear();
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    utf8proc_int32_t cp = 0;
    const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos);
    const utf8proc_ssize_t length = utf8proc_iterate(bytes, static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
    const std::size_t taken = length > 0 ? static_cast<std::size_t>(length) : 1;
    const std::string_view character = text.substr(pos, taken);
    pos += taken;
    const CharClass kind = length > 0 ? classify(cp) : CharClass::Alone;
    if (kind == CharClass::WordPart) {
      word += character;
      continue;
    }
    end_word();
    if (kind == CharClass::Alone) tokens.emplace_back(character);
  }
  end_word();
  return tokens;
}

}  // namespace tp::evaluators
