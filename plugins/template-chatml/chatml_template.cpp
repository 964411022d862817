#include "chatml_template.hpp"

#include "family_schema.hpp"
#include "tunepipe/option_key.hpp"

namespace {

const auto kEmptySystem = tp::choice_key(
    "empty_system", "block", {"block", "omit"},
    "what an empty system prompt (system = \"\") renders: \"block\" an empty system turn "
    "\"<|im_start|>system\\n<|im_end|>\\n\", as the Qwen1.5/Qwen2/Qwen2.5 chat templates do for an "
    "empty system message (they never render without a system turn); \"omit\" no system turn, as "
    "Qwen3's template does when there is no system message");

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

ChatmlTemplate::ChatmlTemplate(const tp::Options& options, const tp::StageContext& context)
    : RoleFormatTemplate(options, context, chatml_format(kEmptySystem.read(options) == "block"),
                         {"<|im_end|>", "<|endoftext|>"}) {}

tp::OptionSchema ChatmlTemplate::schema() {
  tp::OptionSchema schema = tp::templates::family_schema(
      "You are a helpful assistant.",
      "no system prompt, rendered as the empty_system option says. Unset, the model's own default applies when its "
      "chat template inserts one (Qwen2.5: \"You are Qwen, created by Alibaba Cloud. You are a helpful assistant.\"), "
      "else this default");
  schema.add(kEmptySystem.spec());
  return schema;
}
