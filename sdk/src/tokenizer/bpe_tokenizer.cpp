#include "tokenizer/bpe_tokenizer.hpp"

#include "tokenizer/text_checks.hpp"

#include <algorithm>

namespace tp {

namespace {

// Reused buffers: encode() is const and may run on several threads at once.
struct EncodeScratch {
  std::vector<TextSegment> raw_segments, normalized_segments;
  std::string normalized;
  std::vector<PreToken> pieces, next_pieces;
  PieceArena arena;
};

EncodeScratch& encode_scratch() {
  thread_local EncodeScratch scratch;
  return scratch;
}

}  // namespace

BpeTokenizer::BpeTokenizer(BpePipeline pipeline, std::unique_ptr<BpeModel> model, AddedVocabulary added,
                           SpecialTokens special, std::filesystem::path source)
    : pipeline_(std::move(pipeline)),
      model_(std::move(model)),
      added_(std::move(added)),
      special_(special),
      source_(std::move(source)) {
  added_.build([this](std::string_view content) {
    std::string normalized;
    return pipeline_.normalizer.apply(content, normalized) ? normalized : std::string(content);
  });
  vocab_size_ = model_->size();
  for (const AddedToken& token : added_.tokens()) {
    if (model_->id_to_token(token.id) == nullptr) ++vocab_size_;
  }
}

std::vector<std::int32_t> BpeTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  require_valid_utf8(text);
  std::vector<std::int32_t> ids;
  ids.reserve(text.size() / 2 + 2);
  if (add_special_tokens) ids.insert(ids.end(), pipeline_.prefix_ids.begin(), pipeline_.prefix_ids.end());
  auto& segments = encode_scratch().raw_segments;
  segments.clear();
  added_.split(text, /*normalized=*/false, segments);
  // encode_text reuses the other buffers, never this one.
  for (const TextSegment& segment : segments) {
    if (segment.is_token()) {
      ids.push_back(segment.token);
    } else {
      encode_text(segment.text, segment.text.data() == text.data(), ids);
    }
  }
  if (add_special_tokens) ids.insert(ids.end(), pipeline_.suffix_ids.begin(), pipeline_.suffix_ids.end());
  return ids;
}

void BpeTokenizer::encode_text(std::string_view text, bool at_origin, std::vector<std::int32_t>& ids) const {
  auto& scratch = encode_scratch();
  if (pipeline_.normalizer.apply(text, scratch.normalized)) text = scratch.normalized;
  if (!added_.has_normalized_tokens()) {
    encode_words(text, at_origin, ids);
    return;
  }
  auto& segments = scratch.normalized_segments;
  segments.clear();
  added_.split(text, /*normalized=*/true, segments);
  for (const TextSegment& segment : segments) {
    if (segment.is_token()) {
      ids.push_back(segment.token);
    } else {
      encode_words(segment.text, at_origin && segment.text.data() == text.data(), ids);
    }
  }
}

void BpeTokenizer::encode_words(std::string_view text, bool at_origin, std::vector<std::int32_t>& ids) const {
  auto& scratch = encode_scratch();
  scratch.arena.clear();
  auto& pieces = scratch.pieces;
  pieces.assign(1, PreToken{text, at_origin});
  pipeline_.pre_tokenizer.apply(pieces, scratch.next_pieces, scratch.arena);
  for (const PreToken& word : pieces) model_->encode_word(word.text, ids);
}

std::string BpeTokenizer::decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const std::int32_t id : ids) {
    if (const AddedToken* added = added_.find(id)) {
      if (!(skip_special_tokens && added->special)) tokens.push_back(*added_.shown_text(id));
    } else if (const std::string* token = model_->id_to_token(id)) {
      tokens.push_back(*token);
    } else {
      fail_unknown_id(id, vocab_size_);
    }
  }
  std::string text = pipeline_.decoder.decode(std::move(tokens));
  if (pipeline_.clean_up_tokenization_spaces) clean_up_tokenization_spaces(text);
  return text;
}

std::optional<std::int32_t> BpeTokenizer::token_to_id(std::string_view token) const {
  if (const AddedToken* added = added_.find(token)) return added->id;
  return model_->token_to_id(token);
}

std::string BpeTokenizer::id_to_token(std::int32_t id) const {
  if (const std::string* added = added_.shown_text(id)) return *added;
  if (const std::string* token = model_->id_to_token(id)) return *token;
  fail_unknown_id(id, vocab_size_);
}

std::int32_t BpeTokenizer::highest_id() const {
  auto highest = static_cast<std::int32_t>(model_->id_limit()) - 1;
  for (const AddedToken& token : added_.tokens()) highest = std::max(highest, token.id);
  return highest;
}

bool BpeTokenizer::is_special(std::int32_t id) const {
  const AddedToken* added = added_.find(id);
  return added != nullptr && added->special;
}

}  // namespace tp
