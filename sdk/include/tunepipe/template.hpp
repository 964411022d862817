#pragma once
// Template stage: renders a conversation in one model family's chat format and
// tokenizes it with a label mask.
#include <cstddef>
#include <string>
#include <vector>

#include "tunepipe/conversation.hpp"
#include "tunepipe/option_key.hpp"
#include "tunepipe/options.hpp"
#include "tunepipe/sample.hpp"
#include "tunepipe/stage.hpp"

namespace tp {

class Tokenizer;

// Options every template shares: system, max_length, truncation_side, train_on.
OptionSchema template_common_schema(std::string default_system);
// The shared system prompt option (its default is each family's own).
const OptionKey<std::string>& template_system_key();

class TemplateStage : public Stage {
 public:
  static constexpr const char* kind_name = "template";
  explicit TemplateStage(const Options& options);

  // The whole conversation in training form; trained segments follow the
  // turns' flags and the train_on option.
  virtual std::vector<Segment> render(const Conversation& conversation) const = 0;
  // The conversation up to and including the header of the next assistant
  // turn, for generation (the last turn is the user's).
  virtual std::vector<Segment> render_prompt(const Conversation& conversation) const = 0;
  // Text that ends an assistant turn, for stopping generation.
  virtual std::vector<std::string> stop_strings() const = 0;

  TokenizedSample tokenize(const Conversation& conversation, const Tokenizer& tokenizer) const;

  const std::string& system_prompt(const Conversation& conversation) const;
  std::size_t max_length() const { return max_length_; }
  // Whether turn i of the conversation is trained under the train_on option.
  bool is_trained(const Conversation& conversation, std::size_t turn_index) const;

 protected:
  // A family plugin adopts the model's own default system prompt with this
  // when the pipeline sets none.
  void set_default_system(std::string system) { default_system_ = std::move(system); }

 private:
  std::string default_system_;
  std::size_t max_length_;
  TruncationSide truncation_side_;
  bool last_turn_only_;
};

}  // namespace tp
