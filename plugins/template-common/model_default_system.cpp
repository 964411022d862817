#include "model_default_system.hpp"

#include "chat_messages.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/jinja.hpp"
#include "tunepipe/sample.hpp"

namespace tp::templates {

std::optional<std::string> model_default_system(const RoleFormat& format, const TemplateStage& stage,
                                                const ModelStage& model) {
  const std::optional<ModelChatTemplate> own = model.chat_template("");
  if (!own) return std::nullopt;
  Conversation probe;
  probe.turns.push_back(Turn{Role::User, "Hello!", false});
  std::string rendered;
  try {
    const jinja::Template chat_template(own->source, own->origin);
    rendered = chat_template.render(chat_variables(chat_messages("", probe, 1), true, own->tokens)).text;
  } catch (const Error&) {
    return std::nullopt;  // a template that cannot render the probe gives no default to adopt
  }
  const std::string opening = format.begin + format.system_prefix;
  if (format.system_prefix.empty() || !rendered.starts_with(opening)) return std::nullopt;
  const std::size_t end = rendered.find(format.system_suffix, opening.size());
  if (end == std::string::npos) return std::nullopt;
  probe.system = rendered.substr(opening.size(), end - opening.size());
  if (probe.system.empty() || join_text(render_roles_prompt(format, stage, probe)) != rendered) return std::nullopt;
  return probe.system;
}

}  // namespace tp::templates
