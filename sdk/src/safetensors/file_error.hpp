#pragma once
// Every safetensors error names the file (or checkpoint folder) it is about.
#include <filesystem>
#include <string>

#include "tunepipe/error.hpp"

namespace tp::safetensors {

[[noreturn]] inline void fail(const std::filesystem::path& where, const std::string& message) {
  throw Error(Location{where.string()}, message);
}

}  // namespace tp::safetensors
