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
#include "role_format_template.hpp"

class PlainTemplate : public tp::templates::RoleFormatTemplate {
 public:
  PlainTemplate(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();
  static void validate(const tp::Options& options, tp::Diagnostics& diagnostics);
};
