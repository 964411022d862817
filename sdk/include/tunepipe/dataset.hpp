#pragma once
// Dataset stage: reads raw records and transfers them into conversations.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tunepipe/conversation.hpp"
#include "tunepipe/stage.hpp"

namespace tp {

class DatasetStage : public Stage {
 public:
  static constexpr const char* kind_name = "dataset";
  // The splits this dataset provides, e.g. {"train", "test"}.
  virtual std::vector<std::string> splits() const = 0;
  // Streams the conversations of one split in a deterministic order; throws
  // tp::Error naming file and line on a bad record. An empty split is an error.
  virtual void read(std::string_view split, const std::function<void(Conversation&&)>& emit) = 0;
};

}  // namespace tp
