#include "pipeline/output_paths.hpp"

#include <fmt/format.h>

namespace tp::core {

namespace fs = std::filesystem;

void check_output_dir(const fs::path& dir, const Location& where, Diagnostics& errors) {
  const fs::path normal = dir.lexically_normal();
  std::string problem;
  if (dir.empty())
    problem = "is empty";
  else if (normal == normal.root_path())
    problem = "is the root of the file system";
  else if (normal == "." || normal == "./")
    problem = "is the working folder itself";
  if (!problem.empty())
    errors.error(where, fmt::format("[pipeline] output_dir \"{}\" {}: name a folder of the run's own (the default is "
                                    "runs/<name>)",
                                    dir.string(), problem));
}

void check_written_paths(const OptionSchema& schema, const Options& options, Diagnostics& errors) {
  for (const OptionSpec& spec : schema.specs()) {
    if (spec.type != OptionType::Path || spec.path_kind != PathKind::Output || !options.has(spec.name)) continue;
    const fs::path path = options.get_path(spec.name);
    const fs::path normal = path.lexically_normal();
    const bool climbs = !normal.empty() && *normal.begin() == "..";
    if (!path.is_absolute() && !climbs) continue;
    errors.error(options.location(spec.name),
                 fmt::format("{}\"{}\" = \"{}\" leaves the run's output folder: give a path inside output_dir "
                             "(relative to it, without \"..\"), so a run never writes elsewhere",
                             options.context(), spec.name, path.string()));
  }
}

}  // namespace tp::core
