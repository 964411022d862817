#include <fmt/format.h>

#include "common/nearest_name.hpp"
#include "gguf/value_kinds.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/gguf.hpp"

namespace tp::gguf {

namespace {

// "a string", "an int32", "an array of uint32".
std::string describe(ValueType type, std::optional<ValueType> element_type = std::nullopt) {
  const std::string_view name = value_type_name(type);
  const bool vowel_sound = name.front() == 'a' || name.front() == 'i';  // "an int8", "an array", "a uint8"
  std::string text = fmt::format("{} {}", vowel_sound ? "an" : "a", name);
  if (element_type) text += fmt::format(" of {}", value_type_name(*element_type));
  return text;
}

std::string describe(const Value& value) {
  return value.type() == ValueType::array ? describe(value.type(), value.element_type()) : describe(value.type());
}

}  // namespace

Metadata::Metadata(std::filesystem::path path, std::vector<std::pair<std::string, Value>> entries)
    : path_(std::move(path)), entries_(std::move(entries)) {
  for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
}

const Value* Metadata::find(std::string_view key) const {
  const auto found = index_.find(key);
  return found == index_.end() ? nullptr : &entries_[found->second].second;
}

const Value& Metadata::require(std::string_view key) const {
  if (const Value* value = find(key)) return *value;
  std::vector<std::string_view> keys;
  for (const auto& entry : entries_) keys.push_back(entry.first);
  throw Error(Location{path_.string()}, fmt::format("metadata key \"{}\" is missing{}", key, did_you_mean(key, keys)));
}

namespace {

// Typed reads of one value, throwing tp::Error that names the key.
class Reading {
 public:
  Reading(const std::filesystem::path& path, std::string_view key, const Value& value)
      : path_(path), key_(key), value_(value) {}

  std::string string() const {
    expect(value_.type() == ValueType::string, "a string");
    return value_.as_string();
  }
  std::int64_t integer(std::int64_t min, std::int64_t max) const {
    expect(value_.is_integer(), "an integer (uint8 … int64)");
    return in_range(value_, min, max, "");
  }
  double real() const {
    expect(value_.is_float(), "a float (float32 or float64)");
    return value_.as_float();
  }
  bool boolean() const {
    expect(value_.type() == ValueType::boolean, "a bool");
    return value_.as_bool();
  }
  std::vector<std::string> strings() const {
    expect_array(ValueType::string, "an array of strings");
    std::vector<std::string> result;
    result.reserve(value_.elements().size());
    for (const Value& element : value_.elements()) result.push_back(element.as_string());
    return result;
  }
  std::vector<std::int64_t> integers(std::int64_t min, std::int64_t max) const {
    expect(value_.type() == ValueType::array && is_integer_type(value_.element_type()),
           "an array of integers (uint8 … int64)");
    std::vector<std::int64_t> result;
    result.reserve(value_.elements().size());
    for (std::size_t i = 0; i < value_.elements().size(); ++i)
      result.push_back(in_range(value_.elements()[i], min, max, fmt::format("element {} of ", i)));
    return result;
  }
  std::vector<double> reals() const {
    expect(value_.type() == ValueType::array && is_float_type(value_.element_type()),
           "an array of floats (float32 or float64)");
    std::vector<double> result;
    result.reserve(value_.elements().size());
    for (const Value& element : value_.elements()) result.push_back(element.as_float());
    return result;
  }

 private:
  void expect(bool matches, std::string_view expected) const {
    if (!matches)
      throw Error(Location{path_.string()}, fmt::format("metadata key \"{}\" holds {}, but {} is expected here: the "
                                                        "file does not follow the GGUF convention for this key",
                                                        key_, describe(value_), expected));
  }
  void expect_array(ValueType element_type, std::string_view expected) const {
    expect(value_.type() == ValueType::array && value_.element_type() == element_type, expected);
  }

  std::int64_t in_range(const Value& value, std::int64_t min, std::int64_t max, const std::string& element) const {
    const bool fits = value.is_signed_integer()
                          ? value.as_signed() >= min && value.as_signed() <= max
                          : max >= 0 && value.as_unsigned() <= static_cast<std::uint64_t>(max) &&
                                (min <= 0 || value.as_unsigned() >= static_cast<std::uint64_t>(min));
    if (!fits) {
      const std::string shown =
          value.is_signed_integer() ? std::to_string(value.as_signed()) : std::to_string(value.as_unsigned());
      throw Error(Location{path_.string()},
                  fmt::format("{}metadata key \"{}\" is {}, outside the accepted range [{}, {}]", element, key_,
                              shown, min, max));
    }
    return value.is_signed_integer() ? value.as_signed() : static_cast<std::int64_t>(value.as_unsigned());
  }

  const std::filesystem::path& path_;
  std::string_view key_;
  const Value& value_;
};

}  // namespace

std::string Metadata::get_string(std::string_view key) const { return Reading(path_, key, require(key)).string(); }

std::optional<std::string> Metadata::find_string(std::string_view key) const {
  if (const Value* value = find(key)) return Reading(path_, key, *value).string();
  return std::nullopt;
}

std::int64_t Metadata::get_integer(std::string_view key, std::int64_t min, std::int64_t max) const {
  return Reading(path_, key, require(key)).integer(min, max);
}

std::optional<std::int64_t> Metadata::find_integer(std::string_view key, std::int64_t min, std::int64_t max) const {
  if (const Value* value = find(key)) return Reading(path_, key, *value).integer(min, max);
  return std::nullopt;
}

double Metadata::get_float(std::string_view key) const { return Reading(path_, key, require(key)).real(); }

std::optional<double> Metadata::find_float(std::string_view key) const {
  if (const Value* value = find(key)) return Reading(path_, key, *value).real();
  return std::nullopt;
}

bool Metadata::get_bool(std::string_view key) const { return Reading(path_, key, require(key)).boolean(); }

std::optional<bool> Metadata::find_bool(std::string_view key) const {
  if (const Value* value = find(key)) return Reading(path_, key, *value).boolean();
  return std::nullopt;
}

std::vector<std::string> Metadata::get_string_array(std::string_view key) const {
  return Reading(path_, key, require(key)).strings();
}

std::optional<std::vector<std::string>> Metadata::find_string_array(std::string_view key) const {
  if (const Value* value = find(key)) return Reading(path_, key, *value).strings();
  return std::nullopt;
}

std::vector<std::int64_t> Metadata::get_integer_array(std::string_view key, std::int64_t min,
                                                      std::int64_t max) const {
  return Reading(path_, key, require(key)).integers(min, max);
}

std::optional<std::vector<std::int64_t>> Metadata::find_integer_array(std::string_view key, std::int64_t min,
                                                                      std::int64_t max) const {
  if (const Value* value = find(key)) return Reading(path_, key, *value).integers(min, max);
  return std::nullopt;
}

std::vector<double> Metadata::get_float_array(std::string_view key) const {
  return Reading(path_, key, require(key)).reals();
}

std::optional<std::vector<double>> Metadata::find_float_array(std::string_view key) const {
  if (const Value* value = find(key)) return Reading(path_, key, *value).reals();
  return std::nullopt;
}

}  // namespace tp::gguf
