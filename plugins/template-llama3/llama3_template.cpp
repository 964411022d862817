#include "llama3_template.hpp"

#include "../template-common/family_schema.hpp"

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

Llama3Template::Llama3Template(const tp::Options& options, const tp::StageContext&)
    : TemplateStage(options), format_(llama3_format()) {}

tp::OptionSchema Llama3Template::schema() {
  return tp::templates::family_schema(
      "", "no system header at all, as Meta's template renders a conversation without a system message "
          "(an empty system message there would leave an empty system header)");
}

std::vector<tp::Segment> Llama3Template::render(const tp::Conversation& conversation) const {
  return tp::templates::render_roles(format_, *this, conversation);
}

std::vector<tp::Segment> Llama3Template::render_prompt(const tp::Conversation& conversation) const {
  return tp::templates::render_roles_prompt(format_, *this, conversation);
}

std::vector<std::string> Llama3Template::stop_strings() const { return {"<|eot_id|>", "<|end_of_text|>"}; }
