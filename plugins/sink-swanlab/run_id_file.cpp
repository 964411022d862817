#include "run_id_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tunepipe/atomic_file.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/json_input.hpp"

namespace tp::sinks::swanlab {
namespace {

// Hidden, so that `swanlab sync <logdir>/run-*` passes only run folders.
constexpr const char* kFileName = ".tunepipe-swanlab-run.json";

}  // namespace

std::string new_run_id() {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device entropy;
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string id;
  for (int i = 0; i < 8; ++i) id += kAlphabet[pick(entropy)];
  return id;
}

RunIdFile::RunIdFile(const std::filesystem::path& logdir) : path_(logdir / kFileName) {}

std::optional<RunId> RunIdFile::read() const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const nlohmann::json stored = try_parse_json(text).value_or(nlohmann::json());
  if (!stored.is_object() || !stored.contains("id") || !stored["id"].is_string() ||
      !stored.contains("last_log_epoch") || !stored["last_log_epoch"].is_number_integer())
    throw Error(Location{path_.string()},
                "not the SwanLab run id this sink keeps ({\"id\": …, \"last_log_epoch\": …}): delete it to start a new "
                "SwanLab run");
  return RunId{stored["id"].get<std::string>(), stored["last_log_epoch"].get<std::int64_t>()};
}

void RunIdFile::write(const RunId& run) const {
  write_file_atomically(path_, nlohmann::json{{"id", run.id}, {"last_log_epoch", run.last_log_epoch}}.dump() + "\n");
}

}  // namespace tp::sinks::swanlab
