#pragma once
// Renders a parsed template: jinja2's scoping (a for body and a macro call
// get their own scope, if does not), undefined values, loops with `loop`,
// macros, and the filters, tests and methods of builtins.hpp.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "jinja/ast.hpp"
#include "jinja/value.hpp"

namespace tp::jinja {

// A failure inside an operation; the interpreter adds the template position.
class RuntimeFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
[[noreturn]] void runtime_fail(const std::string& message);

// a + b, a - b or a * b (`op`); Python's integers never overflow, ours are 64-bit, and a result past them
// is a template error (runtime_fail), not undefined behaviour. Chat templates stay far from the limit.
std::int64_t checked_int(char op, std::int64_t a, std::int64_t b);

struct Scope {
  std::shared_ptr<Scope> parent;
  std::unordered_map<std::string, Value> variables;
  const Value* find(const std::string& name) const;
};

class Interpreter {
 public:
  Interpreter(const std::string& template_name, std::shared_ptr<Scope> globals);

  // The output and the [begin, end) byte ranges {% generation %} blocks wrote.
  std::string render(const Body& body, std::vector<std::pair<std::size_t, std::size_t>>& generation_spans);

  Value call(const Value& callee, CallArgs& args);
  Value attribute(const Value& object, const std::string& name);
  Value item(const Value& object, const Value& key);
  Value filter(const std::string& name, const Value& operand, CallArgs& args);
  bool test(const std::string& name, const Value& operand, CallArgs& args);
  // Python iteration: a dict gives its keys, a string its characters, undefined nothing.
  ValueList iterate(const Value& value);

 private:
  enum class Flow { Normal, Break, Continue };
  using ScopePtr = std::shared_ptr<Scope>;

  Value eval(const Expr& expr, const ScopePtr& scope);
  Value eval_node(const Expr& expr, const ScopePtr& scope);
  Value eval_binary(const Expr& expr, const ScopePtr& scope);
  Value eval_compare(const Expr& expr, const ScopePtr& scope);
  CallArgs eval_arguments(const Expr& expr, std::size_t first, const ScopePtr& scope);
  Flow exec(const Body& body, const ScopePtr& scope);
  Flow exec_statement(const Stmt& stmt, const ScopePtr& scope);
  Flow exec_for(const Stmt& stmt, const ScopePtr& scope);
  void assign(const Stmt& stmt, const ScopePtr& scope, Value value);
  Value define_macro(const Stmt& stmt, const ScopePtr& scope);
  std::string capture(const Body& body, const ScopePtr& scope);
  [[noreturn]] void fail_at(Position at, const std::string& message) const;
  // Statements in loops in macros that call macros nest without a fixed
  // bound; what bounds them is the stack the render actually uses, whatever
  // the frame sizes of this build (a sanitizer's are several times larger).
  void check_stack() const;

  const std::string& name_;
  ScopePtr globals_;
  std::string* out_ = nullptr;
  std::string* root_out_ = nullptr;
  std::vector<std::pair<std::size_t, std::size_t>>* generation_spans_ = nullptr;
  int call_depth_ = 0;
  std::uintptr_t stack_base_ = 0;  // the stack address render() starts at
};

}  // namespace tp::jinja
