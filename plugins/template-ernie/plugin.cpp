#include "ernie_template.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::TemplateStage, "ernie", "0.1.0",
                "ERNIE-4.5 (<|begin_of_sentence|>… User: …\\nAssistant: …<|end_of_sentence|>)", ErnieTemplate)
