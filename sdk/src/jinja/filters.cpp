#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "jinja/builtins.hpp"
#include "jinja/json_dump.hpp"
#include "jinja/py_text.hpp"

namespace tp::jinja {
namespace {

Value list_of(Interpreter& in, const Value& v) { return Value::list(in.iterate(v)); }

// jinja2's make_attrgetter: "a.b.0" looked up part by part as subscripts.
Value attribute_path(Interpreter& in, const Value& item, const Value& path) {
  if (path.is_integer()) return in.item(item, path);
  Value current = item;
  for (const std::string& part : py::split(path.str(), std::string("."), -1, false)) {
    const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    std::int64_t index = 0;
    const bool fits = numeric && std::from_chars(part.data(), part.data() + part.size(), index).ec == std::errc();
    if (numeric && !fits) return Value::undefined(part);  // an index past int64 finds nothing
    current = in.item(current, numeric ? Value(index) : Value(part));
    if (current.is_undefined()) break;
  }
  return current;
}

// int() of a float, as Python: infinities and NaN are refused, and so is a
// value past int64 (Python's int would grow; ours cannot).
std::int64_t float_to_int(double d) {
  if (std::isnan(d)) runtime_fail("cannot convert float NaN to integer");
  if (std::isinf(d)) runtime_fail("cannot convert float infinity to integer");
  if (d >= 0x1p63 || d < -0x1p63) runtime_fail(fmt::format("int() of {} is past the 64-bit integers", py::float_repr(d)));
  return static_cast<std::int64_t>(d);
}

std::string sort_text(const Value& v, bool case_sensitive) {
  return case_sensitive ? v.str() : py::lower(v.str());
}

int order(const Value& a, const Value& b, bool case_sensitive) {
  if (!case_sensitive && a.is_string() && b.is_string()) {
    return compare(Value(sort_text(a, false)), Value(sort_text(b, false)), runtime_fail);
  }
  return compare(a, b, runtime_fail);
}

Value f_default(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "default", {"default_value", "boolean"});
  const bool boolean = a[1].truthy();
  if (v.is_undefined() || (boolean && !v.truthy())) return a.given(0) ? a[0] : Value("");
  return v;
}

Value f_length(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "length", {});
  switch (v.kind()) {
    case Value::Kind::Undefined: return Value(0);
    case Value::Kind::String: return Value(static_cast<std::int64_t>(py::length(v.as_string())));
    case Value::Kind::List:
    case Value::Kind::Tuple:
      if (!v.is_sized()) runtime_fail(fmt::format("object of type '{}' has no len()", v.type_name()));
      return Value(static_cast<std::int64_t>(v.as_list().size()));
    case Value::Kind::Dict: return Value(static_cast<std::int64_t>(v.as_dict().items.size()));
    default: runtime_fail(fmt::format("object of type '{}' has no len()", v.type_name()));
  }
}

Value f_first(Interpreter& in, const Value& v, CallArgs& args) {
  Arguments a(args, "first", {});
  const ValueList items = in.iterate(v);
  return items.empty() ? Value::undefined("the first item of an empty sequence") : items.front();
}

Value f_last(Interpreter& in, const Value& v, CallArgs& args) {
  Arguments a(args, "last", {});
  if (!v.is_sized()) runtime_fail(fmt::format("'{}' object is not reversible", v.type_name()));
  const ValueList items = in.iterate(v);
  return items.empty() ? Value::undefined("the last item of an empty sequence") : items.back();
}

Value f_list(Interpreter& in, const Value& v, CallArgs& args) {
  Arguments a(args, "list", {});
  return list_of(in, v);
}

Value f_items(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "items", {});
  if (v.is_undefined()) return Value::list({});
  if (!v.is_mapping()) runtime_fail("Can only get item pairs from a mapping.");
  ValueList pairs;
  for (const auto& [key, value] : v.as_dict().items) pairs.push_back(Value::tuple({Value(key), value}));
  return Value::iterator(std::move(pairs), "generator");
}

