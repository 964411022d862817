#include "role_format_template.hpp"

namespace tp::templates {

RoleFormatTemplate::RoleFormatTemplate(const Options& options, RoleFormat format, std::vector<std::string> stop_strings)
    : TemplateStage(options), format_(std::move(format)), stop_strings_(std::move(stop_strings)) {}

std::vector<Segment> RoleFormatTemplate::render(const Conversation& conversation) const {
  return render_roles(format_, *this, conversation);
}

std::vector<Segment> RoleFormatTemplate::render_prompt(const Conversation& conversation) const {
  return render_roles_prompt(format_, *this, conversation);
}

}  // namespace tp::templates
