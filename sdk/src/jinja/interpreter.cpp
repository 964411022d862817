#include "jinja/interpreter.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "jinja/builtins.hpp"
#include "jinja/py_text.hpp"
#include "tunepipe/error.hpp"

namespace tp::jinja {

void runtime_fail(const std::string& message) { throw RuntimeFailure(message); }

std::int64_t checked_int(char op, std::int64_t a, std::int64_t b) {
  std::int64_t result = 0;
  const bool overflow = op == '+'   ? __builtin_add_overflow(a, b, &result)
                        : op == '-' ? __builtin_sub_overflow(a, b, &result)
                                    : __builtin_mul_overflow(a, b, &result);
  if (overflow)
    runtime_fail(fmt::format("integer overflow: {} {} {} is past the 64-bit integers of templates", a, op, b));
  return result;
}

const Value* Scope::find(const std::string& name) const {
  for (const Scope* scope = this; scope; scope = scope->parent.get()) {
    const auto it = scope->variables.find(name);
    if (it != scope->variables.end()) return &it->second;
  }
  return nullptr;
}

namespace {

std::shared_ptr<Scope> child_of(const std::shared_ptr<Scope>& parent) {
  auto scope = std::make_shared<Scope>();
  scope->parent = parent;
  return scope;
}

[[noreturn]] void undefined_used(const Value& value) {
  runtime_fail(value.undefined_name().empty() ? "an undefined value was used"
                                              : fmt::format("{} is undefined", value.undefined_name()));
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
  if (a.is_undefined()) undefined_used(a);
  if (b.is_undefined()) undefined_used(b);
  const auto unsupported = [&] {
    runtime_fail(fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", op, a.type_name(), b.type_name()));
  };
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      if (!a.is_markup() && !b.is_markup()) return Value(a.as_string() + b.as_string());
      const auto safe = [](const Value& v) { return v.is_markup() ? v.as_string() : html_escape(v.as_string()); };
      return Value::markup(safe(a) + safe(b));
    }
    if (a.kind() == b.kind() && a.is_sequence() && !a.is_iterator() && !b.is_iterator()) {
      ValueList items = a.as_list();
      items.insert(items.end(), b.as_list().begin(), b.as_list().end());
      return a.kind() == Value::Kind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
  }
  if (op == "*" && !a.is_iterator() && !b.is_iterator()) {
    const Value* text = a.is_string() || a.is_sequence() ? &a : b.is_string() || b.is_sequence() ? &b : nullptr;
    const Value* count = text == &a ? &b : &a;
    if (text && count->is_integer()) {
      const std::int64_t n = std::max<std::int64_t>(0, count->as_int());
      if (text->is_string()) {
        std::string out;
        for (std::int64_t i = 0; i < n; ++i) out += text->as_string();
        return Value(std::move(out));
      }
      ValueList items;
      for (std::int64_t i = 0; i < n; ++i) items.insert(items.end(), text->as_list().begin(), text->as_list().end());
      return text->kind() == Value::Kind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
  }
  if (!a.is_number() || !b.is_number()) unsupported();
  const bool integers = a.is_integer() && b.is_integer();
  if (op == "+")
    return integers ? Value(checked_int('+', a.as_int(), b.as_int())) : Value(a.as_double() + b.as_double());
  if (op == "-")
    return integers ? Value(checked_int('-', a.as_int(), b.as_int())) : Value(a.as_double() - b.as_double());
  if (op == "*")
    return integers ? Value(checked_int('*', a.as_int(), b.as_int())) : Value(a.as_double() * b.as_double());
  if (op == "/") {
    if (b.as_double() == 0) runtime_fail("division by zero");
    return Value(a.as_double() / b.as_double());
  }
  if (op == "//" || op == "%") {
    if (b.as_double() == 0) runtime_fail(op == "%" ? "modulo by zero" : "integer division or modulo by zero");
    if (integers) {
      if (a.as_int() == std::numeric_limits<std::int64_t>::min() && b.as_int() == -1)
        return op == "//" ? Value(checked_int('-', std::int64_t{0}, a.as_int())) : Value(std::int64_t{0});
      const std::int64_t q = floor_div(a.as_int(), b.as_int());
      return op == "//" ? Value(q) : Value(a.as_int() - q * b.as_int());
    }
    const double q = std::floor(a.as_double() / b.as_double());
    return op == "//" ? Value(q) : Value(a.as_double() - q * b.as_double());
  }
  if (op == "**") {
    if (integers && b.as_int() >= 0) {
      // By squaring: a huge exponent of 0, 1 or -1 takes 63 steps, not b.
      std::int64_t result = 1, base = a.as_int();
      for (std::int64_t e = b.as_int(); e > 0; e >>= 1) {
        if (e & 1) result = checked_int('*', result, base);
        if (e > 1) base = (base == 0 || base == 1 || base == -1) ? base : checked_int('*', base, base);
      }
      return Value(result);
    }
    return Value(std::pow(a.as_double(), b.as_double()));
  }
  unsupported();
  return {};
}

bool contains(const Value& container, const Value& needle) {
  switch (container.kind()) {
    case Value::Kind::Undefined: return false;
    case Value::Kind::String:
      if (!needle.is_string())
        runtime_fail(fmt::format("'in <string>' requires string as left operand, not {}", needle.type_name()));
      return container.as_string().find(needle.as_string()) != std::string::npos;
    case Value::Kind::List:
    case Value::Kind::Tuple:
      for (const Value& item : container.as_list())
        if (equal(item, needle)) return true;
      return false;
    case Value::Kind::Dict: return needle.is_string() && container.as_dict().find(needle.as_string()) != nullptr;
    default: runtime_fail(fmt::format("argument of type '{}' is not iterable", container.type_name()));
  }
}

// Python's slice indices over a sequence of `size` items.
std::vector<std::size_t> slice_indices(std::int64_t size, const Value& start, const Value& stop, const Value& step) {
  const auto number = [](const Value& v, const char* what) -> std::optional<std::int64_t> {
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    if (!v.is_integer()) runtime_fail(fmt::format("slice {} must be an integer or None", what));
    return v.as_int();
  };
  const std::int64_t s = number(step, "step").value_or(1);
  if (s == 0) runtime_fail("slice step cannot be zero");
  const auto clamp = [&](std::optional<std::int64_t> v, std::int64_t fallback) {
    if (!v) return fallback;
    std::int64_t x = *v < 0 ? *v + size : *v;
    if (s > 0) return std::clamp<std::int64_t>(x, 0, size);
    return std::clamp<std::int64_t>(x, -1, size - 1);
  };
  const std::int64_t begin = clamp(number(start, "start"), s > 0 ? 0 : size - 1);
  const std::int64_t end = clamp(number(stop, "stop"), s > 0 ? size : -1);
  std::vector<std::size_t> indices;
  for (std::int64_t i = begin; s > 0 ? i < end : i > end; i += s) indices.push_back(static_cast<std::size_t>(i));
  return indices;
}

Value loop_object(const ValueList& items, std::size_t index, const std::shared_ptr<Value>& last_changed) {
  auto loop = std::make_shared<Dict>();
  const auto n = static_cast<std::int64_t>(items.size());
  const auto i = static_cast<std::int64_t>(index);
  loop->items = {
      {"index", Value(i + 1)},
      {"index0", Value(i)},
      {"revindex", Value(n - i)},
      {"revindex0", Value(n - i - 1)},
      {"first", Value(i == 0)},
      {"last", Value(i == n - 1)},
      {"length", Value(n)},
      {"depth", Value(1)},
      {"depth0", Value(0)},
      {"previtem", index > 0 ? items[index - 1] : Value::undefined("loop.previtem")},
      {"nextitem", index + 1 < items.size() ? items[index + 1] : Value::undefined("loop.nextitem")},
  };
  loop->items.emplace_back("cycle", Value::function("loop.cycle", [i](CallArgs& args) {
                             if (args.positional.empty()) runtime_fail("no items for cycling given");
                             return args.positional[static_cast<std::size_t>(i) % args.positional.size()];
                           }));
  loop->items.emplace_back("changed", Value::function("loop.changed", [last_changed](CallArgs& args) {
                             const Value now = Value::list(args.positional);
                             const bool changed = last_changed->is_undefined() || !equal(*last_changed, now);
                             *last_changed = now;
                             return Value(changed);
                           }));
  return Value::namespace_object(std::move(loop));
}

}  // namespace

Interpreter::Interpreter(const std::string& template_name, std::shared_ptr<Scope> globals)
    : name_(template_name), globals_(std::move(globals)) {}

void Interpreter::fail_at(Position at, const std::string& message) const {
  throw tp::Error(tp::Location{name_, at.line, at.column}, message);
}

void Interpreter::check_stack() const {
  // Well inside the 8 MiB of a main thread or a std::thread; jinja2 stops at
  // Python's recursion limit about as deep.
  constexpr std::uintptr_t kStackBudget = std::uintptr_t{1} << 20;
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  if (stack_base_ > here && stack_base_ - here > kStackBudget)
    runtime_fail("the template nests too deeply: its macro calls, loops and blocks inside each other take more "
                 "than 1 MiB of stack (a macro that recurses without end?)");
}

std::string Interpreter::render(const Body& body, std::vector<std::pair<std::size_t, std::size_t>>& generation_spans) {
  stack_base_ = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  std::string out;
  out_ = root_out_ = &out;
  generation_spans_ = &generation_spans;
  exec(body, child_of(globals_));
  return out;
}

std::string Interpreter::capture(const Body& body, const ScopePtr& scope) {
  std::string buffer;
  std::string* saved = out_;
  out_ = &buffer;
  try {
    exec(body, scope);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buffer;
}

Interpreter::Flow Interpreter::exec(const Body& body, const ScopePtr& scope) {
  for (const auto& stmt : body) {
    const Flow flow = exec_statement(*stmt, scope);
    if (flow != Flow::Normal) return flow;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec_statement(const Stmt& stmt, const ScopePtr& scope) {
  check_stack();
  try {
    switch (stmt.kind) {
      case Stmt::Kind::Text: *out_ += stmt.text; return Flow::Normal;
      case Stmt::Kind::Output: *out_ += eval(*stmt.expr, scope).str(); return Flow::Normal;
      case Stmt::Kind::If:
        for (const auto& [condition, body] : stmt.branches)
          if (!condition || eval(*condition, scope).truthy()) return exec(body, scope);
        return Flow::Normal;
      case Stmt::Kind::For: return exec_for(stmt, scope);
      case Stmt::Kind::Set: assign(stmt, scope, eval(*stmt.expr, scope)); return Flow::Normal;
      case Stmt::Kind::SetBlock: {
        Value value(capture(stmt.body, child_of(scope)));
        if (stmt.expr) {
          // The filter chain's innermost operand is the captured text.
          std::vector<const Expr*> chain;
          for (const Expr* f = stmt.expr.get(); f; f = f->children[0].get()) chain.push_back(f);
          for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            CallArgs args = eval_arguments(**it, 1, scope);
            value = filter((*it)->name, value, args);
          }
        }
        assign(stmt, scope, std::move(value));
        return Flow::Normal;
      }
      case Stmt::Kind::FilterBlock: {
        Value value(capture(stmt.body, child_of(scope)));
        std::vector<const Expr*> chain;
        for (const Expr* f = stmt.expr.get(); f; f = f->children[0].get()) chain.push_back(f);
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
          CallArgs args = eval_arguments(**it, 1, scope);
          value = filter((*it)->name, value, args);
        }
        *out_ += value.str();
        return Flow::Normal;
      }
      case Stmt::Kind::Macro: scope->variables[stmt.name] = define_macro(stmt, scope); return Flow::Normal;
      case Stmt::Kind::Break: return Flow::Break;
      case Stmt::Kind::Continue: return Flow::Continue;
      case Stmt::Kind::Generation: {
        const std::string text = capture(stmt.body, child_of(scope));
        if (out_ == root_out_) generation_spans_->emplace_back(out_->size(), out_->size() + text.size());
        *out_ += text;
        return Flow::Normal;
      }
    }
  } catch (const RuntimeFailure& failure) {
    fail_at(stmt.at, failure.what());
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec_for(const Stmt& stmt, const ScopePtr& scope) {
  const Value iterable = eval(*stmt.expr, scope);
  if (!iterable.is_undefined() && !iterable.is_sequence() && !iterable.is_mapping() && !iterable.is_string())
    runtime_fail(fmt::format("'{}' object is not iterable", iterable.type_name()));
  ValueList items;
  for (Value& item : iterate(iterable)) {
    if (stmt.condition) {
      auto probe = child_of(scope);
      Stmt target;
      target.targets = stmt.targets;
      assign(target, probe, item);
      if (!eval(*stmt.condition, probe).truthy()) continue;
    }
    items.push_back(std::move(item));
  }
  // A break or continue in the else branch belongs to an enclosing loop.
  if (items.empty()) return exec(stmt.else_body, child_of(scope));
  auto changed = std::make_shared<Value>();
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto iteration = child_of(scope);
    iteration->variables["loop"] = loop_object(items, i, changed);
    Stmt target;
    target.targets = stmt.targets;
    assign(target, iteration, items[i]);
    if (exec(stmt.body, iteration) == Flow::Break) break;
  }
  return Flow::Normal;
}

void Interpreter::assign(const Stmt& stmt, const ScopePtr& scope, Value value) {
  if (!stmt.attribute.empty()) {
    const Value* target = scope->find(stmt.targets[0]);
    if (!target || target->kind() != Value::Kind::Namespace)
      runtime_fail(fmt::format("cannot assign attribute on non-namespace object '{}'", stmt.targets[0]));
    target->namespace_attributes().set(stmt.attribute, std::move(value));
    return;
  }
  if (stmt.targets.size() == 1) {
    scope->variables[stmt.targets[0]] = std::move(value);
    return;
  }
  const ValueList parts = iterate(value);
  if (parts.size() != stmt.targets.size())
    runtime_fail(fmt::format("cannot unpack {} values into {} names", parts.size(), stmt.targets.size()));
  for (std::size_t i = 0; i < parts.size(); ++i) scope->variables[stmt.targets[i]] = parts[i];
}

Value Interpreter::define_macro(const Stmt& stmt, const ScopePtr& scope) {
  std::weak_ptr<Scope> closure = scope;
  const Stmt* macro = &stmt;
  return Value::function(stmt.name, [this, closure, macro](CallArgs& args) -> Value {
    constexpr int kMaxCallDepth = 500;  // Python's recursion limit stops jinja2 near here too
    if (call_depth_ >= kMaxCallDepth)
      runtime_fail(fmt::format("macro '{}' recursed deeper than {} calls", macro->name, kMaxCallDepth));
    check_stack();
    ++call_depth_;
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{call_depth_};
    auto defining = closure.lock();
    if (!defining) runtime_fail(fmt::format("macro '{}' called outside the scope that defined it", macro->name));
    auto frame = child_of(defining);
    const auto& parameters = macro->parameters;
    ValueList extra;
    for (std::size_t i = 0; i < args.positional.size(); ++i) {
      if (i < parameters.size()) {
        frame->variables[parameters[i].name] = args.positional[i];
      } else {
        extra.push_back(args.positional[i]);
      }
    }
    auto keywords = std::make_shared<Dict>();
    for (auto& [key, value] : args.keyword) {
      const auto it = std::find_if(parameters.begin(), parameters.end(), [&](auto& p) { return p.name == key; });
      if (it == parameters.end()) {
        keywords->set(key, value);
        continue;
      }
      if (frame->variables.count(key)) runtime_fail(fmt::format("macro '{}' got multiple values for '{}'", macro->name, key));
      frame->variables[key] = value;
    }
    for (const auto& parameter : parameters) {
      if (frame->variables.count(parameter.name)) continue;
      frame->variables[parameter.name] =
          parameter.default_value ? eval(*parameter.default_value, frame)
                                  : Value::undefined(fmt::format("parameter '{}' of macro '{}'", parameter.name, macro->name));
    }
    frame->variables["varargs"] = Value::tuple(std::move(extra));
    frame->variables["kwargs"] = Value::dict(keywords);
    return Value(capture(macro->body, frame));
  });
}

ValueList Interpreter::iterate(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::Undefined: return {};
    case Value::Kind::List:
    case Value::Kind::Tuple: return value.as_list();
    case Value::Kind::Dict: {
      ValueList keys;
      for (const auto& [key, item] : value.as_dict().items) keys.emplace_back(key);
      return keys;
    }
    case Value::Kind::String: {
      ValueList characters;
      for (char32_t c : py::decode(value.as_string())) characters.emplace_back(py::encode(std::u32string(1, c)));
      return characters;
    }
    default: runtime_fail(fmt::format("'{}' object is not iterable", value.type_name()));
  }
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) undefined_used(callee);
  if (callee.kind() != Value::Kind::Callable) runtime_fail(fmt::format("'{}' object is not callable", callee.type_name()));
  return callee.as_callable().call(args);
}

Value Interpreter::attribute(const Value& object, const std::string& name) {
  if (object.is_undefined()) undefined_used(object);
  if (object.kind() == Value::Kind::Namespace) {
    const Value* found = object.namespace_attributes().find(name);
    return found ? *found : Value::undefined(fmt::format("'{}' (an attribute of a namespace)", name));
  }
  Value method = bound_method(object, name);
  if (!method.is_undefined()) return method;
  if (object.is_mapping()) {
    const Value* found = object.as_dict().find(name);
    if (found) return *found;
  }
  return Value::undefined(fmt::format("'{} object' has no attribute '{}', so it", object.type_name(), name));
}

Value Interpreter::item(const Value& object, const Value& key) {
  if (object.is_undefined()) undefined_used(object);
  if (object.is_mapping() || object.kind() == Value::Kind::Namespace) {
    if (key.is_string()) {
      const Value* found = object.kind() == Value::Kind::Namespace ? object.namespace_attributes().find(key.as_string())
                                                                   : object.as_dict().find(key.as_string());
      if (found) return *found;
      return attribute(object, key.as_string());
    }
    return Value::undefined(fmt::format("'{} object' has no item {}, so it", object.type_name(), key.repr()));
  }
  if (object.is_iterator() && std::string_view(object.type_name()) != "range")
    runtime_fail(fmt::format("'{}' object is not subscriptable", object.type_name()));
  if ((object.is_sequence() || object.is_string()) && key.is_integer()) {
    std::int64_t index = key.as_int();
    if (object.is_string()) {
      const std::u32string text = py::decode(object.as_string());
      if (index < 0) index += static_cast<std::int64_t>(text.size());
      if (index < 0 || index >= static_cast<std::int64_t>(text.size()))
        return Value::undefined(fmt::format("string index {}", key.as_int()));
      return Value(py::encode(std::u32string(1, text[static_cast<std::size_t>(index)])));
    }
    const ValueList& items = object.as_list();
    if (index < 0) index += static_cast<std::int64_t>(items.size());
    if (index < 0 || index >= static_cast<std::int64_t>(items.size()))
      return Value::undefined(fmt::format("'{} object' has no item {}, so it", object.type_name(), key.as_int()));
    return items[static_cast<std::size_t>(index)];
  }
  if (key.is_string()) return attribute(object, key.as_string());
  return Value::undefined(fmt::format("'{} object' has no item {}, so it", object.type_name(), key.repr()));
}

Value Interpreter::filter(const std::string& name, const Value& operand, CallArgs& args) {
  const FilterFunction* function = find_filter(name);
  if (!function) runtime_fail(fmt::format("no filter named '{}'", name));
  return (*function)(*this, operand, args);
}

bool Interpreter::test(const std::string& name, const Value& operand, CallArgs& args) {
  const TestFunction* function = find_test(name);
  if (!function) runtime_fail(fmt::format("no test named '{}'", name));
  return (*function)(*this, operand, args);
}

CallArgs Interpreter::eval_arguments(const Expr& expr, std::size_t first, const ScopePtr& scope) {
  CallArgs args;
  for (std::size_t i = first; i < expr.children.size(); ++i) args.positional.push_back(eval(*expr.children[i], scope));
  for (const auto& [key, value] : expr.keywords) args.keyword.emplace_back(key, eval(*value, scope));
  return args;
}

Value Interpreter::eval(const Expr& expr, const ScopePtr& scope) {
  try {
    return eval_node(expr, scope);
  } catch (const RuntimeFailure& failure) {
    fail_at(expr.at, failure.what());
  }
}

Value Interpreter::eval_node(const Expr& expr, const ScopePtr& scope) {
  switch (expr.kind) {
    case Expr::Kind::Literal: return expr.value;
    case Expr::Kind::Name: {
      const Value* found = scope->find(expr.name);
      return found ? *found : Value::undefined(fmt::format("'{}'", expr.name));
    }
    case Expr::Kind::ListLiteral:
    case Expr::Kind::TupleLiteral: {
      ValueList items;
      for (const auto& child : expr.children) items.push_back(eval(*child, scope));
      return expr.kind == Expr::Kind::ListLiteral ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case Expr::Kind::DictLiteral: {
      auto dict = std::make_shared<Dict>();
      for (std::size_t i = 0; i + 1 < expr.children.size(); i += 2) {
        const Value key = eval(*expr.children[i], scope);
        if (!key.is_string()) runtime_fail(fmt::format("dictionary keys must be strings here, not {}", key.type_name()));
        dict->set(key.as_string(), eval(*expr.children[i + 1], scope));
      }
      return Value::dict(std::move(dict));
    }
    case Expr::Kind::Attribute: return attribute(eval(*expr.children[0], scope), expr.name);
    case Expr::Kind::Item: return item(eval(*expr.children[0], scope), eval(*expr.children[1], scope));
    case Expr::Kind::Slice: {
      const Value object = eval(*expr.children[0], scope);
      if (object.is_undefined()) undefined_used(object);
      const auto part = [&](std::size_t i) { return expr.children[i] ? eval(*expr.children[i], scope) : Value(); };
      const Value start = part(1), stop = part(2), step = part(3);
      if (object.is_string()) {
        const std::u32string text = py::decode(object.as_string());
        std::u32string out;
        for (std::size_t i : slice_indices(static_cast<std::int64_t>(text.size()), start, stop, step)) out += text[i];
        return Value(py::encode(out));
      }
      if (!object.is_sequence() || object.is_iterator())
        runtime_fail(fmt::format("'{}' object is not subscriptable", object.type_name()));
      ValueList items;
      for (std::size_t i : slice_indices(static_cast<std::int64_t>(object.as_list().size()), start, stop, step))
        items.push_back(object.as_list()[i]);
      return object.kind() == Value::Kind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case Expr::Kind::Call: {
      const Value callee = eval(*expr.children[0], scope);
      CallArgs args = eval_arguments(expr, 1, scope);
      return call(callee, args);
    }
    case Expr::Kind::Filter: {
      const Value operand = eval(*expr.children[0], scope);
      CallArgs args = eval_arguments(expr, 1, scope);
      return filter(expr.name, operand, args);
    }
    case Expr::Kind::Test: {
      const Value operand = eval(*expr.children[0], scope);
      CallArgs args = eval_arguments(expr, 1, scope);
      return Value(test(expr.name, operand, args) != expr.negated);
    }
    case Expr::Kind::Unary: {
      const Value operand = eval(*expr.children[0], scope);
      if (expr.name == "not") return Value(!operand.truthy());
      if (operand.is_undefined()) undefined_used(operand);
      if (!operand.is_number()) runtime_fail(fmt::format("bad operand type for unary {}: '{}'", expr.name, operand.type_name()));
      if (expr.name == "+") return operand.kind() == Value::Kind::Bool ? Value(operand.as_int()) : operand;
      return operand.kind() == Value::Kind::Float ? Value(-operand.as_double())
                                                  : Value(checked_int('-', 0, operand.as_int()));
    }
    case Expr::Kind::Binary: return eval_binary(expr, scope);
    case Expr::Kind::Compare: return eval_compare(expr, scope);
    case Expr::Kind::Conditional:
      if (eval(*expr.children[0], scope).truthy()) return eval(*expr.children[1], scope);
      return expr.children[2] ? eval(*expr.children[2], scope) : Value::undefined("the else branch of a conditional");
  }
  return {};
}

Value Interpreter::eval_binary(const Expr& expr, const ScopePtr& scope) {
  const Value left = eval(*expr.children[0], scope);
  if (expr.name == "and") return left.truthy() ? eval(*expr.children[1], scope) : left;
  if (expr.name == "or") return left.truthy() ? left : eval(*expr.children[1], scope);
  const Value right = eval(*expr.children[1], scope);
  if (expr.name == "~") return Value(left.str() + right.str());
  if (expr.name == "%" && left.is_string()) {
    CallArgs args;
    if (right.kind() == Value::Kind::Tuple) {
      args.positional = right.as_list();
    } else {
      args.positional.push_back(right);
    }
    return filter("format", left, args);
  }
  return arithmetic(expr.name, left, right);
}

Value Interpreter::eval_compare(const Expr& expr, const ScopePtr& scope) {
  Value left = eval(*expr.children[0], scope);
  for (std::size_t i = 0; i < expr.ops.size(); ++i) {
    Value right = eval(*expr.children[i + 1], scope);
    const std::string& op = expr.ops[i];
    bool result = false;
    if (op == "==") {
      result = equal(left, right);
    } else if (op == "!=") {
      result = !equal(left, right);
    } else if (op == "in") {
      result = contains(right, left);
    } else if (op == "not in") {
      result = !contains(right, left);
    } else {
      if (left.is_undefined()) undefined_used(left);
      if (right.is_undefined()) undefined_used(right);
      const int c = compare(left, right, [](const std::string& m) { runtime_fail(m); });
      result = op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : c >= 0;
    }
    if (!result) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

}  // namespace tp::jinja
