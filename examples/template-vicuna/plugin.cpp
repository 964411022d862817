#include "tunepipe/plugin.hpp"
#include "vicuna_template.hpp"

TUNEPIPE_PLUGIN(tp::TemplateStage, "vicuna", "0.1.0", "Vicuna v1.1: USER: … ASSISTANT: …</s>", example::VicunaTemplate)
