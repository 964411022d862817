#pragma once
// Llama 2 chat, as Meta's reference code and the Hugging Face chat template
// render it (message text stripped; the system prompt opens the first user
// message; every exchange is its own <s> … </s> sequence):
//   <s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST]⟦ {answer} </s>⟧<s>[INST] {user} [/INST]⟦ {answer} </s>⟧
// <s> is part of the text, so the tokenizer must not add its own BOS (the
// template stage tokenizes without special tokens).
#include "tunepipe/template.hpp"

class Llama2Template : public tp::TemplateStage {
 public:
  Llama2Template(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();

  std::vector<tp::Segment> render(const tp::Conversation& conversation) const override;
  std::vector<tp::Segment> render_prompt(const tp::Conversation& conversation) const override;
  std::vector<std::string> stop_strings() const override;

 private:
  std::vector<tp::Segment> render_exchanges(const tp::Conversation& conversation, bool allow_training) const;
};
