#include "llama3_template.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::TemplateStage, "llama3", "0.1.0",
                "Llama 3 (<|start_header_id|>role<|end_header_id|>\\n\\n…<|eot_id|>)", Llama3Template)
