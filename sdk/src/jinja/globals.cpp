#include <fmt/format.h>

#include <ctime>

#include "jinja/builtins.hpp"

namespace tp::jinja {

Arguments::Arguments(CallArgs& args, std::string_view function, std::initializer_list<std::string_view> names)
    : values_(names.size()) {
  if (args.positional.size() > names.size())
    runtime_fail(fmt::format("{}() takes at most {} arguments ({} given)", function, names.size(), args.positional.size()));
  for (std::size_t i = 0; i < args.positional.size(); ++i) values_[i] = args.positional[i];
  for (auto& [key, value] : args.keyword) {
    const auto it = std::find(names.begin(), names.end(), key);
    if (it == names.end()) runtime_fail(fmt::format("{}() got an unexpected keyword argument '{}'", function, key));
    const auto index = static_cast<std::size_t>(it - names.begin());
    if (index < args.positional.size())
      runtime_fail(fmt::format("{}() got multiple values for argument '{}'", function, key));
    values_[index] = value;
  }
}

std::string text_of(const Value& value) { return value.str(); }

namespace {

Value range_of(CallArgs& args) {
  if (!args.keyword.empty()) runtime_fail("range() takes no keyword arguments");
  std::vector<std::int64_t> numbers;
  for (const Value& v : args.positional) {
    if (!v.is_integer()) runtime_fail(fmt::format("'{}' object cannot be interpreted as an integer", v.type_name()));
    numbers.push_back(v.as_int());
  }
  if (numbers.empty() || numbers.size() > 3) runtime_fail("range() takes 1 to 3 arguments");
  const std::int64_t start = numbers.size() == 1 ? 0 : numbers[0];
  const std::int64_t stop = numbers.size() == 1 ? numbers[0] : numbers[1];
  const std::int64_t step = numbers.size() == 3 ? numbers[2] : 1;
  if (step == 0) runtime_fail("range() arg 3 must not be zero");
  constexpr std::int64_t kMaxRange = 100000;  // jinja2's sandbox limit
  ValueList items;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (static_cast<std::int64_t>(items.size()) >= kMaxRange)
      runtime_fail(fmt::format("range too big: more than {} items", kMaxRange));
    items.emplace_back(i);
  }
  return Value::iterator(std::move(items), "range");
}

Value dict_of(CallArgs& args) {
  auto dict = std::make_shared<Dict>();
  for (const Value& v : args.positional) {
    if (!v.is_mapping()) runtime_fail("dict() takes a mapping or keyword arguments");
    for (const auto& [key, item] : v.as_dict().items) dict->set(key, item);
  }
  for (auto& [key, value] : args.keyword) dict->set(key, value);
  return Value::dict(std::move(dict));
}

Value namespace_of(CallArgs& args) {
  Value dict = dict_of(args);
  return Value::namespace_object(std::make_shared<Dict>(dict.as_dict()));
}

Value raise_exception(CallArgs& args) {
  Arguments a(args, "raise_exception", {"message"});
  runtime_fail(fmt::format("the template raised an exception: {}", a[0].str()));
}

Value strftime_now(CallArgs& args) {
  Arguments a(args, "strftime_now", {"format"});
  if (!a[0].is_string()) runtime_fail("strftime_now() takes a format string");
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[512];
  const std::size_t n = std::strftime(buffer, sizeof buffer, a[0].as_string().c_str(), &local);
  return Value(std::string(buffer, n));
}

}  // namespace

void add_globals(Scope& globals) {
  globals.variables["range"] = Value::function("range", range_of);
  globals.variables["dict"] = Value::function("dict", dict_of);
  globals.variables["namespace"] = Value::function("namespace", namespace_of);
  globals.variables["raise_exception"] = Value::function("raise_exception", raise_exception);
  globals.variables["strftime_now"] = Value::function("strftime_now", strftime_now);
}

}  // namespace tp::jinja
