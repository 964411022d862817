#include <fmt/format.h>

#include <unordered_map>

#include "jinja/builtins.hpp"
#include "jinja/parser.hpp"
#include "jinja/py_text.hpp"

namespace tp::jinja {
namespace {

const Value& only_argument(CallArgs& args, const char* test) {
  if (args.positional.size() != 1 || !args.keyword.empty())
    runtime_fail(fmt::format("the '{}' test takes one argument", test));
  return args.positional[0];
}

void no_arguments(CallArgs& args, const char* test) {
  if (!args.positional.empty() || !args.keyword.empty())
    runtime_fail(fmt::format("the '{}' test takes no arguments", test));
}

#define TP_SIMPLE_TEST(fn, name, expression)              \
  bool fn(Interpreter&, const Value& v, CallArgs& args) { \
    no_arguments(args, name);                             \
    return (expression);                                  \
  }

TP_SIMPLE_TEST(t_defined, "defined", !v.is_undefined())
TP_SIMPLE_TEST(t_undefined, "undefined", v.is_undefined())
TP_SIMPLE_TEST(t_none, "none", v.is_none())
TP_SIMPLE_TEST(t_boolean, "boolean", v.kind() == Value::Kind::Bool)
TP_SIMPLE_TEST(t_true, "true", v.kind() == Value::Kind::Bool && v.as_bool())
TP_SIMPLE_TEST(t_false, "false", v.kind() == Value::Kind::Bool && !v.as_bool())
TP_SIMPLE_TEST(t_integer, "integer", v.kind() == Value::Kind::Int)
TP_SIMPLE_TEST(t_float, "float", v.kind() == Value::Kind::Float)
TP_SIMPLE_TEST(t_number, "number", v.is_number())
TP_SIMPLE_TEST(t_string, "string", v.is_string())
TP_SIMPLE_TEST(t_mapping, "mapping", v.is_mapping())
// Undefined iterates (as nothing), as jinja2's Undefined does.
TP_SIMPLE_TEST(t_iterable, "iterable", v.is_undefined() || v.is_string() || v.is_sequence() || v.is_mapping())
TP_SIMPLE_TEST(t_sequence, "sequence",
               v.is_undefined() || v.is_string() || (v.is_sequence() && !v.is_iterator()) || v.is_mapping())
TP_SIMPLE_TEST(t_callable, "callable", v.kind() == Value::Kind::Callable)
TP_SIMPLE_TEST(t_escaped, "escaped", false)
TP_SIMPLE_TEST(t_lower, "lower", v.is_string() && py::lower(v.as_string()) == v.as_string())
TP_SIMPLE_TEST(t_upper, "upper", v.is_string() && py::upper(v.as_string()) == v.as_string())
#undef TP_SIMPLE_TEST

std::int64_t integer_of(const Value& v, const char* test) {
  if (!v.is_integer()) runtime_fail(fmt::format("the '{}' test needs an integer, not {}", test, v.type_name()));
  return v.as_int();
}

bool t_odd(Interpreter&, const Value& v, CallArgs& args) {
  no_arguments(args, "odd");
  return integer_of(v, "odd") % 2 != 0;
}

bool t_even(Interpreter&, const Value& v, CallArgs& args) {
  no_arguments(args, "even");
  return integer_of(v, "even") % 2 == 0;
}

bool t_divisibleby(Interpreter&, const Value& v, CallArgs& args) {
  const std::int64_t n = integer_of(only_argument(args, "divisibleby"), "divisibleby");
  if (n == 0) runtime_fail("integer division or modulo by zero");
  return integer_of(v, "divisibleby") % n == 0;
}

bool t_sameas(Interpreter&, const Value& v, CallArgs& args) {
  const Value& other = only_argument(args, "sameas");
  if (v.kind() != other.kind()) return false;
  switch (v.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None:
    case Value::Kind::Bool: return equal(v, other);
    case Value::Kind::List:
    case Value::Kind::Tuple: return &v.as_list() == &other.as_list();
    case Value::Kind::Dict:
    case Value::Kind::Namespace: return &v.namespace_attributes() == &other.namespace_attributes();
    default: return equal(v, other);
  }
}


bool t_eq(Interpreter&, const Value& v, CallArgs& args) { return equal(v, only_argument(args, "equalto")); }
bool t_ne(Interpreter&, const Value& v, CallArgs& args) { return !equal(v, only_argument(args, "ne")); }
bool t_lt(Interpreter&, const Value& v, CallArgs& args) { return compare(v, only_argument(args, "lt"), runtime_fail) < 0; }
bool t_le(Interpreter&, const Value& v, CallArgs& args) { return compare(v, only_argument(args, "le"), runtime_fail) <= 0; }
bool t_gt(Interpreter&, const Value& v, CallArgs& args) { return compare(v, only_argument(args, "gt"), runtime_fail) > 0; }
bool t_ge(Interpreter&, const Value& v, CallArgs& args) { return compare(v, only_argument(args, "ge"), runtime_fail) >= 0; }

bool t_in(Interpreter& in, const Value& v, CallArgs& args) {
  const Value& container = only_argument(args, "in");
  if (container.is_string()) return v.is_string() && container.as_string().find(v.as_string()) != std::string::npos;
  if (container.is_mapping()) return v.is_string() && container.as_dict().find(v.as_string());
  for (const Value& item : in.iterate(container))
    if (equal(item, v)) return true;
  return false;
}

bool t_filter(Interpreter&, const Value& v, CallArgs& args) {
  no_arguments(args, "filter");
  return v.is_string() && find_filter(v.as_string());
}

bool t_test(Interpreter&, const Value& v, CallArgs& args) {
  no_arguments(args, "test");
  return v.is_string() && find_test(v.as_string());
}

const std::unordered_map<std::string, TestFunction>& tests() {
  static const std::unordered_map<std::string, TestFunction> table = {
      {"boolean", t_boolean},   {"callable", t_callable}, {"defined", t_defined},   {"divisibleby", t_divisibleby},
      {"eq", t_eq},             {"equalto", t_eq},        {"escaped", t_escaped},   {"even", t_even},
      {"false", t_false},       {"filter", t_filter},     {"float", t_float},       {"ge", t_ge},
      {"greaterthan", t_gt},    {"gt", t_gt},             {"in", t_in},             {"integer", t_integer},
      {"iterable", t_iterable}, {"le", t_le},             {"lessthan", t_lt},       {"lower", t_lower},
      {"lt", t_lt},             {"mapping", t_mapping},   {"ne", t_ne},             {"none", t_none},
      {"number", t_number},     {"odd", t_odd},           {"sameas", t_sameas},     {"sequence", t_sequence},
      {"string", t_string},     {"test", t_test},         {"true", t_true},         {"undefined", t_undefined},
      {"upper", t_upper},
  };
  return table;
}

}  // namespace

const TestFunction* find_test(const std::string& name) {
  const auto it = tests().find(name);
  return it == tests().end() ? nullptr : &it->second;
}

bool is_known_filter(const std::string& name) { return find_filter(name) != nullptr; }
bool is_known_test(const std::string& name) { return find_test(name) != nullptr; }

}  // namespace tp::jinja
