#include "role_format.hpp"

#include <string_view>

#include "python_strip.hpp"
#include "segment_builder.hpp"

namespace tp::templates {
namespace {

void render_messages(const RoleFormat& format, const TemplateStage& stage, const Conversation& conversation,
                     bool allow_training, SegmentBuilder& out) {
  const auto content = [&](std::string_view text) { return format.strip_content ? python_strip(text) : text; };
  out.add(format.begin, false);
  const std::string_view system = content(stage.system_prompt(conversation));
  if (!system.empty() || format.render_empty_system) {
    out.add(format.system_prefix, false);
    out.add(system, false);
    out.add(format.system_suffix, false);
  }
  for (std::size_t i = 0; i < conversation.turns.size(); ++i) {
    const Turn& turn = conversation.turns[i];
    const std::string_view text = content(turn.content);
    if (turn.role == Role::User) {
      if (text.empty() && !format.render_empty_user) continue;
      out.add(format.user_prefix, false);
      out.add(text, false);
      out.add(format.user_suffix, false);
    } else {
      const bool trained = allow_training && stage.is_trained(conversation, i);
      out.add(format.assistant_header, false);
      out.add(text, trained);
      out.add(format.assistant_end, trained);
      out.add(format.assistant_suffix, false);
    }
  }
}

}  // namespace

std::vector<Segment> render_roles(const RoleFormat& format, const TemplateStage& stage,
                                  const Conversation& conversation) {
  SegmentBuilder out;
  render_messages(format, stage, conversation, true, out);
  return out.take();
}

std::vector<Segment> render_roles_prompt(const RoleFormat& format, const TemplateStage& stage,
                                         const Conversation& conversation) {
  SegmentBuilder out;
  render_messages(format, stage, conversation, false, out);
  out.add(format.assistant_header, false);
  return out.take();
}

}  // namespace tp::templates
