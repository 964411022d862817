#include "plain_template.hpp"

#include "family_schema.hpp"

namespace {

tp::templates::RoleFormat plain_format(const tp::Options& options) {
  tp::templates::RoleFormat format;
  format.system_prefix = options.get_string("instruction_label");
  format.system_suffix = "\n";
  format.user_prefix = options.get_string("input_label");
  format.user_suffix = "\n";
  format.render_empty_user = false;
  format.assistant_header = options.get_string("answer_label");
  format.assistant_end = options.get_string("eos");
  format.assistant_suffix = "\n";
  return format;
}

}  // namespace

PlainTemplate::PlainTemplate(const tp::Options& options, const tp::StageContext& context)
    : RoleFormatTemplate(options, context, plain_format(options), {options.get_string("eos")}) {}

tp::OptionSchema PlainTemplate::schema() {
  tp::OptionSchema schema = tp::templates::family_schema("", "no instruction line");
  schema.add(tp::string_option("eos", "<|endoftext|>",
                               "the model's end-of-sequence token, written after every answer and trained with it "
                               "(Qwen: \"<|endoftext|>\", Llama 2 and most SentencePiece models: \"</s>\")"));
  schema.add(tp::string_option("instruction_label", "Instruction: ", "text before the system prompt's line"));
  schema.add(tp::string_option("input_label", "Input: ", "text before each user message's line"));
  schema.add(tp::string_option("answer_label", "Answer: ", "text before each answer, the end of the prompt"));
  return schema;
}

void PlainTemplate::validate(const tp::Options& options, tp::Diagnostics& diagnostics) {
  if (options.get_string("eos").empty())
    diagnostics.error(options.location("eos"),
                      options.context() + "eos must be the model's end-of-sequence token: without it in the "
                                          "trained answer the model never learns to stop");
}
