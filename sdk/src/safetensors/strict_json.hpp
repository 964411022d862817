#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

namespace tp::safetensors {

// Parses JSON, refusing repeated keys (nlohmann would keep the last one
// silently, and a repeated tensor name is ambiguous). `what` names the
// document in messages ("the header", "the index"); errors name path.
nlohmann::json parse_strict_json(std::string_view text, const std::filesystem::path& path, std::string_view what);

}  // namespace tp::safetensors
