#include "tunepipe/plugin.hpp"
#include "yuan_template.hpp"

TUNEPIPE_PLUGIN(tp::TemplateStage, "yuan", "0.1.0", "Yuan 2.0 ({input}<sep>{output}<eod>, history joined by <n>)",
                YuanTemplate)
