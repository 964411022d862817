#include <fmt/format.h>

#include "cli/command.hpp"
#include "pipeline/pipeline.hpp"
#include "run/pipeline_runner.hpp"
#include "run/stop_signals.hpp"
#include "tunepipe/stop_request.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

int run_command_run(const std::vector<std::string>& args) {
  po::options_description options("run options");
  options.add_options()("pipeline", po::value<std::string>()->required(), "the pipeline file")(
      "set", po::value<std::vector<std::string>>()->composing(), "override a key: --set trainer.epochs=1 (repeatable)")(
      "resume", po::value<std::string>()->implicit_value(""),
      "continue training from the latest complete checkpoint, or from the checkpoint folder given")(
      "resume-if-any",
      "continue from the latest complete checkpoint when the output folder has one, else start afresh (one command "
      "for a run and its restarts: torchrun --max-restarts, a scheduler's requeue)")(
      "data-only", "prepare and write the data splits, then stop (no model weights are loaded)")(
      "overwrite", "start afresh in an output folder that holds an earlier run's checkpoints and adapter, deleting them");
  po::positional_options_description positional;
  positional.add("pipeline", 1);
  const ParsedArgs parsed = parse_command_line(
      "run", "PIPELINE [--set section.key=value]... [--resume [DIR] | --resume-if-any | --overwrite | --data-only]",
      options, positional, args);
  if (parsed.help_shown) return 0;

  LoadSettings settings;
  if (parsed.values.count("set")) settings.overrides = parsed.values["set"].as<std::vector<std::string>>();
  Diagnostics warnings;
  const Pipeline pipeline = load_pipeline(parsed.values["pipeline"].as<std::string>(), plugin_registry(), settings, warnings);
  RunSettings run;
  run.data_only = parsed.values.count("data-only") > 0;
  run.overwrite = parsed.values.count("overwrite") > 0;
  run.resume_if_any = parsed.values.count("resume-if-any") > 0;
  if (run.resume_if_any) {
    if (!pipeline.trainer)
      throw Error("--resume-if-any continues a training run, but the pipeline has no [trainer] section");
    if (run.overwrite || parsed.values.count("resume"))
      throw UsageError("--resume-if-any chooses between resuming and starting afresh itself: give it alone, without "
                       "--resume or --overwrite");
  }
  if (parsed.values.count("resume")) {
    const std::string dir = parsed.values["resume"].as<std::string>();
    if (!pipeline.trainer) throw Error("--resume continues a training run, but the pipeline has no [trainer] section");
    if (run.overwrite) throw UsageError("--resume continues the run in the output folder; --overwrite deletes it: give one");
    run.resume = dir.empty() ? ResumeRequest{ResumeRequest::Mode::Latest, {}}
                             : ResumeRequest{ResumeRequest::Mode::Directory, dir};
  }
  const StopSignals stop_signals;
  try {
    run_pipeline(pipeline, run);
  } catch (const RunInterrupted& e) {
    fmt::print(stderr, "tunepipe run: interrupted: {}\n", e.message());
    return StopSignals::exit_status();
  }
  return 0;
}

}  // namespace tp::core::cli
