#include "tokenizer/added_tokens.hpp"

#include "tokenizer/char_classes.hpp"
#include "tokenizer/utf8.hpp"

#include <algorithm>
#include <stdexcept>

namespace tp {

namespace {

char32_t last_code_point(std::string_view text) {
  std::size_t start = text.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return utf8::next_code_point(text, start);
}

char32_t first_code_point(std::string_view text) {
  std::size_t pos = 0;
  return utf8::next_code_point(text, pos);
}

// Start of the whitespace run that ends at `end`.
std::size_t whitespace_start_before(std::string_view text, std::size_t end) {
  while (end > 0) {
    std::size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    std::size_t pos = start;
    if (!utf8::is_white_space(utf8::next_code_point(text, pos))) break;
    end = start;
  }
  return end;
}

std::size_t whitespace_end_after(std::string_view text, std::size_t start) {
  while (start < text.size()) {
    std::size_t pos = start;
    if (!utf8::is_white_space(utf8::next_code_point(text, pos))) break;
    start = pos;
  }
  return start;
}

}  // namespace

void AddedVocabulary::add(AddedToken token) {
  if (token.content.empty()) return;
  if (const auto it = index_by_id_.find(token.id); it != index_by_id_.end()) {
    index_by_content_.erase(tokens_[it->second].content);
    index_by_content_[token.content] = it->second;
    tokens_[it->second] = std::move(token);
  } else if (const auto it2 = index_by_content_.find(token.content); it2 != index_by_content_.end()) {
    index_by_id_.erase(tokens_[it2->second].id);
    index_by_id_[token.id] = it2->second;
    tokens_[it2->second] = std::move(token);
  } else {
    index_by_id_[token.id] = tokens_.size();
    index_by_content_[token.content] = tokens_.size();
    tokens_.push_back(std::move(token));
  }
  built_ = false;
}

void AddedVocabulary::build(const ContentNormalizer& normalize_content) {
  raw_ = Matcher{};
  normalized_ = Matcher{};
  has_normalized_ = false;
  match_texts_.clear();
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const bool normalized = tokens_[i].normalized;
    has_normalized_ = has_normalized_ || normalized;
    match_texts_.push_back(normalized && normalize_content ? normalize_content(tokens_[i].content) : tokens_[i].content);
    if (match_texts_.back().empty()) continue;
    Matcher& matcher = normalized ? normalized_ : raw_;
    matcher.by_first_byte[static_cast<unsigned char>(match_texts_.back()[0])].push_back(i);
  }
  for (Matcher* matcher : {&raw_, &normalized_}) {
    for (auto& candidates : matcher->by_first_byte) {
      std::stable_sort(candidates.begin(), candidates.end(), [this](std::size_t a, std::size_t b) {
        return match_texts_[a].size() > match_texts_[b].size();
      });
    }
  }
  built_ = true;
}

const AddedToken* AddedVocabulary::find(std::int32_t id) const {
  const auto it = index_by_id_.find(id);
  return it == index_by_id_.end() ? nullptr : &tokens_[it->second];
}

const std::string* AddedVocabulary::shown_text(std::int32_t id) const {
  const auto it = index_by_id_.find(id);
  if (it == index_by_id_.end()) return nullptr;
  return it->second < match_texts_.size() ? &match_texts_[it->second] : &tokens_[it->second].content;
}

const AddedToken* AddedVocabulary::find(std::string_view content) const {
  const auto it = index_by_content_.find(std::string(content));
  return it == index_by_content_.end() ? nullptr : &tokens_[it->second];
}

std::optional<std::size_t> AddedVocabulary::longest_match_at(const Matcher& matcher, std::string_view text,
                                                             std::size_t pos) const {
  for (std::size_t index : matcher.by_first_byte[static_cast<unsigned char>(text[pos])]) {
    if (text.substr(pos).starts_with(match_texts_[index])) return index;
  }
  return std::nullopt;
}

void AddedVocabulary::split(std::string_view text, bool normalized, std::vector<TextSegment>& out) const {
  if (!built_) throw std::logic_error("AddedVocabulary::split before build()");
  const Matcher& matcher = normalized ? normalized_ : raw_;
  std::size_t segment_start = 0;  // end of the previous token match
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto index = longest_match_at(matcher, text, pos);
    if (!index) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[*index];
    std::size_t start = pos, stop = pos + match_texts_[*index].size();
    pos = stop;  // a discarded match still consumes its text, as Aho-Corasick iteration does
    if (token.single_word) {
      const bool word_before = start > 0 && char_classes::is_word(last_code_point(text.substr(0, start)));
      const bool word_after = stop < text.size() && char_classes::is_word(first_code_point(text.substr(stop)));
      if (word_before || word_after) continue;
    }
    if (token.lstrip) start = std::max(whitespace_start_before(text, start), segment_start);
    if (token.rstrip) stop = whitespace_end_after(text, stop);
    if (start > segment_start) out.push_back({text.substr(segment_start, start - segment_start), -1});
    out.push_back({text.substr(start, stop - start), token.id});
    segment_start = pos = stop;
  }
  if (segment_start < text.size()) out.push_back({text.substr(segment_start), -1});
}

}  // namespace tp
