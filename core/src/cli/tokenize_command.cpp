#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "plugins/plugin_call.hpp"
#include "run/model_for_path.hpp"
#include "tunepipe/gguf_magic.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/json_input.hpp"
#include "tunepipe/tokenizer.hpp"
#include "util/token_ids.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

namespace {

void print_ids(const std::vector<std::int32_t>& ids) {
  std::string line;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) line += ' ';
    line += std::to_string(ids[i]);
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
}

// A folder's tokenizer files are read without a model stage, so a tokenizer-only
// folder works; a GGUF file's tokenizer comes from the stage that reads the file.
std::shared_ptr<const Tokenizer> open_tokenizer(const std::string& path) {
  if (!gguf::is_gguf_file(path)) return load_tokenizer(path);
  const OpenedModelStage opened = open_model_stage(path);
  return call_plugin("model", opened.plugin, [&] { return opened.stage->tokenizer(); });
}

}  // namespace

int run_command_tokenize(const std::vector<std::string>& args) {
  po::options_description options("tokenize options");
  options.add_options()("model", po::value<std::string>()->required(), "checkpoint folder holding the tokenizer files, or a GGUF file")(
      "text", po::value<std::string>(), "tokenize this string instead of reading stdin")(
      "add-special", "add BOS/EOS as the tokenizer config says")(
      "decode", "the reverse: read lines of space-separated ids, print one JSON string per line")(
      "skip-special", "with --decode: leave special tokens out");
  const ParsedArgs parsed = parse_command_line(
      "tokenize", "--model DIR|FILE.gguf [--text TEXT] [--add-special] [--decode [--skip-special]]", options, {}, args);
  if (parsed.help_shown) return 0;

  const auto tokenizer = open_tokenizer(parsed.values["model"].as<std::string>());
  const bool add_special = parsed.values.count("add-special") > 0;
  if (parsed.values.count("text")) {
    print_ids(tokenizer->encode(parsed.values["text"].as<std::string>(), add_special));
    return 0;
  }
  const bool decode = parsed.values.count("decode") > 0;
  const bool skip_special = parsed.values.count("skip-special") > 0;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (decode) {
      const auto ids = parse_token_ids(line, Location{"<stdin>", static_cast<std::uint32_t>(line_number)});
      const std::vector<std::int32_t> narrow(ids.begin(), ids.end());
      const std::string text = tokenizer->decode(narrow, skip_special);
      fmt::print("{}\n", nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      continue;
    }
    const nlohmann::json value = parse_json(line, Location{"<stdin>", static_cast<std::uint32_t>(line_number), 1});
    if (!value.is_string())
      throw Error(Location{"<stdin>", static_cast<std::uint32_t>(line_number)}, "expected a JSON string");
    print_ids(tokenizer->encode(value.get<std::string>(), add_special));
  }
  return 0;
}

}  // namespace tp::core::cli
