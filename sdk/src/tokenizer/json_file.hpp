#pragma once
// Reading the JSON files of a checkpoint folder with errors that name the file.
#include "tunepipe/error.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace tp {

// Parses `path`; malformed JSON becomes a tp::Error at the line and column.
nlohmann::json read_json_file(const std::filesystem::path& path);

// A tp::Error located at `path`.
[[noreturn]] void fail_in_file(const std::filesystem::path& path, const std::string& message);

}  // namespace tp
