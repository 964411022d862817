#pragma once
// ERNIE-4.5, as its tokenizer_config.json chat template renders it:
//   <|begin_of_sentence|>{system}\n
//   User: {user}\n
//   Assistant: ⟦{answer}<|end_of_sentence|>⟧
#include "role_format_template.hpp"

class ErnieTemplate : public tp::templates::RoleFormatTemplate {
 public:
  ErnieTemplate(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();
};
