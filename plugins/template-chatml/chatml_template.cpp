#include "chatml_template.hpp"

#include "../template-common/family_schema.hpp"

namespace {

tp::templates::RoleFormat chatml_format(bool render_empty_system) {
  tp::templates::RoleFormat format;
  format.system_prefix = "<|im_start|>system\n";
  format.system_suffix = "<|im_end|>\n";
  format.render_empty_system = render_empty_system;
  format.user_prefix = "<|im_start|>user\n";
  format.user_suffix = "<|im_end|>\n";
  format.assistant_header = "<|im_start|>assistant\n";
  format.assistant_end = "<|im_end|>";
  format.assistant_suffix = "\n";
  return format;
}

}  // namespace

ChatmlTemplate::ChatmlTemplate(const tp::Options& options, const tp::StageContext&)
    : TemplateStage(options), format_(chatml_format(options.get_string("empty_system") == "block")) {}

tp::OptionSchema ChatmlTemplate::schema() {
  tp::OptionSchema schema = tp::templates::family_schema(
      "You are a helpful assistant.", "no system prompt, rendered as the empty_system option says");
  schema.add(tp::choice_option(
      "empty_system", "block", {"block", "omit"},
      "what an empty system prompt (system = \"\") renders: \"block\" an empty system turn "
      "\"<|im_start|>system\\n<|im_end|>\\n\", as the Qwen1.5/Qwen2/Qwen2.5 chat templates do for an "
      "empty system message (they never render without a system turn); \"omit\" no system turn, as "
      "Qwen3's template does when there is no system message"));
  return schema;
}

std::vector<tp::Segment> ChatmlTemplate::render(const tp::Conversation& conversation) const {
  return tp::templates::render_roles(format_, *this, conversation);
}

std::vector<tp::Segment> ChatmlTemplate::render_prompt(const tp::Conversation& conversation) const {
  return tp::templates::render_roles_prompt(format_, *this, conversation);
}

std::vector<std::string> ChatmlTemplate::stop_strings() const { return {"<|im_end|>", "<|endoftext|>"}; }
