#include "role_format_template.hpp"

#include "model_default_system.hpp"

namespace tp::templates {

RoleFormatTemplate::RoleFormatTemplate(const Options& options, const StageContext& context, RoleFormat format,
                                       std::vector<std::string> stop_strings)
    : TemplateStage(options), format_(std::move(format)), stop_strings_(std::move(stop_strings)) {
  if (!context.model || !template_system_key().is_default(options)) return;
  if (auto system = model_default_system(format_, *this, *context.model)) set_default_system(std::move(*system));
}

std::vector<Segment> RoleFormatTemplate::render(const Conversation& conversation) const {
  return render_roles(format_, *this, conversation);
}

std::vector<Segment> RoleFormatTemplate::render_prompt(const Conversation& conversation) const {
  return render_roles_prompt(format_, *this, conversation);
}

}  // namespace tp::templates
