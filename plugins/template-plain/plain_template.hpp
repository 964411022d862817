#pragma once
// Plain labelled text for models without a chat format (seed 004's
// "Instruction: …\nInput: …\nAnswer: "): the system prompt is the instruction,
// each user message an input, each assistant message an answer ended by the
// model's EOS token:
//   Instruction: {system}\n
//   Input: {user}\n
//   Answer: ⟦{answer}{eos}⟧\n
// An empty instruction or input leaves its line out, as seed 004 does for
// records without input.
#include "../template-common/role_format.hpp"
#include "tunepipe/template.hpp"

class PlainTemplate : public tp::TemplateStage {
 public:
  PlainTemplate(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();
  static void validate(const tp::Options& options, tp::Diagnostics& diagnostics);

  std::vector<tp::Segment> render(const tp::Conversation& conversation) const override;
  std::vector<tp::Segment> render_prompt(const tp::Conversation& conversation) const override;
  std::vector<std::string> stop_strings() const override;

 private:
  tp::templates::RoleFormat format_;
};
