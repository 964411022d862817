#include "segment_builder.hpp"

namespace tp::templates {

void SegmentBuilder::add(std::string_view text, bool trained) {
  if (text.empty()) return;
  if (!segments_.empty() && segments_.back().trained == trained)
    segments_.back().text += text;
  else
    segments_.push_back(Segment{std::string(text), trained});
}

}  // namespace tp::templates
