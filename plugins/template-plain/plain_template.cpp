#include "plain_template.hpp"

#include "family_schema.hpp"
#include "tunepipe/option_key.hpp"

namespace {

const auto kEos = tp::string_key("eos", "<|endoftext|>",
                                 "the model's end-of-sequence token, written after every answer and trained with it "
                                 "(Qwen: \"<|endoftext|>\", Llama 2 and most SentencePiece models: \"</s>\")");
const auto kInstructionLabel = tp::string_key("instruction_label", "Instruction: ", "text before the system prompt's line");
const auto kInputLabel = tp::string_key("input_label", "Input: ", "text before each user message's line");
const auto kAnswerLabel = tp::string_key("answer_label", "Answer: ", "text before each answer, the end of the prompt");

tp::templates::RoleFormat plain_format(const tp::Options& options) {
  tp::templates::RoleFormat format;
  format.system_prefix = kInstructionLabel.read(options);
  format.system_suffix = "\n";
  format.user_prefix = kInputLabel.read(options);
  format.user_suffix = "\n";
  format.render_empty_user = false;
  format.assistant_header = kAnswerLabel.read(options);
  format.assistant_end = kEos.read(options);
  format.assistant_suffix = "\n";
  return format;
}

}  // namespace

PlainTemplate::PlainTemplate(const tp::Options& options, const tp::StageContext& context)
    : RoleFormatTemplate(options, context, plain_format(options), {kEos.read(options)}) {}

tp::OptionSchema PlainTemplate::schema() {
  tp::OptionSchema schema = tp::templates::family_schema("", "no instruction line");
  schema.extend(tp::schema_of(kEos, kInstructionLabel, kInputLabel, kAnswerLabel));
  return schema;
}

void PlainTemplate::validate(const tp::Options& options, tp::Diagnostics& diagnostics) {
  if (kEos.read(options).empty())
    diagnostics.error(kEos.location(options),
                      options.context() + "eos must be the model's end-of-sequence token: without it in the "
                                          "trained answer the model never learns to stop");
}
