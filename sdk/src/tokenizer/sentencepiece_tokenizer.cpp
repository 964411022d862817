#include "tokenizer/sentencepiece_tokenizer.hpp"

#include "tokenizer/special_token_setup.hpp"
#include "tokenizer/spm_model_proto.hpp"
#include "tokenizer/text_checks.hpp"
#include "tokenizer/utf8.hpp"
#include "tunepipe/error.hpp"

#include <fmt/format.h>
#include <sentencepiece_processor.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace tp {

namespace {

namespace fs = std::filesystem;

std::string read_binary_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(Location{file.string()}, "cannot open the file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

std::unique_ptr<sentencepiece::SentencePieceProcessor> load_processor(const fs::path& file, std::string_view proto) {
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  if (const auto status = processor->LoadFromSerializedProto(proto); !status.ok()) {
    throw Error(Location{file.string()}, fmt::format("not a valid SentencePiece model: {}", status.ToString()));
  }
  return processor;
}

std::optional<std::string> piece_of(const sentencepiece::SentencePieceProcessor& sp, int id) {
  if (id < 0 || id >= sp.GetPieceSize()) return std::nullopt;
  return sp.IdToPiece(id);
}

// "<0x0A>" -> 0x0A
char byte_piece_value(const std::string& piece) {
  return static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16));
}

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const fs::path& model_file, const TokenizerConfig& config)
    : clean_up_tokenization_spaces_(config.clean_up_tokenization_spaces), source_(model_file) {
  const std::string proto = read_binary_file(model_file);
  at_start_ = load_processor(model_file, proto);
  try {
    adds_dummy_prefix_ = spm_proto::adds_dummy_prefix(proto);
  } catch (const std::runtime_error& e) {
    throw Error(Location{model_file.string()}, e.what());
  }
  if (adds_dummy_prefix_) inside_ = load_processor(model_file, spm_proto::without_dummy_prefix(proto));
  piece_count_ = static_cast<std::size_t>(at_start_->GetPieceSize());

  // Without a config, HF's LlamaTokenizer defaults: the model's own <s>, </s>,
  // <unk>; BOS added, EOS not. ERNIE's class adds neither.
  const bool ernie = config.tokenizer_class == "Ernie4_5_Tokenizer";
  prefix_every_segment_ = ernie;
  SpecialTokenDefaults defaults{piece_of(*at_start_, at_start_->bos_id()), piece_of(*at_start_, at_start_->eos_id()),
                                piece_of(*at_start_, at_start_->pad_id()), piece_of(*at_start_, at_start_->unk_id())};
  const auto model_id = [this](std::string_view piece) -> std::optional<std::int32_t> {
    const int id = at_start_->PieceToId(piece);
    if (at_start_->IsUnknown(id) && piece != at_start_->IdToPiece(id)) return std::nullopt;
    return id;
  };
  special_ = register_tokens(config, defaults, model_id, piece_count_, added_, model_file);
  special_.add_bos = config.add_bos.value_or(!ernie) && special_.bos.has_value();
  special_.add_eos = config.add_eos.value_or(false) && special_.eos.has_value();
  vocab_size_ = piece_count_;
  for (const AddedToken& token : added_.tokens()) {
    if (token.id < 0 || static_cast<std::size_t>(token.id) >= piece_count_) ++vocab_size_;
  }
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::int32_t SentencePieceTokenizer::highest_id() const {
  auto highest = static_cast<std::int32_t>(piece_count_) - 1;
  for (const AddedToken& token : added_.tokens()) highest = std::max(highest, token.id);
  return highest;
}

void SentencePieceTokenizer::encode_piece(std::string_view text, bool at_start, std::vector<std::int32_t>& ids) const {
  if (text.empty()) return;
  const auto& processor = at_start || !inside_ ? *at_start_ : *inside_;
  thread_local std::vector<int> piece_ids;
  piece_ids.clear();
  if (const auto status = processor.Encode(text, &piece_ids); !status.ok()) {
    throw Error(fmt::format("SentencePiece could not encode the text: {}", status.ToString()));
  }
  ids.insert(ids.end(), piece_ids.begin(), piece_ids.end());
}

std::vector<std::int32_t> SentencePieceTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  require_valid_utf8(text);
  std::vector<std::int32_t> ids;
  ids.reserve(text.size() / 2 + 2);
  if (add_special_tokens && special_.add_bos) ids.push_back(*special_.bos);
  thread_local std::vector<TextSegment> raw_segments, normalized_segments;
  raw_segments.clear();
  added_.split(text, /*normalized=*/false, raw_segments);
  for (const TextSegment& segment : raw_segments) {
    if (segment.is_token()) {
      ids.push_back(segment.token);
      continue;
    }
    // SentencePiece normalises inside the model; tokens marked `normalized`
    // are matched on the text as given.
    normalized_segments.clear();
    added_.split(segment.text, /*normalized=*/true, normalized_segments);
    for (const TextSegment& piece : normalized_segments) {
      if (piece.is_token()) {
        ids.push_back(piece.token);
      } else {
        encode_piece(piece.text, prefix_every_segment_ || piece.text.data() == text.data(), ids);
      }
    }
  }
  if (add_special_tokens && special_.add_eos) ids.push_back(*special_.eos);
  return ids;
}

