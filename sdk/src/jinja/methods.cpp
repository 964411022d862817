#include <fmt/format.h>
#include <utf8proc.h>

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "jinja/builtins.hpp"
#include "jinja/py_text.hpp"

namespace tp::jinja {
namespace {

using Method = std::function<Value(const Value& self, CallArgs& args)>;

std::optional<std::string> optional_text(const Value& v, const char* what) {
  if (v.is_undefined() || v.is_none()) return std::nullopt;
  if (!v.is_string()) runtime_fail(fmt::format("{} must be None or a string, not {}", what, v.type_name()));
  return v.as_string();
}

std::int64_t optional_int(const Value& v, std::int64_t fallback) {
  if (v.is_undefined() || v.is_none()) return fallback;
  if (!v.is_integer()) runtime_fail(fmt::format("'{}' object cannot be interpreted as an integer", v.type_name()));
  return v.as_int();
}

Value strings(const std::vector<std::string>& parts) {
  ValueList items;
  for (const auto& part : parts) items.emplace_back(part);
  return Value::list(std::move(items));
}

Value affix_test(const Value& self, CallArgs& args, const char* name, bool prefix) {
  Arguments a(args, name, {"affix"});
  std::vector<std::string> candidates;
  if (a[0].is_string()) {
    candidates.push_back(a[0].as_string());
  } else if (a[0].kind() == Value::Kind::Tuple) {
    for (const Value& v : a[0].as_list()) candidates.push_back(v.str());
  } else {
    runtime_fail(fmt::format("{} first arg must be str or a tuple of str, not {}", name, a[0].type_name()));
  }
  const std::string& s = self.as_string();
  for (const auto& c : candidates) {
    if (c.size() > s.size()) continue;
    if (prefix ? s.compare(0, c.size(), c) == 0 : s.compare(s.size() - c.size(), c.size(), c) == 0) return Value(true);
  }
  return Value(false);
}

template <typename Predicate>
Value all_code_points(const Value& self, Predicate predicate) {
  const std::u32string s = py::decode(self.as_string());
  return Value(!s.empty() && std::all_of(s.begin(), s.end(), predicate));
}

// str.format with {} / {0} / {name} fields (no conversions or format specs).
Value str_format(const Value& self, CallArgs& args) {
  const std::string& s = self.as_string();
  std::string out;
  std::size_t automatic = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if ((c == '{' || c == '}') && i + 1 < s.size() && s[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    const std::size_t close = s.find('}', i);
    if (close == std::string::npos) runtime_fail("single '{' encountered in format string");
    const std::string field = s.substr(i + 1, close - i - 1);
    if (field.find_first_of(":!.[") != std::string::npos)
      runtime_fail(fmt::format("str.format field '{{{}}}' is not supported (only {{}}, {{0}} and {{name}})", field));
    const Value* value = nullptr;
    if (field.empty() || std::all_of(field.begin(), field.end(), ::isdigit)) {
      const std::size_t index = field.empty() ? automatic++ : std::stoul(field);
      if (index >= args.positional.size()) runtime_fail("str.format: replacement index out of range");
      value = &args.positional[index];
    } else {
      for (auto& [key, v] : args.keyword)
        if (key == field) value = &v;
      if (!value) runtime_fail(fmt::format("str.format: no argument named '{}'", field));
    }
    out += value->str();
    i = close;
  }
  return Value(std::move(out));
}

const std::unordered_map<std::string, Method>& string_methods() {
  static const std::unordered_map<std::string, Method> methods = {
      {"strip", [](const Value& self, CallArgs& args) {
         Arguments a(args, "strip", {"chars"});
         return Value(py::strip(self.as_string(), optional_text(a[0], "strip arg"), true, true));
       }},
      {"lstrip", [](const Value& self, CallArgs& args) {
         Arguments a(args, "lstrip", {"chars"});
         return Value(py::strip(self.as_string(), optional_text(a[0], "lstrip arg"), true, false));
       }},
      {"rstrip", [](const Value& self, CallArgs& args) {
         Arguments a(args, "rstrip", {"chars"});
         return Value(py::strip(self.as_string(), optional_text(a[0], "rstrip arg"), false, true));
       }},
      {"split", [](const Value& self, CallArgs& args) {
         Arguments a(args, "split", {"sep", "maxsplit"});
         const auto sep = optional_text(a[0], "split separator");
         if (sep && sep->empty()) runtime_fail("empty separator");
         return strings(py::split(self.as_string(), sep, optional_int(a[1], -1), false));
       }},
      {"rsplit", [](const Value& self, CallArgs& args) {
         Arguments a(args, "rsplit", {"sep", "maxsplit"});
         const auto sep = optional_text(a[0], "rsplit separator");
         if (sep && sep->empty()) runtime_fail("empty separator");
         return strings(py::split(self.as_string(), sep, optional_int(a[1], -1), true));
       }},
      {"splitlines", [](const Value& self, CallArgs& args) {
         Arguments a(args, "splitlines", {});
         return strings(py::splitlines(self.as_string()));
       }},
      {"startswith", [](const Value& self, CallArgs& args) { return affix_test(self, args, "startswith", true); }},
      {"endswith", [](const Value& self, CallArgs& args) { return affix_test(self, args, "endswith", false); }},
      {"upper", [](const Value& self, CallArgs& args) {
         Arguments a(args, "upper", {});
         return Value(py::upper(self.as_string()));
       }},
      {"lower", [](const Value& self, CallArgs& args) {
         Arguments a(args, "lower", {});
         return Value(py::lower(self.as_string()));
       }},
      {"title", [](const Value& self, CallArgs& args) {
         Arguments a(args, "title", {});
         return Value(py::title(self.as_string()));
       }},
      {"capitalize", [](const Value& self, CallArgs& args) {
         Arguments a(args, "capitalize", {});
         return Value(py::capitalize(self.as_string()));
       }},
      {"replace", [](const Value& self, CallArgs& args) {
         Arguments a(args, "replace", {"old", "new", "count"});
         if (!a[0].is_string() || !a[1].is_string()) runtime_fail("replace() arguments must be strings");
         return Value(py::replace(self.as_string(), a[0].as_string(), a[1].as_string(), optional_int(a[2], -1)));
       }},
      {"find", [](const Value& self, CallArgs& args) {
         Arguments a(args, "find", {"sub"});
         if (!a[0].is_string()) runtime_fail("find() argument must be a string");
         const std::size_t at = self.as_string().find(a[0].as_string());
         return Value(at == std::string::npos ? std::int64_t{-1}
                                              : static_cast<std::int64_t>(py::length(self.as_string().substr(0, at))));
       }},
      {"rfind", [](const Value& self, CallArgs& args) {
         Arguments a(args, "rfind", {"sub"});
         if (!a[0].is_string()) runtime_fail("rfind() argument must be a string");
         const std::size_t at = self.as_string().rfind(a[0].as_string());
         return Value(at == std::string::npos ? std::int64_t{-1}
                                              : static_cast<std::int64_t>(py::length(self.as_string().substr(0, at))));
       }},
      {"count", [](const Value& self, CallArgs& args) {
         Arguments a(args, "count", {"sub"});
         if (!a[0].is_string()) runtime_fail("count() argument must be a string");
         const std::string& s = self.as_string();
         const std::string& sub = a[0].as_string();
         if (sub.empty()) return Value(static_cast<std::int64_t>(py::length(s) + 1));
         std::int64_t n = 0;
         for (std::size_t at = s.find(sub); at != std::string::npos; at = s.find(sub, at + sub.size())) ++n;
         return Value(n);
       }},
      {"join", [](const Value& self, CallArgs& args) {
         Arguments a(args, "join", {"iterable"});
         std::string out;
         bool first = true;
         const ValueList items = a[0].is_sequence() ? a[0].as_list() : ValueList{};
         if (!a[0].is_sequence()) runtime_fail("join() takes a list of strings");
         for (const Value& item : items) {
           if (!item.is_string()) runtime_fail(fmt::format("sequence item: expected str instance, {} found", item.type_name()));
           if (!first) out += self.as_string();
           out += item.as_string();
           first = false;
         }
         return Value(std::move(out));
       }},
      {"isdigit", [](const Value& self, CallArgs&) { return all_code_points(self, [](char32_t c) { return c >= '0' && c <= '9'; }); }},
      {"isspace", [](const Value& self, CallArgs&) { return all_code_points(self, py::is_space); }},
      {"isalpha", [](const Value& self, CallArgs&) {
         return all_code_points(self, [](char32_t c) {
           const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
           return category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO;
         });
       }},
      {"isupper", [](const Value& self, CallArgs&) {
         const std::string& s = self.as_string();
         return Value(py::upper(s) == s && py::lower(s) != s);
       }},
      {"islower", [](const Value& self, CallArgs&) {
         const std::string& s = self.as_string();
         return Value(py::lower(s) == s && py::upper(s) != s);
       }},
      {"format", str_format},
  };
  return methods;
}

const std::unordered_map<std::string, Method>& dict_methods() {
  static const std::unordered_map<std::string, Method> methods = {
      {"get", [](const Value& self, CallArgs& args) {
         Arguments a(args, "get", {"key", "default"});
         const Value* found = a[0].is_string() ? self.as_dict().find(a[0].as_string()) : nullptr;
         if (found) return *found;
         return a.given(1) ? a[1] : Value::none();
       }},
      {"items", [](const Value& self, CallArgs& args) {
         Arguments a(args, "items", {});
         ValueList pairs;
         for (const auto& [key, value] : self.as_dict().items) pairs.push_back(Value::tuple({Value(key), value}));
         return Value::iterator(std::move(pairs), "dict_items");
       }},
      {"keys", [](const Value& self, CallArgs& args) {
         Arguments a(args, "keys", {});
         ValueList keys;
         for (const auto& [key, value] : self.as_dict().items) keys.emplace_back(key);
         return Value::iterator(std::move(keys), "dict_keys");
       }},
      {"values", [](const Value& self, CallArgs& args) {
         Arguments a(args, "values", {});
         ValueList values;
         for (const auto& [key, value] : self.as_dict().items) values.push_back(value);
         return Value::iterator(std::move(values), "dict_values");
       }},
  };
  return methods;
}

const std::unordered_map<std::string, Method>& list_methods() {
  static const std::unordered_map<std::string, Method> methods = {
      {"index", [](const Value& self, CallArgs& args) {
         Arguments a(args, "index", {"value"});
         const ValueList& items = self.as_list();
         for (std::size_t i = 0; i < items.size(); ++i)
           if (equal(items[i], a[0])) return Value(static_cast<std::int64_t>(i));
         runtime_fail(fmt::format("{} is not in list", a[0].repr()));
       }},
      {"count", [](const Value& self, CallArgs& args) {
         Arguments a(args, "count", {"value"});
         std::int64_t n = 0;
         for (const Value& item : self.as_list()) n += equal(item, a[0]);
         return Value(n);
       }},
  };
  return methods;
}

// Methods that change a list or dict: the immutable sandbox HF renders in refuses them.
bool is_mutating(const Value& self, const std::string& name) {
  static const std::vector<std::string> list_names = {"append", "extend", "insert", "pop", "remove",
                                                      "clear", "sort", "reverse"};
  static const std::vector<std::string> dict_names = {"pop", "popitem", "setdefault", "update", "clear"};
  const auto& names = self.is_mapping() ? dict_names : list_names;
  return (self.is_mapping() || self.kind() == Value::Kind::List) &&
         std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

Value bound_method(const Value& self, const std::string& name) {
  if (is_mutating(self, name)) {
    return Value::function(name, [name, type = self.type_name()](CallArgs&) -> Value {
      runtime_fail(fmt::format("access to attribute '{}' of '{}' object is unsafe (chat templates render in an "
                               "immutable sandbox, as in transformers)",
                               name, type));
    });
  }
  const std::unordered_map<std::string, Method>* table = nullptr;
  if (self.is_string()) table = &string_methods();
  if (self.is_mapping()) table = &dict_methods();
  if (self.is_sequence() && !self.is_iterator()) table = &list_methods();
  if (!table) return {};
  const auto it = table->find(name);
  if (it == table->end()) return {};
  const Method& method = it->second;
  return Value::function(name, [self, &method](CallArgs& args) { return method(self, args); });
}

}  // namespace tp::jinja
