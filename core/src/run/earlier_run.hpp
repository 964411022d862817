#pragma once
// A fresh training run into an output folder that holds an earlier run's
// checkpoints or final adapter would mix the two: a later `--resume` would pick
// the earlier run's checkpoint up. Such a folder is refused unless the user
// says --overwrite, which deletes them.
#include <filesystem>

namespace tp::core {

void claim_for_fresh_training(const std::filesystem::path& output_dir, bool overwrite);

}  // namespace tp::core
