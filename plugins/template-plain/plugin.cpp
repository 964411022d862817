#include "plain_template.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::TemplateStage, "plain", "0.1.0",
                "plain text \"Instruction: …\\nInput: …\\nAnswer: …\" with an EOS token, for any model", PlainTemplate)
