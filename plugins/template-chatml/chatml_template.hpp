#pragma once
// ChatML, the format of Qwen1.5, Qwen2 and Qwen2.5:
//   <|im_start|>system\n{system}<|im_end|>\n
//   <|im_start|>user\n{user}<|im_end|>\n
//   <|im_start|>assistant\n⟦{answer}<|im_end|>⟧\n
// The default system prompt is the one Qwen1.5/Qwen2 insert; stock Qwen2.5-Instruct
// inserts "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.".
#include "role_format_template.hpp"

class ChatmlTemplate : public tp::templates::RoleFormatTemplate {
 public:
  ChatmlTemplate(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();
};
