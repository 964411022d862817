#include "run/earlier_run.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "tunepipe/error.hpp"
#include "tunepipe/run_layout.hpp"
#include "util/suggest.hpp"

namespace tp::core {
namespace fs = std::filesystem;

void refuse_foreign_folder(const fs::path& output_dir) {
  std::error_code ec;
  if (!fs::exists(output_dir, ec)) return;
  if (!fs::is_directory(output_dir, ec))
    throw Error(Location{output_dir.string()}, "output_dir names a file, not a folder: give the run a folder of its own");
  if (fs::is_empty(output_dir, ec) || fs::exists(output_dir / run_layout::kLockFile, ec)) return;
  throw Error(Location{output_dir.string()},
              "output_dir already holds files that no tunepipe run wrote: give the run a folder of its own (a new or "
              "empty one), so that nothing of yours is overwritten");
}

void claim_for_fresh_training(const fs::path& output_dir, bool overwrite) {
  const fs::path checkpoints = output_dir / run_layout::kCheckpointsFolder;
  const fs::path adapter = output_dir / run_layout::kAdapterFolder;
  std::vector<std::string> found;
  std::error_code ec;
  if (!run_layout::complete_checkpoints(output_dir).empty())  // unfinished ones alone hold nothing to keep
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