Value f_join(Interpreter& in, const Value& v, CallArgs& args) {
  Arguments a(args, "join", {"d", "attribute"});
  const std::string separator = a.given(0) ? a[0].str() : "";
  std::string out;
  bool first = true;
  for (const Value& item : in.iterate(v)) {
    if (!first) out += separator;
    out += (a.given(1) ? attribute_path(in, item, a[1]) : item).str();
    first = false;
  }
  return Value(std::move(out));
}

// A filter over str(value); markup stays markup, as markupsafe's methods keep it.
Value same_kind(const Value& v, std::string text) { return v.is_markup() ? Value::markup(std::move(text)) : Value(std::move(text)); }

Value text_filter(const Value& v, CallArgs& args, const char* name, std::string (*transform)(std::string_view)) {
  Arguments a(args, name, {});
  return same_kind(v, transform(text_of(v)));
}

Value f_lower(Interpreter&, const Value& v, CallArgs& args) { return text_filter(v, args, "lower", py::lower); }
Value f_upper(Interpreter&, const Value& v, CallArgs& args) { return text_filter(v, args, "upper", py::upper); }
Value f_title(Interpreter&, const Value& v, CallArgs& args) { return text_filter(v, args, "title", py::title); }
Value f_capitalize(Interpreter&, const Value& v, CallArgs& args) {
  return text_filter(v, args, "capitalize", py::capitalize);
}

Value f_trim(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "trim", {"chars"});
  std::optional<std::string> chars;
  if (a.given(0) && !a[0].is_none()) chars = a[0].str();
  return same_kind(v, py::strip(text_of(v), chars, true, true));
}

Value f_string(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "string", {});
  return same_kind(v, text_of(v));
}

Value f_safe(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "safe", {});
  return v.is_markup() ? v : Value::markup(text_of(v));
}

Value f_escape(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "escape", {});
  return v.is_markup() ? v : Value::markup(html_escape(text_of(v)));
}

Value f_replace(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "replace", {"old", "new", "count"});
  const std::int64_t count = a.given(2) && !a[2].is_none() ? a[2].as_int() : -1;
  return Value(py::replace(text_of(v), a[0].str(), a[1].str(), count));
}

Value f_indent(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "indent", {"width", "first", "blank"});
  const std::string indentation =
      a[0].is_string() ? a[0].as_string() : std::string(static_cast<std::size_t>(a.given(0) ? a[0].as_int() : 4), ' ');
  const std::vector<std::string> lines = py::splitlines(text_of(v) + "\n");
  std::string out;
  if (a[2].truthy()) {
    for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" + indentation : "") + lines[i];
  } else {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i == 0) {
        out += lines[i];
        continue;
      }
      out += "\n" + (lines[i].empty() ? "" : indentation) + lines[i];
    }
  }
  if (a[1].truthy()) out = indentation + out;
  return Value(std::move(out));
}

Value f_center(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "center", {"width"});
  const std::string s = text_of(v);
  const auto width = static_cast<std::size_t>(a.given(0) ? a[0].as_int() : 80);
  const std::size_t length = py::length(s);
  if (width <= length) return Value(s);
  const std::size_t margin = width - length;
  const std::size_t left = margin / 2 + (margin & width & 1);
  return Value(std::string(left, ' ') + s + std::string(margin - left, ' '));
}

Value f_tojson(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "tojson", {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions options;
  options.ensure_ascii = a[0].truthy();
  if (a.given(1) && !a[1].is_none())
    options.indent = a[1].is_string() ? a[1].as_string() : std::string(static_cast<std::size_t>(std::max<std::int64_t>(0, a[1].as_int())), ' ');
  if (a.given(2) && !a[2].is_none()) {
    if (!a[2].is_sequence() || a[2].as_list().size() != 2) runtime_fail("tojson separators must be a pair of strings");
    options.separators = std::make_pair(a[2].as_list()[0].str(), a[2].as_list()[1].str());
  }
  options.sort_keys = a[3].truthy();
  return Value(json_dump(v, options, runtime_fail));
}

Value f_int(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "int", {"default", "base"});
  const Value fallback = a.given(0) ? a[0] : Value(0);
  if (v.is_integer()) return Value(v.as_int());
  if (v.kind() == Value::Kind::Float) return Value(float_to_int(v.as_double()));
  if (v.is_string()) {
    const std::string s = py::strip(v.as_string(), std::nullopt, true, true);
    try {
      std::size_t used = 0;
      const std::int64_t n = std::stoll(s, &used, a.given(1) ? static_cast<int>(a[1].as_int()) : 10);
      if (used == s.size()) return Value(n);
    } catch (const std::exception&) {
    }
    // jinja2 turns the OverflowError of int(float(text)) into the default.
    if (const auto d = py::parse_float(s); d && *d > -0x1p63 && *d < 0x1p63) return Value(static_cast<std::int64_t>(*d));
  }
  return fallback;
}

