#pragma once
// Llama 3 Instruct, as Meta's chat template renders it (message text trimmed):
//   <|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>
//   <|start_header_id|>user<|end_header_id|>\n\n{user}<|eot_id|>
//   <|start_header_id|>assistant<|end_header_id|>\n\n⟦{answer}<|eot_id|>⟧
#include "../template-common/role_format.hpp"
#include "tunepipe/template.hpp"

class Llama3Template : public tp::TemplateStage {
 public:
  Llama3Template(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();

  std::vector<tp::Segment> render(const tp::Conversation& conversation) const override;
  std::vector<tp::Segment> render_prompt(const tp::Conversation& conversation) const override;
  std::vector<std::string> stop_strings() const override;

 private:
  tp::templates::RoleFormat format_;
};
