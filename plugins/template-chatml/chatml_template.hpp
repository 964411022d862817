#pragma once
// ChatML, the format of Qwen1.5, Qwen2 and Qwen2.5:
//   <|im_start|>system\n{system}<|im_end|>\n
//   <|im_start|>user\n{user}<|im_end|>\n
//   <|im_start|>assistant\n⟦{answer}<|im_end|>⟧\n
// Without a system option the model's own default applies when its chat
// template inserts one (stock Qwen2.5-Instruct: "You are Qwen, created by
// Alibaba Cloud. You are a helpful assistant."), else Qwen1.5/Qwen2's.
#include "role_format_template.hpp"

class ChatmlTemplate : public tp::templates::RoleFormatTemplate {
 public:
  ChatmlTemplate(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();
};
