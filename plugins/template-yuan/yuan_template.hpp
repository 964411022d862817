#pragma once
// Yuan 2.0: the answer follows <sep> and ends with <eod>; earlier messages
// (system prompt first, when there is one) are joined by <n>, as Yuan's own
// chat demos build multi-turn prompts:
//   {system}<n>{user}<n>⟦{answer}⟧<n>{user}<sep>⟦{answer}<eod>⟧
// An earlier answer is trained without the <n> after it: that is a separator,
// while generation always follows <sep> and ends at <eod>.
#include "tunepipe/template.hpp"

class YuanTemplate : public tp::TemplateStage {
 public:
  YuanTemplate(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();

  std::vector<tp::Segment> render(const tp::Conversation& conversation) const override;
  std::vector<tp::Segment> render_prompt(const tp::Conversation& conversation) const override;
  std::vector<std::string> stop_strings() const override;

 private:
  std::vector<tp::Segment> render_messages(const tp::Conversation& conversation, bool prompt) const;
};
