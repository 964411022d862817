#include <fmt/format.h>
#include <unistd.h>

#include "cli/command.hpp"
#include "pipeline/pipeline.hpp"
#include "run/data_stages.hpp"
#include "plugins/plugin_call.hpp"
#include "run/event_bus.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

namespace {

// The sample's text with trained spans between ⟦ ⟧ (and in colour on a terminal).
std::string marked_text(const Tokenizer& tokenizer, const TokenizedSample& sample, bool colour) {
  std::string text;
  std::size_t start = 0;
  while (start < sample.input_ids.size()) {
    const bool trained = sample.labels[start] != kIgnoreLabel;
    std::size_t end = start;
    while (end < sample.input_ids.size() && (sample.labels[end] != kIgnoreLabel) == trained) ++end;
    const std::string piece = tokenizer.decode(
        std::span<const std::int32_t>(sample.input_ids.data() + start, end - start), false);
    if (trained) text += colour ? "\033[1;32m⟦" + piece + "⟧\033[0m" : "⟦" + piece + "⟧";
    else text += piece;
    start = end;
  }
  return text;
}

std::string join_ids(const std::vector<std::int32_t>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
  return out;
}

}  // namespace

int run_command_inspect(const std::vector<std::string>& args) {
  po::options_description options("inspect options");
  options.add_options()("pipeline", po::value<std::string>()->required(), "the pipeline file")(
      "split", po::value<std::string>()->default_value("train"), "which split")(
      "index", po::value<std::size_t>()->default_value(0), "which sample (0-based)")(
      "ids", "also print input_ids and labels")(
      "set", po::value<std::vector<std::string>>()->composing(), "override a key (repeatable)");
  po::positional_options_description positional;
  positional.add("pipeline", 1);
  const ParsedArgs parsed = parse_command_line(
      "inspect", "PIPELINE [--split NAME] [--index N] [--ids] [--set section.key=value]...", options, positional, args);
  if (parsed.help_shown) return 0;

  LoadSettings settings;
  if (parsed.values.count("set")) settings.overrides = parsed.values["set"].as<std::vector<std::string>>();
  Diagnostics warnings;
  const Pipeline pipeline = load_pipeline(parsed.values["pipeline"].as<std::string>(), plugin_registry(), settings, warnings);
  EventBus no_sinks;
  const DataStages stages = make_data_stages(pipeline, StageContext{pipeline.name, pipeline.output_dir, pipeline.seed, &no_sinks});

  const std::string split = parsed.values["split"].as<std::string>();
  const std::size_t wanted = parsed.values["index"].as<std::size_t>();
  const bool colour = ::isatty(STDOUT_FILENO);
  std::size_t index = 0;
  bool found = false;
  try {
    for_each_sample(stages.view(), split, [&](const Conversation&, const TokenizedSample& sample) {
      if (index++ != wanted) return;
      found = true;
      std::size_t trained = 0;
      for (std::int32_t label : sample.labels) trained += label != kIgnoreLabel;
      fmt::print("sample {} of split \"{}\" ({})\n{} tokens, {} trained, {}\n\n", wanted, split, sample.source,
                 sample.input_ids.size(), trained, sample.truncated ? "truncated" : "not truncated");
      fmt::print("{}\n", marked_text(*stages.tokenizer, sample, colour));
      if (parsed.values.count("ids"))
        fmt::print("\ninput_ids: {}\nlabels:    {}\n", join_ids(sample.input_ids), join_ids(sample.labels));
      throw StopReading{};
    });
  } catch (const StopReading&) {
  }
  if (!found) throw Error(fmt::format("split \"{}\" has only {} samples; --index {} is past the end", split, index, wanted));
  return 0;
}

}  // namespace tp::core::cli
