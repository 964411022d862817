#pragma once
// Where a training run keeps its results inside its output folder, named once
// for the trainer that writes them and the runtime that guards them.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace tp::run_layout {

inline constexpr const char* kCheckpointsFolder = "checkpoints";  // checkpoint-<step>/ folders
inline constexpr const char* kAdapterFolder = "adapter";          // the final adapter
inline constexpr const char* kProfileTable = "profile.txt";        // where profiled steps spent their time
inline constexpr const char* kProfileTrace = "profile.trace.json";  // the same steps, for Perfetto or chrome://tracing
inline constexpr const char* kLockFile = ".tunepipe.lock";         // held while a run uses the folder

// <output_dir>/checkpoints/checkpoint-<step>: a trainer writes each under a
// temporary name and renames it when whole, so every folder of that name is complete.
std::filesystem::path checkpoint_folder(const std::filesystem::path& output_dir, std::int64_t step);
// The step of a folder named checkpoint-<step>; nothing for any other name.
std::optional<std::int64_t> checkpoint_step(const std::filesystem::path& folder);
// The run's complete checkpoints, lowest step first.
std::vector<std::filesystem::path> complete_checkpoints(const std::filesystem::path& output_dir);

}  // namespace tp::run_layout
