#pragma once
// files/config.yaml as SwanLab's SDK lays it out: each key maps to
// {desc, sort, value}, `sort` numbering the keys in the order they came.
// `swanlab sync` reads it with PyYAML's safe_load. It is written in YAML's flow
// style, which is also JSON, with the two kinds of text YAML reads otherwise
// than JSON spelt out: floats always carry a '.' and a signed exponent (PyYAML,
// a YAML 1.1 reader, takes 1e-05 for a string), and characters YAML refuses
// or reads as line breaks (DEL, C1 controls, U+2028/2029, U+FFFE/FFFF) are
// \u-escaped. A non-finite float is YAML's .nan / .inf, which JSON lacks.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tp::sinks::swanlab {

struct ConfigEntry {
  std::string key;
  nlohmann::json value;
};

std::string config_yaml(const std::vector<ConfigEntry>& entries);

}  // namespace tp::sinks::swanlab
