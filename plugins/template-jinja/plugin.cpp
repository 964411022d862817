#include "jinja_template.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::TemplateStage, "jinja", "0.1.0",
                "the model's own Jinja chat template (tokenizer_config.json, chat_template.jinja or a file), "
                "with training masks from rendering growing prefixes",
                JinjaTemplate)
