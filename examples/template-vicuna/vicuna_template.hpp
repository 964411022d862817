#pragma once
// The Vicuna v1.1 chat format, as an example of a model-family template written
// outside the tunepipe tree:
//   {system} USER: {user} ASSISTANT: {answer}</s>USER: …
#include "tunepipe/template.hpp"

namespace example {

class VicunaTemplate : public tp::TemplateStage {
 public:
  VicunaTemplate(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();

  std::vector<tp::Segment> render(const tp::Conversation& conversation) const override;
  std::vector<tp::Segment> render_prompt(const tp::Conversation& conversation) const override;
  std::vector<std::string> stop_strings() const override { return {"</s>"}; }

 private:
  std::vector<tp::Segment> render_turns(const tp::Conversation& conversation, bool prompt) const;
};

}  // namespace example