Value f_float(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "float", {"default"});
  if (v.is_number()) return Value(v.as_double());
  if (v.is_string()) {
    if (const auto d = py::parse_float(py::strip(v.as_string(), std::nullopt, true, true))) return Value(*d);
  }
  return a.given(0) ? a[0] : Value(0.0);
}

Value f_abs(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "abs", {});
  if (v.is_integer()) return Value(v.as_int() < 0 ? checked_int('-', 0, v.as_int()) : v.as_int());
  if (v.kind() == Value::Kind::Float) return Value(std::fabs(v.as_double()));
  runtime_fail(fmt::format("bad operand type for abs(): '{}'", v.type_name()));
}

Value f_round(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "round", {"precision", "method"});
  if (!v.is_number()) runtime_fail(fmt::format("round() needs a number, not {}", v.type_name()));
  const double scale = std::pow(10.0, static_cast<double>(a.given(0) ? a[0].as_int() : 0));
  const std::string method = a.given(1) ? a[1].str() : "common";
  const double x = v.as_double() * scale;
  double r = 0;
  if (method == "common") {
    r = std::nearbyint(x);  // Python's round(): halves to even
  } else if (method == "ceil") {
    r = std::ceil(x);
  } else if (method == "floor") {
    r = std::floor(x);
  } else {
    runtime_fail("method must be common, ceil or floor");
  }
  return Value(r / scale);
}

Value f_reverse(Interpreter& in, const Value& v, CallArgs& args) {
  Arguments a(args, "reverse", {});
  if (v.is_string()) {
    std::u32string s = py::decode(v.as_string());
    std::reverse(s.begin(), s.end());
    return Value(py::encode(s));
  }
  ValueList items = in.iterate(v);
  std::reverse(items.begin(), items.end());
  // reversed() of a list or a sized view is an iterator; other iterables become a list.
  return v.is_sequence() && v.is_sized() ? Value::iterator(std::move(items), "list_reverseiterator")
                                         : Value::list(std::move(items));
}

Value f_sort(Interpreter& in, const Value& v, CallArgs& args) {
  Arguments a(args, "sort", {"reverse", "case_sensitive", "attribute"});
  ValueList items = in.iterate(v);
  const bool case_sensitive = a[1].truthy();
  const auto key = [&](const Value& item) { return a.given(2) ? attribute_path(in, item, a[2]) : item; };
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    const int c = order(key(x), key(y), case_sensitive);
    return a[0].truthy() ? c > 0 : c < 0;
  });
  return Value::list(std::move(items));
}

Value f_dictsort(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "dictsort", {"case_sensitive", "by", "reverse"});
  if (!v.is_mapping()) runtime_fail("dictsort needs a mapping");
  const bool by_value = a.given(1) && a[1].str() == "value";
  ValueList pairs;
  for (const auto& [key, value] : v.as_dict().items) pairs.push_back(Value::tuple({Value(key), value}));
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
    const int c = order(x.as_list()[by_value], y.as_list()[by_value], a[0].truthy());
    return a[2].truthy() ? c > 0 : c < 0;
  });
  return Value::list(std::move(pairs));
}

Value f_unique(Interpreter& in, const Value& v, CallArgs& args) {
  Arguments a(args, "unique", {"case_sensitive", "attribute"});
  ValueList out, seen;
  for (const Value& item : in.iterate(v)) {
    Value key = a.given(1) ? attribute_path(in, item, a[1]) : item;
    if (!a[0].truthy() && key.is_string()) key = Value(py::lower(key.as_string()));
    if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return equal(s, key); })) continue;
    seen.push_back(key);
    out.push_back(item);
  }
  return Value::iterator(std::move(out), "generator");
}

