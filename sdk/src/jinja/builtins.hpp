#pragma once
// jinja2's filters and tests, the Python methods of str, list and dict that
// templates call, and the globals HF's environment adds.
#include <initializer_list>
#include <string>
#include <string_view>

#include "jinja/interpreter.hpp"

namespace tp::jinja {

using FilterFunction = Value (*)(Interpreter&, const Value& operand, CallArgs& args);
using TestFunction = bool (*)(Interpreter&, const Value& operand, CallArgs& args);

const FilterFunction* find_filter(const std::string& name);
const TestFunction* find_test(const std::string& name);

// The bound method `name` of a str, list or dict, or undefined when there is none.
Value bound_method(const Value& self, const std::string& name);

// range, dict, namespace, raise_exception, strftime_now.
void add_globals(Scope& globals);

// Python's argument binding for a builtin: positional then keyword arguments
// onto the parameter names; an unknown or doubled argument is an error.
class Arguments {
 public:
  Arguments(CallArgs& args, std::string_view function, std::initializer_list<std::string_view> names);
  const Value& operator[](std::size_t index) const { return values_[index]; }
  bool given(std::size_t index) const { return !values_[index].is_undefined(); }

 private:
  std::vector<Value> values_;
};

// str(value) for the text filters; undefined is "".
std::string text_of(const Value& value);
// markupsafe's escape of & < > " '.
std::string html_escape(std::string_view text);

}  // namespace tp::jinja
