#pragma once
// Where a training run keeps its results inside its output folder, named once
// for the trainer that writes them and the runtime that guards them.
namespace tp::run_layout {

inline constexpr const char* kCheckpointsFolder = "checkpoints";  // checkpoint-<step>/ folders
inline constexpr const char* kAdapterFolder = "adapter";          // the final adapter
inline constexpr const char* kProfileTable = "profile.txt";        // where profiled steps spent their time
inline constexpr const char* kProfileTrace = "profile.trace.json";  // the same steps, for Perfetto or chrome://tracing
inline constexpr const char* kLockFile = ".tunepipe.lock";         // held while a run uses the folder

}  // namespace tp::run_layout
