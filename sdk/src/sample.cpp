#include "tunepipe/sample.hpp"

#include <fmt/format.h>

#include "tunepipe/error.hpp"
#include "tunepipe/tokenizer.hpp"

namespace tp {

TruncationSide parse_truncation_side(std::string_view text) {
  if (text == "right") return TruncationSide::Right;
  if (text == "left") return TruncationSide::Left;
  throw Error(fmt::format("truncation side must be \"right\" or \"left\", not \"{}\"", text));
}

TokenizedSample tokenize_segments(const Tokenizer& tokenizer, std::span<const Segment> segments,
                                  std::size_t max_length, TruncationSide side) {
  TokenizedSample sample;
  // SentencePiece puts a word-start marker (its "dummy prefix") before every
  // text it encodes. For a segment that continues the text after a space, that
  // marker already stands for the space; encoding the space too would add a
  // token that tokenizing the whole text never produces.
  const bool drop_continuation_space = tokenizer.kind() == "sentencepiece";
  for (const Segment& segment : segments) {
    if (segment.text.empty()) continue;
    std::string_view text = segment.text;
    if (drop_continuation_space && !sample.input_ids.empty() && text.starts_with(' ')) text.remove_prefix(1);
    const std::vector<std::int32_t> ids = tokenizer.encode(text, false);
    sample.input_ids.insert(sample.input_ids.end(), ids.begin(), ids.end());
    if (segment.trained)
      sample.labels.insert(sample.labels.end(), ids.begin(), ids.end());
    else
      sample.labels.insert(sample.labels.end(), ids.size(), kIgnoreLabel);
  }
  if (max_length > 0 && sample.input_ids.size() > max_length) {
    sample.truncated = true;
    if (side == TruncationSide::Right) {
      sample.input_ids.resize(max_length);
      sample.labels.resize(max_length);
    } else {
      const auto cut = static_cast<std::ptrdiff_t>(sample.input_ids.size() - max_length);
      sample.input_ids.erase(sample.input_ids.begin(), sample.input_ids.begin() + cut);
      sample.labels.erase(sample.labels.begin(), sample.labels.begin() + cut);
    }
  }
  return sample;
}

std::string join_text(std::span<const Segment> segments) {
  std::string text;
  for (const Segment& segment : segments) text += segment.text;
  return text;
}

}  // namespace tp
