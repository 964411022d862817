#include "tunepipe/jinja.hpp"

#include "jinja/builtins.hpp"
#include "jinja/interpreter.hpp"
#include "jinja/lexer.hpp"
#include "jinja/parser.hpp"
#include "tunepipe/error.hpp"

namespace tp::jinja {

struct Template::Program {
  Body body;
  bool generation = false;
};

namespace {

bool contains_generation(const Body& body) {
  for (const auto& stmt : body) {
    if (stmt->kind == Stmt::Kind::Generation) return true;
    if (contains_generation(stmt->body) || contains_generation(stmt->else_body)) return true;
    for (const auto& [condition, branch] : stmt->branches)
      if (contains_generation(branch)) return true;
  }
  return false;
}

}  // namespace

Template::Template(const std::string& source, std::string name)
    : name_(std::move(name)), program_(std::make_unique<Program>()) {
  program_->body = parse(tokenize(source, name_), name_);
  program_->generation = contains_generation(program_->body);
}

Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

bool Template::has_generation_blocks() const { return program_->generation; }

Rendering Template::render(const nlohmann::ordered_json& variables) const {
  if (!variables.is_object()) throw tp::Error(tp::Location{name_}, "template variables must be a JSON object");
  auto globals = std::make_shared<Scope>();
  add_globals(*globals);
  for (const auto& [key, value] : variables.items()) globals->variables[key] = Value::from_json(value);
  Rendering rendering;
  Interpreter interpreter(name_, globals);
  rendering.text = interpreter.render(program_->body, rendering.generation_spans);
  return rendering;
}

}  // namespace tp::jinja
