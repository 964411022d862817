#pragma once
// The `jinja` template: renders the model's own chat template (or a .jinja
// file) as transformers does, with each trained assistant turn's content and
// end-of-turn text in the loss.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tunepipe/chat_template.hpp"
#include "tunepipe/jinja.hpp"
#include "tunepipe/template.hpp"

class JinjaTemplate : public tp::TemplateStage {
 public:
  JinjaTemplate(const tp::Options& options, const tp::StageContext& context);
  JinjaTemplate(const tp::Options& options, tp::ModelChatTemplate chosen);
  static tp::OptionSchema schema();

  std::vector<tp::Segment> render(const tp::Conversation& conversation) const override;
  std::vector<tp::Segment> render_prompt(const tp::Conversation& conversation) const override;
  std::vector<std::string> stop_strings() const override { return stop_strings_; }

 private:
  tp::jinja::Rendering render_turns(const tp::Conversation& conversation, std::size_t turns,
                                    bool add_generation_prompt) const;
  std::vector<std::string> find_stop_strings() const;

  tp::jinja::Template template_;
  nlohmann::ordered_json tokens_;
  std::vector<std::string> stop_strings_;
};
