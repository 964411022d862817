#pragma once
// A template value with Python's meaning: what jinja2 sees when HF renders a
// chat template (dicts keep insertion order, lists and dicts are shared
// references, undefined is a value of its own).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace tp::jinja {

class Value;
using ValueList = std::vector<Value>;

struct Dict {
  std::vector<std::pair<std::string, Value>> items;
  const Value* find(std::string_view key) const;
  void set(const std::string& key, Value value);
};

struct CallArgs {
  ValueList positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

struct Callable {
  std::string name;
  std::function<Value(CallArgs&)> call;
};

class Value {
 public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Tuple, Dict, Namespace, Callable };

  Value() = default;  // undefined
  Value(bool b) : kind_(Kind::Bool), int_(b) {}
  Value(std::int64_t i) : kind_(Kind::Int), int_(i) {}
  Value(int i) : kind_(Kind::Int), int_(i) {}
  Value(double d) : kind_(Kind::Float), float_(d) {}
  Value(std::string s) : kind_(Kind::String), string_(std::make_shared<const std::string>(std::move(s))) {}
  Value(const char* s) : Value(std::string(s)) {}

  static Value undefined(std::string name);
  static Value none();
  static Value list(ValueList items);
  static Value tuple(ValueList items);
  // What Python gives where jinja2 or a method returns no list: a generator
  // or reverse iterator (no len, always true) or a view such as dict_items or
  // range (sized); iterable like a list, but not JSON and not a list.
  static Value iterator(ValueList items, const char* python_type);
  // A string marked safe (|safe, |escape): + escapes a plain string joined to it.
  static Value markup(std::string text);
  static Value dict(std::shared_ptr<Dict> dict);
  static Value namespace_object(std::shared_ptr<Dict> attributes);
  static Value function(std::string name, std::function<Value(CallArgs&)> call);
  static Value from_json(const nlohmann::ordered_json& json);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool; }
  bool is_integer() const { return kind_ == Kind::Int || kind_ == Kind::Bool; }
  bool is_sequence() const { return kind_ == Kind::List || kind_ == Kind::Tuple; }
  bool is_mapping() const { return kind_ == Kind::Dict; }
  bool is_markup() const { return markup_; }
  // A generator, iterator or view rather than a list or tuple.
  bool is_iterator() const { return iterator_type_ != nullptr; }
  bool is_sized() const;

  bool as_bool() const { return int_ != 0; }
  std::int64_t as_int() const { return int_; }
  double as_double() const { return kind_ == Kind::Float ? float_ : static_cast<double>(int_); }
  const std::string& as_string() const { return *string_; }
  const ValueList& as_list() const { return *list_; }
  const Dict& as_dict() const { return *dict_; }
  Dict& namespace_attributes() const { return *dict_; }
  const Callable& as_callable() const { return *callable_; }
  const std::string& undefined_name() const { return *string_; }

  // Python's type name, for messages ("str", "list", "dict", …).
  std::string type_name() const;
  bool truthy() const;
  // str(value), as {{ value }} prints it (undefined prints as nothing).
  std::string str() const;
  // repr(value), as it appears inside a printed list or dict.
  std::string repr() const;

 private:
  Kind kind_ = Kind::Undefined;
  bool markup_ = false;
  const char* iterator_type_ = nullptr;
  std::int64_t int_ = 0;
  double float_ = 0;
  std::shared_ptr<const std::string> string_;  // string, or the name an undefined came from
  std::shared_ptr<const ValueList> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<const Callable> callable_;
};

// Python's ==, and the ordering of <, > (throws tp::Error through `fail` for
// types Python cannot order).
bool equal(const Value& a, const Value& b);
int compare(const Value& a, const Value& b, const std::function<void(const std::string&)>& fail);

}  // namespace tp::jinja
