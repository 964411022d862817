#pragma once
// Collects rendered text into segments, merging neighbours with the same
// trained flag so each segment is tokenized with as much context as possible.
#include <string_view>
#include <vector>

#include "tunepipe/sample.hpp"

namespace tp::templates {

class SegmentBuilder {
 public:
  void add(std::string_view text, bool trained);
  std::vector<Segment> take() { return std::move(segments_); }

 private:
  std::vector<Segment> segments_;
};

}  // namespace tp::templates
