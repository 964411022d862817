#pragma once
// ERNIE-4.5, as its tokenizer_config.json chat template renders it:
//   <|begin_of_sentence|>{system}\n
//   User: {user}\n
//   Assistant: ⟦{answer}<|end_of_sentence|>⟧
#include "../template-common/role_format.hpp"
#include "tunepipe/template.hpp"

class ErnieTemplate : public tp::TemplateStage {
 public:
  ErnieTemplate(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();

  std::vector<tp::Segment> render(const tp::Conversation& conversation) const override;
  std::vector<tp::Segment> render_prompt(const tp::Conversation& conversation) const override;
  std::vector<std::string> stop_strings() const override;

 private:
  tp::templates::RoleFormat format_;
};
