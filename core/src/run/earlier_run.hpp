#pragma once
// What an output folder may already hold when a run starts in it.
#include <filesystem>

namespace tp::core {

// A run writes only into a folder of its own: a new or empty one, or one an
// earlier run used (it holds the run lock file). Any other folder with files in
// it (a home folder, /etc, a project) is refused before anything is written.
void refuse_foreign_folder(const std::filesystem::path& output_dir);

// A fresh training run into an output folder that holds an earlier run's
// checkpoints or final adapter would mix the two: a later `--resume` would pick
// the earlier run's checkpoint up. Such a folder is refused unless the user
// says --overwrite, which deletes them.
void claim_for_fresh_training(const std::filesystem::path& output_dir, bool overwrite);

}  // namespace tp::core
