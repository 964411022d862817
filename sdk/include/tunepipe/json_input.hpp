#pragma once
// Every JSON text tunepipe reads (records, checkpoint, tokenizer and adapter
// files, safetensors headers, lines on stdin) is parsed with its nesting
// bounded: nlohmann's parser is iterative, but copying, dumping or comparing a
// value recurses once per level, so a hostile 100 KB line of '[' would
// otherwise overflow the stack long after it was accepted.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "tunepipe/error.hpp"

namespace tp {

// Arrays and objects nested deeper than this are refused; real files stay far
// below it (tokenizer.json and config.json nest fewer than 10 levels).
inline constexpr int kMaxJsonDepth = 128;

// For a parser callback of one's own: true when `event` opens an array or
// object past kMaxJsonDepth (`depth` as nlohmann passes it: 0 at the top).
bool opens_too_deep(int depth, nlohmann::json::parse_event_t event);

// Parses `text`, which begins at `start` in its file (line 1, column 1 for a
// whole file). Malformed JSON, a number too large for a double and nesting past
// kMaxJsonDepth throw tp::Error at the line and column where they show.
nlohmann::json parse_json(std::string_view text, const Location& start);
nlohmann::ordered_json parse_ordered_json(std::string_view text, const Location& start);

// For text that may well not be JSON (a model's answer, a server's reply, a
// field of a record): nothing when it is malformed or nested past kMaxJsonDepth.
std::optional<nlohmann::json> try_parse_json(std::string_view text);

// Reads the whole file and parses it as parse_json does.
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace tp
