#include "safetensors/strict_json.hpp"

#include <fmt/format.h>

#include <set>
#include <string>
#include <vector>

#include "safetensors/file_error.hpp"
#include "tunepipe/json_input.hpp"

namespace tp::safetensors {

namespace {

struct DuplicateKey {
  std::string key;
  std::string parent;  // the top-level key it sits under, empty at the top level
};

struct TooDeep {};

}  // namespace

nlohmann::json parse_strict_json(std::string_view text, const std::filesystem::path& path, std::string_view what) {
  using nlohmann::json;
  // nlohmann takes a NUL byte for the end of the input and would ignore what
  // follows; JSON allows no raw NUL anywhere, so it is refused here.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos)
    fail(path, fmt::format("{} is not valid JSON: a NUL byte at byte {}", what, nul));
  std::vector<std::set<std::string, std::less<>>> keys_seen;  // one per open object
  std::string top_level_key;
  const json::parser_callback_t refuse_duplicates = [&](int depth, json::parse_event_t event, json& parsed) {
    if (opens_too_deep(depth, event)) throw TooDeep{};
    if (event == json::parse_event_t::object_start) keys_seen.emplace_back();
    else if (event == json::parse_event_t::object_end) keys_seen.pop_back();
    else if (event == json::parse_event_t::key) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys_seen.back().insert(key).second) throw DuplicateKey{key, depth > 1 ? top_level_key : std::string()};
      if (depth == 1) top_level_key = key;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), refuse_duplicates);
  } catch (const DuplicateKey& duplicate) {
    if (duplicate.parent.empty()) fail(path, fmt::format("{} lists \"{}\" twice", what, duplicate.key));
    fail(path, fmt::format("{} entry \"{}\" has the key \"{}\" twice", what, duplicate.parent, duplicate.key));
  } catch (const TooDeep&) {
    fail(path, fmt::format("{} nests arrays and objects deeper than {} levels (the most tunepipe reads)", what,
                           kMaxJsonDepth));
  } catch (const json::exception& e) {  // a parse_error, or out_of_range for a number like 1e999
    std::string_view message = e.what();
    if (const auto bracket = message.find("] "); bracket != std::string_view::npos) message.remove_prefix(bracket + 2);
    fail(path, fmt::format("{} is not valid JSON: {}", what, message));
  }
}

}  // namespace tp::safetensors
