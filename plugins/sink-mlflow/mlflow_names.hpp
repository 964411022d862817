#pragma once
// What MLflow accepts as keys and values of params, metrics and tags.
#include <cstddef>
#include <string>
#include <string_view>

namespace tp::mlflow {

inline constexpr std::size_t kMaxKeyLength = 250;
inline constexpr std::size_t kMaxParamValueLength = 6000;
inline constexpr std::size_t kMaxTagValueLength = 8000;

// A key MLflow takes as it is: letters, digits and _ - . : / and spaces
// (anything else, each non-ASCII character included, becomes one "_"), no
// empty, "." or ".." path segments (MLflow refuses names that a file system
// would normalise), at most 250 characters.
std::string metric_key(std::string_view name);

// `text` cut to at most `max_characters` Unicode characters (MLflow counts
// characters, not bytes); a cut text ends in "…" to say so.
std::string truncate_characters(std::string_view text, std::size_t max_characters);

}  // namespace tp::mlflow
