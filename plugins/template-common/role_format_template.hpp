#pragma once
// A template whose whole format is a RoleFormat: render and render_prompt come
// from role_format, the stop strings are given. chatml, ernie, llama3 and plain
// are this plus their options.
#include <string>
#include <vector>

#include "role_format.hpp"
#include "tunepipe/template.hpp"

namespace tp::templates {

class RoleFormatTemplate : public TemplateStage {
 public:
  // Without a `system` option, the model's own default system prompt is
  // adopted when its chat template renders one this format reproduces.
  RoleFormatTemplate(const Options& options, const StageContext& context, RoleFormat format,
                     std::vector<std::string> stop_strings);

  std::vector<Segment> render(const Conversation& conversation) const override;
  std::vector<Segment> render_prompt(const Conversation& conversation) const override;
  std::vector<std::string> stop_strings() const override { return stop_strings_; }

 private:
  RoleFormat format_;
  std::vector<std::string> stop_strings_;
};

}  // namespace tp::templates