// Byte pieces are collected and checked as UTF-8 together; an invalid run
// becomes one U+FFFD per byte, as HF's ByteFallback decoder does.
// The dummy prefix added at encoding time is one leading space: dropped at the
// start of the text and, when every segment got one, after each added token.
void SentencePieceTokenizer::append_piece_text(std::int32_t id, bool segment_start, std::string& out,
                                               std::string& pending_bytes, std::size_t& pending_count) const {
  const auto flush = [&] {
    if (pending_count == 0) return;
    if (utf8::find_invalid(pending_bytes) == std::string_view::npos) {
      out += pending_bytes;
    } else {
      for (std::size_t i = 0; i < pending_count; ++i) out += "\xEF\xBF\xBD";
    }
    pending_bytes.clear();
    pending_count = 0;
  };
  if (id < 0) {  // end of input
    flush();
    return;
  }
  if (at_start_->IsByte(id)) {
    pending_bytes += byte_piece_value(at_start_->IdToPiece(id));
    ++pending_count;
    return;
  }
  flush();
  const std::string& piece = at_start_->IdToPiece(id);
  std::size_t pos = adds_dummy_prefix_ && segment_start && piece.starts_with(kSpaceSymbol) ? kSpaceSymbol.size() : 0;
  for (std::size_t hit; (hit = piece.find(kSpaceSymbol, pos)) != std::string::npos; pos = hit + kSpaceSymbol.size()) {
    out.append(piece, pos, hit - pos).push_back(' ');
  }
  out.append(piece, pos);
}

std::string SentencePieceTokenizer::decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const {
  std::string out, pending_bytes;
  std::size_t pending_count = 0;
  bool text_start = true, after_added_token = false;
  for (const std::int32_t id : ids) {
    if (const AddedToken* added = added_.find(id)) {
      if (skip_special_tokens && added->special) continue;
      append_piece_text(-1, false, out, pending_bytes, pending_count);
      out += added->content;
      text_start = false;
      after_added_token = true;
    } else if (id >= 0 && static_cast<std::size_t>(id) < piece_count_) {
      if (skip_special_tokens && (at_start_->IsControl(id) || at_start_->IsUnknown(id))) continue;
      append_piece_text(id, text_start || (prefix_every_segment_ && after_added_token), out, pending_bytes,
                        pending_count);
      text_start = after_added_token = false;
    } else {
      fail_unknown_id(id, vocab_size_);
    }
  }
  append_piece_text(-1, false, out, pending_bytes, pending_count);
  if (clean_up_tokenization_spaces_) clean_up_tokenization_spaces(out);
  return out;
}

std::optional<std::int32_t> SentencePieceTokenizer::token_to_id(std::string_view token) const {
  if (const AddedToken* added = added_.find(token)) return added->id;
  const int id = at_start_->PieceToId(token);
  if (at_start_->IsUnknown(id) && token != at_start_->IdToPiece(id)) return std::nullopt;
  return id;
}

std::string SentencePieceTokenizer::id_to_token(std::int32_t id) const {
  if (const AddedToken* added = added_.find(id)) return added->content;
  if (id >= 0 && static_cast<std::size_t>(id) < piece_count_) return at_start_->IdToPiece(id);
  fail_unknown_id(id, vocab_size_);
}

bool SentencePieceTokenizer::is_special(std::int32_t id) const {
  if (const AddedToken* added = added_.find(id)) return added->special;
  return id >= 0 && static_cast<std::size_t>(id) < piece_count_ && (at_start_->IsControl(id) || at_start_->IsUnknown(id));
}

}  // namespace tp
