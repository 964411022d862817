#include "ernie_template.hpp"

#include "../template-common/family_schema.hpp"

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

ErnieTemplate::ErnieTemplate(const tp::Options& options, const tp::StageContext&)
    : TemplateStage(options), format_(ernie_format()) {}

tp::OptionSchema ErnieTemplate::schema() {
  return tp::templates::family_schema(
      "", "no system line at all, as ERNIE's chat template renders a conversation without a system message "
          "(an empty system message there would leave a lone \"\\n\")");
}

std::vector<tp::Segment> ErnieTemplate::render(const tp::Conversation& conversation) const {
  return tp::templates::render_roles(format_, *this, conversation);
}

std::vector<tp::Segment> ErnieTemplate::render_prompt(const tp::Conversation& conversation) const {
  return tp::templates::render_roles_prompt(format_, *this, conversation);
}

std::vector<std::string> ErnieTemplate::stop_strings() const { return {"<|end_of_sentence|>", "</s>"}; }
