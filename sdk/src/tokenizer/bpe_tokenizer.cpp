#include "tokenizer/bpe_tokenizer.hpp"

#include "tokenizer/byte_level.hpp"
#include "tokenizer/text_checks.hpp"
#include "tokenizer/utf8.hpp"

namespace tp {

namespace {

// Reused buffers: encode() is const and may run on several threads at once.
struct EncodeScratch {
  std::vector<TextSegment> raw_segments, normalized_segments;
  std::string normalized, prefixed;
  std::vector<std::string_view> pieces, next_pieces;
};

EncodeScratch& encode_scratch() {
  thread_local EncodeScratch scratch;
  return scratch;
}

}  // namespace

BpeTokenizer::BpeTokenizer(BpePipeline pipeline, std::unique_ptr<BpeModel> model, AddedVocabulary added,
                           SpecialTokens special)
    : pipeline_(std::move(pipeline)), model_(std::move(model)), added_(std::move(added)), special_(special) {
  vocab_size_ = model_->size();
  for (const AddedToken& token : added_.tokens()) {
    if (model_->id_to_token(token.id) == nullptr) ++vocab_size_;
  }
}

std::vector<std::int32_t> BpeTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  require_valid_utf8(text);
  std::vector<std::int32_t> ids;
  ids.reserve(text.size() / 2 + 2);
  if (add_special_tokens && special_.add_bos && special_.bos) ids.push_back(*special_.bos);
  auto& segments = encode_scratch().raw_segments;
  segments.clear();
  added_.split(text, /*normalized=*/false, segments);
  // encode_text reuses the other buffers, never this one.
  for (const TextSegment& segment : segments) {
    if (segment.is_token()) {
      ids.push_back(segment.token);
    } else {
      encode_text(segment.text, ids);
    }
  }
  if (add_special_tokens && special_.add_eos && special_.eos) ids.push_back(*special_.eos);
  return ids;
}

void BpeTokenizer::encode_text(std::string_view text, std::vector<std::int32_t>& ids) const {
  auto& scratch = encode_scratch();
  if (normalize(pipeline_.normalization, text, scratch.normalized)) text = scratch.normalized;
  if (!added_.has_normalized_tokens()) {
    encode_words(text, ids);
    return;
  }
  auto& segments = scratch.normalized_segments;
  segments.clear();
  added_.split(text, /*normalized=*/true, segments);
  for (const TextSegment& segment : segments) {
    if (segment.is_token()) {
      ids.push_back(segment.token);
    } else {
      encode_words(segment.text, ids);
    }
  }
}

void BpeTokenizer::encode_words(std::string_view text, std::vector<std::int32_t>& ids) const {
  auto& scratch = encode_scratch();
  if (pipeline_.add_prefix_space && !text.starts_with(' ')) {
    scratch.prefixed.assign(1, ' ');
    scratch.prefixed.append(text);
    text = scratch.prefixed;
  }
  auto& pieces = scratch.pieces;
  pieces.assign(1, text);
  for (const SplitRegex& regex : pipeline_.splits) {
    auto& next = scratch.next_pieces;
    next.clear();
    for (std::string_view piece : pieces) regex.split(piece, next);
    pieces.swap(next);
  }
  for (std::string_view word : pieces) model_->encode_word(word, ids);
}

std::string BpeTokenizer::decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const {
  std::string bytes;
  bytes.reserve(ids.size() * 4);
  for (const std::int32_t id : ids) {
    if (const AddedToken* added = added_.find(id)) {
      if (skip_special_tokens && added->special) continue;
      // As HF's ByteLevel decoder: a token outside the byte alphabet is taken as is.
      if (!byte_level::decode(added->content, bytes)) bytes += added->content;
    } else if (const std::string* token = model_->id_to_token(id)) {
      if (!byte_level::decode(*token, bytes)) bytes += *token;
    } else {
      fail_unknown_id(id, vocab_size_);
    }
  }
  std::string text;
  text.reserve(bytes.size());
  utf8::append_lossy(text, bytes);
  if (pipeline_.clean_up_tokenization_spaces) clean_up_tokenization_spaces(text);
  return text;
}

std::optional<std::int32_t> BpeTokenizer::token_to_id(std::string_view token) const {
  if (const AddedToken* added = added_.find(token)) return added->id;
  return model_->token_to_id(token);
}

std::string BpeTokenizer::id_to_token(std::int32_t id) const {
  if (const AddedToken* added = added_.find(id)) return added->content;
  if (const std::string* token = model_->id_to_token(id)) return *token;
  fail_unknown_id(id, vocab_size_);
}

bool BpeTokenizer::is_special(std::int32_t id) const {
  const AddedToken* added = added_.find(id);
  return added != nullptr && added->special;
}

}  // namespace tp
