#include "llama3_template.hpp"

#include "family_schema.hpp"

namespace {

tp::templates::RoleFormat llama3_format() {
  tp::templates::RoleFormat format;
  format.begin = "<|begin_of_text|>";
  format.system_prefix = "<|start_header_id|>system<|end_header_id|>\n\n";
  format.system_suffix = "<|eot_id|>";
  format.user_prefix = "<|start_header_id|>user<|end_header_id|>\n\n";
  format.user_suffix = "<|eot_id|>";
  format.assistant_header = "<|start_header_id|>assistant<|end_header_id|>\n\n";
  format.assistant_end = "<|eot_id|>";
  format.strip_content = true;
  return format;
}

}  // namespace

Llama3Template::Llama3Template(const tp::Options& options, const tp::StageContext& context)
    : RoleFormatTemplate(options, context, llama3_format(), {"<|eot_id|>", "<|end_of_text|>"}) {}

tp::OptionSchema Llama3Template::schema() {
  return tp::templates::family_schema(
      "", "no system header at all, as Meta's template renders a conversation without a system message "
          "(an empty system message there would leave an empty system header)");
}
