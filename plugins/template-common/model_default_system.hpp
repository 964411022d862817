#pragma once
// The default system prompt a model's own chat template inserts (Qwen2.5's
// "You are Qwen, created by Alibaba Cloud. …"), for a family plugin to adopt
// when the pipeline sets none.
#include <optional>
#include <string>

#include "role_format.hpp"
#include "tunepipe/model.hpp"
#include "tunepipe/template.hpp"

namespace tp::templates {

// The system text the model's template writes for a conversation without a
// system message, when rendering that conversation through `format` with it
// reproduces the model's template exactly; nullopt otherwise (no template,
// no system block, or a format that renders it differently).
std::optional<std::string> model_default_system(const RoleFormat& format, const TemplateStage& stage,
                                                const ModelStage& model);

}  // namespace tp::templates
