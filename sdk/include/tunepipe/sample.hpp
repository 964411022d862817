#pragma once
// What a template stage produces: token ids with a label mask.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tp {

class Tokenizer;

inline constexpr std::int32_t kIgnoreLabel = -100;  // positions the loss skips, as in HF

// A piece of rendered text and whether its tokens are trained.
struct Segment {
  std::string text;
  bool trained = false;
};

struct TokenizedSample {
  std::vector<std::int32_t> input_ids;
  std::vector<std::int32_t> labels;  // same length; kIgnoreLabel where not trained
  bool truncated = false;
  std::string source;  // "file:line" of the record
};

enum class TruncationSide { Right, Left };  // Right keeps the start, Left keeps the end
TruncationSide parse_truncation_side(std::string_view text);

// Tokenizes each segment on its own (so label boundaries fall on token
// boundaries, as the tutorials' process_func does), concatenates them and cuts
// to max_length (0: no limit) on the chosen side.
TokenizedSample tokenize_segments(const Tokenizer& tokenizer, std::span<const Segment> segments,
                                  std::size_t max_length, TruncationSide side);

// Concatenated text of the segments.
std::string join_text(std::span<const Segment> segments);

}  // namespace tp
