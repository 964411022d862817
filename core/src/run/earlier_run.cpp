#include "run/earlier_run.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "tunepipe/error.hpp"
#include "tunepipe/run_layout.hpp"
#include "util/suggest.hpp"

namespace tp::core {
namespace fs = std::filesystem;

void claim_for_fresh_training(const fs::path& output_dir, bool overwrite) {
  const fs::path checkpoints = output_dir / run_layout::kCheckpointsFolder;
  const fs::path adapter = output_dir / run_layout::kAdapterFolder;
  std::vector<std::string> found;
  std::error_code ec;
  if (fs::is_directory(checkpoints, ec) && !fs::is_empty(checkpoints, ec))
    found.push_back(fmt::format("{}/", run_layout::kCheckpointsFolder));
  if (fs::exists(adapter, ec)) found.push_back(fmt::format("{}/", run_layout::kAdapterFolder));
  if (found.empty()) return;
  if (!overwrite)
    throw Error(Location{output_dir.string()},
                fmt::format("this output folder holds an earlier training run ({}): continue it with `run --resume`, "
                            "replace it with `run --overwrite` (which deletes those), or give this run another "
                            "output_dir",
                            join(found)));
  fs::remove_all(checkpoints);
  fs::remove_all(adapter);
}

}  // namespace tp::core
