#include "family_schema.hpp"

#include "tunepipe/template.hpp"

namespace tp::templates {

OptionSchema family_schema(std::string default_system, std::string_view empty_system_note) {
  const OptionSchema common = template_common_schema(std::move(default_system));
  OptionSchema schema;
  for (OptionSpec spec : common.specs()) {
    if (spec.name == template_system_key().name()) spec.doc += "; empty: " + std::string(empty_system_note);
    schema.add(std::move(spec));
  }
  return schema;
}

}  // namespace tp::templates
