#include "chatml_template.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::TemplateStage, "chatml", "0.1.0",
                "ChatML (<|im_start|>role … <|im_end|>) of Qwen, Qwen1.5, Qwen2 and Qwen2.5", ChatmlTemplate)
