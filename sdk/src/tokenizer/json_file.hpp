#pragma once
// Errors about a checkpoint folder's files name the file; they are read with
// read_json_file (tunepipe/json_input.hpp).
#include "tunepipe/error.hpp"
#include "tunepipe/json_input.hpp"

#include <filesystem>
#include <string>

namespace tp {

// A tp::Error located at `path`.
[[noreturn]] void fail_in_file(const std::filesystem::path& path, const std::string& message);

}  // namespace tp
