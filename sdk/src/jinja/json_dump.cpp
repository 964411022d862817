#include "jinja/json_dump.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "jinja/py_text.hpp"

namespace tp::jinja {
namespace {

void append_escaped(std::string& out, const std::string& text, bool ensure_ascii) {
  out += '"';
  for (char32_t c : py::decode(text)) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || (ensure_ascii && c > 0x7e)) {
          if (c > 0xffff) {
            const char32_t v = c - 0x10000;
            out += fmt::format("\\u{:04x}\\u{:04x}", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
          } else {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
          }
        } else {
          out += py::encode(std::u32string(1, c));
        }
    }
  }
  out += '"';
}

class JsonWriter {
 public:
  JsonWriter(const JsonDumpOptions& options, const std::function<void(const std::string&)>& fail)
      : options_(options), fail_(fail) {
    if (options.separators) {
      item_separator_ = options.separators->first;
      key_separator_ = options.separators->second;
    } else {
      item_separator_ = options.indent ? "," : ", ";
      key_separator_ = ": ";
    }
  }

  void write(std::string& out, const Value& value, std::size_t depth) {
    switch (value.kind()) {
      case Value::Kind::None: out += "null"; return;
      case Value::Kind::Bool: out += value.as_bool() ? "true" : "false"; return;
      case Value::Kind::Int: out += std::to_string(value.as_int()); return;
      case Value::Kind::Float: {
        const double d = value.as_double();
        out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : py::float_repr(d);
        return;
      }
      case Value::Kind::String: append_escaped(out, value.as_string(), options_.ensure_ascii); return;
      case Value::Kind::List:
      case Value::Kind::Tuple: {
        if (value.is_iterator()) fail_(fmt::format("Object of type {} is not JSON serializable", value.type_name()));
        const ValueList& items = value.as_list();
        if (items.empty()) {
          out += "[]";
          return;
        }
        out += '[';
        for (std::size_t i = 0; i < items.size(); ++i) {
          if (i) out += item_separator_;
          newline(out, depth + 1);
          write(out, items[i], depth + 1);
        }
        newline(out, depth);
        out += ']';
        return;
      }
      case Value::Kind::Dict: {
        std::vector<const std::pair<std::string, Value>*> items;
        for (const auto& item : value.as_dict().items) items.push_back(&item);
        if (items.empty()) {
          out += "{}";
          return;
        }
        if (options_.sort_keys)
          std::stable_sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
        out += '{';
        for (std::size_t i = 0; i < items.size(); ++i) {
          if (i) out += item_separator_;
          newline(out, depth + 1);
          append_escaped(out, items[i]->first, options_.ensure_ascii);
          out += key_separator_;
          write(out, items[i]->second, depth + 1);
        }
        newline(out, depth);
        out += '}';
        return;
      }
      default: fail_(fmt::format("Object of type {} is not JSON serializable", value.type_name()));
    }
  }

 private:
  void newline(std::string& out, std::size_t depth) const {
    if (!options_.indent) return;
    out += '\n';
    for (std::size_t i = 0; i < depth; ++i) out += *options_.indent;
  }

  const JsonDumpOptions& options_;
  const std::function<void(const std::string&)>& fail_;
  std::string item_separator_, key_separator_;
};

}  // namespace

std::string json_dump(const Value& value, const JsonDumpOptions& options,
                      const std::function<void(const std::string&)>& fail) {
  std::string out;
  JsonWriter(options, fail).write(out, value, 0);
  return out;
}

}  // namespace tp::jinja
