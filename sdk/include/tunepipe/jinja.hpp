#pragma once
// A Jinja engine for the chat templates models ship (tokenizer_config.json's
// chat_template, chat_template.jinja, GGUF's tokenizer.chat_template), with
// the environment transformers renders them in: trim_blocks, lstrip_blocks,
// loop controls, an immutable sandbox, its tojson, raise_exception,
// strftime_now and {% generation %}. Output equals Python jinja2's; what the
// engine does not support is a tp::Error naming the template, line and column.
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace tp::jinja {

struct Stmt;

struct Rendering {
  std::string text;
  // [begin, end) byte ranges of the text written inside {% generation %} blocks.
  std::vector<std::pair<std::size_t, std::size_t>> generation_spans;
};

class Template {
 public:
  // Parses `source`; `name` (a file, or "file:key") names it in errors.
  Template(const std::string& source, std::string name);
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // Renders with the object's members as variables (insertion order kept, as
  // Python dicts keep it).
  Rendering render(const nlohmann::ordered_json& variables) const;
  const std::string& name() const { return name_; }
  // Whether the template marks assistant text with {% generation %}.
  bool has_generation_blocks() const;

 private:
  struct Program;
  std::string name_;
  std::unique_ptr<Program> program_;
};

}  // namespace tp::jinja
