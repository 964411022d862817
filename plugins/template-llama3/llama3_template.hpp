#pragma once
// Llama 3 Instruct, as Meta's chat template renders it (message text trimmed):
//   <|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>
//   <|start_header_id|>user<|end_header_id|>\n\n{user}<|eot_id|>
//   <|start_header_id|>assistant<|end_header_id|>\n\n⟦{answer}<|eot_id|>⟧
#include "role_format_template.hpp"

class Llama3Template : public tp::templates::RoleFormatTemplate {
 public:
  Llama3Template(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();
};