Value extreme(Interpreter& in, const Value& v, CallArgs& args, const char* name, bool want_max) {
  Arguments a(args, name, {"case_sensitive", "attribute"});
  const ValueList items = in.iterate(v);
  if (items.empty()) return Value::undefined(fmt::format("the {} of an empty sequence", name));
  const auto key = [&](const Value& item) { return a.given(1) ? attribute_path(in, item, a[1]) : item; };
  const Value* best = &items[0];
  for (const Value& item : items) {
    const int c = order(key(item), key(*best), a[0].truthy());
    if (want_max ? c > 0 : c < 0) best = &item;
  }
  return *best;
}

Value f_max(Interpreter& in, const Value& v, CallArgs& args) { return extreme(in, v, args, "max", true); }
Value f_min(Interpreter& in, const Value& v, CallArgs& args) { return extreme(in, v, args, "min", false); }

Value f_sum(Interpreter& in, const Value& v, CallArgs& args) {
  Arguments a(args, "sum", {"attribute", "start"});
  Value total = a.given(1) ? a[1] : Value(0);
  for (const Value& item : in.iterate(v)) {
    const Value x = a.given(0) ? attribute_path(in, item, a[0]) : item;
    if (!x.is_number() || !total.is_number()) runtime_fail("sum() needs numbers");
    total = total.is_integer() && x.is_integer() ? Value(checked_int('+', total.as_int(), x.as_int()))
                                                 : Value(total.as_double() + x.as_double());
  }
  return total;
}

// map, select, reject, selectattr and rejectattr yield nothing for a false value, as jinja2's do.
ValueList truthy_items(Interpreter& in, const Value& v) { return v.truthy() ? in.iterate(v) : ValueList{}; }

Value f_map(Interpreter& in, const Value& v, CallArgs& args) {
  ValueList out;
  const auto attribute = std::find_if(args.keyword.begin(), args.keyword.end(), [](auto& kw) { return kw.first == "attribute"; });
  if (attribute != args.keyword.end()) {
    const auto fallback = std::find_if(args.keyword.begin(), args.keyword.end(), [](auto& kw) { return kw.first == "default"; });
    for (const Value& item : truthy_items(in, v)) {
      Value x = attribute_path(in, item, attribute->second);
      if (x.is_undefined() && fallback != args.keyword.end()) x = fallback->second;
      out.push_back(std::move(x));
    }
    return Value::iterator(std::move(out), "generator");
  }
  if (args.positional.empty()) runtime_fail("map requires a filter argument");
  const std::string name = args.positional[0].str();
  for (const Value& item : truthy_items(in, v)) {
    CallArgs rest{ValueList(args.positional.begin() + 1, args.positional.end()), args.keyword};
    out.push_back(in.filter(name, item, rest));
  }
  return Value::iterator(std::move(out), "generator");
}

Value select_items(Interpreter& in, const Value& v, CallArgs& args, bool by_attribute, bool keep) {
  std::size_t next = 0;
  Value attribute;
  if (by_attribute) {
    if (args.positional.empty()) runtime_fail("selectattr/rejectattr need an attribute name");
    attribute = args.positional[next++];
  }
  ValueList out;
  for (const Value& item : truthy_items(in, v)) {
    const Value subject = by_attribute ? attribute_path(in, item, attribute) : item;
    bool passed = false;
    if (next < args.positional.size()) {
      CallArgs test_args{ValueList(args.positional.begin() + static_cast<long>(next) + 1, args.positional.end()),
                         args.keyword};
      passed = in.test(args.positional[next].str(), subject, test_args);
    } else {
      passed = subject.truthy();
    }
    if (passed == keep) out.push_back(item);
  }
  return Value::iterator(std::move(out), "generator");
}

