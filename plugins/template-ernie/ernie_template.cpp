#include "ernie_template.hpp"

#include "family_schema.hpp"

namespace {

tp::templates::RoleFormat ernie_format() {
  tp::templates::RoleFormat format;
  format.begin = "<|begin_of_sentence|>";
  format.system_suffix = "\n";
  format.user_prefix = "User: ";
  format.user_suffix = "\n";
  format.assistant_header = "Assistant: ";
  format.assistant_end = "<|end_of_sentence|>";
  return format;
}

}  // namespace

ErnieTemplate::ErnieTemplate(const tp::Options& options, const tp::StageContext& context)
    : RoleFormatTemplate(options, context, ernie_format(), {"<|end_of_sentence|>", "</s>"}) {}

tp::OptionSchema ErnieTemplate::schema() {
  return tp::templates::family_schema(
      "", "no system line at all, as ERNIE's chat template renders a conversation without a system message "
          "(an empty system message there would leave a lone \"\\n\")");
}
