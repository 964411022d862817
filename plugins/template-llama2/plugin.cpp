#include "llama2_template.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::TemplateStage, "llama2", "0.1.0",
                "Llama 2 chat (<s>[INST] <<SYS>>…<</SYS>> … [/INST] … </s>)", Llama2Template)