Value f_select(Interpreter& in, const Value& v, CallArgs& args) { return select_items(in, v, args, false, true); }
Value f_reject(Interpreter& in, const Value& v, CallArgs& args) { return select_items(in, v, args, false, false); }
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& args) { return select_items(in, v, args, true, true); }
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& args) { return select_items(in, v, args, true, false); }

Value f_attr(Interpreter& in, const Value& v, CallArgs& args) {
  Arguments a(args, "attr", {"name"});
  return in.attribute(v, a[0].str());
}

Value f_wordcount(Interpreter&, const Value& v, CallArgs& args) {
  Arguments a(args, "wordcount", {});
  std::int64_t words = 0;
  bool in_word = false;
  for (char32_t c : py::decode(text_of(v))) {
    const bool word_char = c == '_' || (c >= '0' && c <= '9') || py::lower(py::encode(std::u32string(1, c))) !=
                                                                     py::upper(py::encode(std::u32string(1, c))) || c > 0x2e80;
    words += word_char && !in_word;
    in_word = word_char;
  }
  return Value(words);
}

// printf-style formatting ("%s" | format(x), "%s" % x): %s %r %d %i %f %%.
Value f_format(Interpreter&, const Value& v, CallArgs& args) {
  const std::string pattern = text_of(v);
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      out += pattern[i];
      continue;
    }
    std::size_t j = i + 1;
    std::string precision;
    if (j < pattern.size() && pattern[j] == '.') {
      ++j;
      while (j < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[j]))) precision += pattern[j++];
    }
    if (j >= pattern.size()) runtime_fail("incomplete format");
    const char conversion = pattern[j];
    if (conversion == '%') {
      out += '%';
      i = j;
      continue;
    }
    if (next >= args.positional.size()) runtime_fail("not enough arguments for format string");
    const Value& arg = args.positional[next++];
    switch (conversion) {
      case 's': out += arg.str(); break;
      case 'r': out += arg.repr(); break;
      case 'd':
      case 'i':
        if (!arg.is_number()) runtime_fail(fmt::format("%{} format: a number is required, not {}", conversion, arg.type_name()));
        out += std::to_string(arg.is_integer() ? arg.as_int() : float_to_int(arg.as_double()));
        break;
      case 'f':
        if (!arg.is_number()) runtime_fail(fmt::format("%f format: a number is required, not {}", arg.type_name()));
        if (precision.size() > 3) runtime_fail(fmt::format("%f format: precision {} is too big", precision));
        out += fmt::format("{:.{}f}", arg.as_double(), precision.empty() ? 6 : std::stoi(precision));
        break;
      default: runtime_fail(fmt::format("unsupported format character '{}'", conversion));
    }
    i = j;
  }
  if (next < args.positional.size()) runtime_fail("not all arguments converted during string formatting");
  return Value(std::move(out));
}

const std::unordered_map<std::string, FilterFunction>& filters() {
  static const std::unordered_map<std::string, FilterFunction> table = {
      {"abs", f_abs},         {"attr", f_attr},         {"capitalize", f_capitalize}, {"center", f_center},
      {"count", f_length},    {"d", f_default},         {"default", f_default},       {"dictsort", f_dictsort},
      {"e", f_escape},        {"escape", f_escape},     {"first", f_first},           {"float", f_float},
      {"format", f_format},   {"indent", f_indent},     {"int", f_int},               {"items", f_items},
      {"join", f_join},       {"last", f_last},         {"length", f_length},         {"list", f_list},
      {"lower", f_lower},     {"map", f_map},           {"max", f_max},               {"min", f_min},
      {"reject", f_reject},   {"rejectattr", f_rejectattr}, {"replace", f_replace},   {"reverse", f_reverse},
      {"round", f_round},     {"safe", f_safe},         {"select", f_select},         {"selectattr", f_selectattr},
      {"sort", f_sort},       {"string", f_string},     {"sum", f_sum},               {"title", f_title},
      {"tojson", f_tojson},   {"trim", f_trim},         {"unique", f_unique},         {"upper", f_upper},
      {"wordcount", f_wordcount},
  };
  return table;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const FilterFunction* find_filter(const std::string& name) {
  const auto it = filters().find(name);
  return it == filters().end() ? nullptr : &it->second;
}

}  // namespace tp::jinja
