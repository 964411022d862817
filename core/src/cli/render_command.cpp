#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "pipeline/pipeline.hpp"
#include "plugins/plugin_call.hpp"
#include "run/stage_factory.hpp"
#include "tunepipe/json_input.hpp"
#include "tunepipe/template.hpp"
#include "util/conversation_json.hpp"
#include "util/suggest.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

int run_command_render(const std::vector<std::string>& args) {
  po::options_description options("render options");
  options.add_options()("template", po::value<std::string>()->required(), "template plugin name (chatml, ernie, …)")(
      "set", po::value<std::vector<std::string>>()->composing(), "template option: --set system=\"…\" (repeatable)")(
      "prompt", "render the generation prompt (up to the assistant's header) instead of the whole conversation");
  const ParsedArgs parsed =
      parse_command_line("render", "--template NAME [--set key=value]... [--prompt] < conversations.jsonl", options,
                         {}, args);
  if (parsed.help_shown) return 0;

  const std::string name = parsed.values["template"].as<std::string>();
  const PluginInfo* plugin = plugin_registry().find("template", name);
  if (plugin == nullptr) {
    const std::vector<std::string> installed = plugin_registry().names("template");
    throw Error(fmt::format("no template plugin \"{}\"{} (installed: {})", name, did_you_mean(name, installed),
                            installed.empty() ? "none" : join(installed)));
  }
  std::vector<std::string> assignments;
  if (parsed.values.count("set")) assignments = parsed.values["set"].as<std::vector<std::string>>();
  StageConfig config{"template", "template", plugin, options_from_assignments(*plugin, "template", assignments)};
  const auto chat_template = create_stage<TemplateStage>(config, StageContext{});
  const bool prompt = parsed.values.count("prompt") > 0;

  std::string line;
  std::uint32_t line_number = 0;
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (line.empty()) continue;
    const Location where{"<stdin>", line_number};
    const Conversation conversation =
        conversation_from_json(parse_json(line, Location{"<stdin>", line_number, 1}), where);
    const std::vector<Segment> segments = call_plugin("template", name, [&] {
      return prompt ? chat_template->render_prompt(conversation) : chat_template->render(conversation);
    });
    nlohmann::json out = {{"text", join_text(segments)}, {"segments", nlohmann::json::array()}};
    for (const Segment& s : segments) out["segments"].push_back({{"text", s.text}, {"trained", s.trained}});
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return 0;
}

}  // namespace tp::core::cli
