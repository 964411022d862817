#include "tokenizer/text_checks.hpp"

#include "tokenizer/utf8.hpp"
#include "tunepipe/error.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace tp {

void require_valid_utf8(std::string_view text) {
  if (const std::size_t at = utf8::find_invalid(text); at != std::string_view::npos) {
    throw Error(fmt::format("cannot tokenize text that is not valid UTF-8 (invalid byte 0x{:02X} at offset {})",
                            static_cast<unsigned char>(text[at]), at));
  }
}

void fail_unknown_id(std::int32_t id, std::size_t vocab_size) {
  throw Error(fmt::format("token id {} is outside the vocabulary (ids 0..{})", id, vocab_size - 1));
}

void clean_up_tokenization_spaces(std::string& text) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kReplacements{{
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  }};
  for (const auto& [from, to] : kReplacements) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    for (std::size_t hit; (hit = text.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
      out.append(text, pos, hit - pos).append(to);
    }
    out.append(text, pos);
    text = std::move(out);
  }
}

}  // namespace tp
