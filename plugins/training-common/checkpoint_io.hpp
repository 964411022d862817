#pragma once
// Checkpoint folders <output_dir>/checkpoints/checkpoint-<step>/: the adapter
// in PEFT's format (adapter_config.json, adapter_model.safetensors),
// optimizer.safetensors (AdamW moments; the step count in its metadata),
// rng_state.safetensors (generator states) and trainer_state.json. A folder is
// written under a temporary name and renamed when complete, so one named
// checkpoint-<step> is always whole and a leftover temporary one is ignored.
#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "lr_schedule.hpp"
#include "optimizer.hpp"
#include "training_state.hpp"
#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/trainer.hpp"

namespace tp::training {

std::filesystem::path checkpoints_dir(const std::filesystem::path& output_dir);

// Removes the unfinished folders an interrupted run left (the run holds its
// output folder alone, so none is being written).
void remove_partial_folders(const std::filesystem::path& output_dir);

// Runs fill(temporary folder), flushes it to the disk, then puts it in place
// of `dir` in one atomic exchange.
void write_folder_atomically(const std::filesystem::path& dir, const std::function<void(const std::filesystem::path&)>& fill);

struct TrainingSnapshot {
  const AttachedAdapter& adapter;
  const AdamW& optimizer;
  const TrainingState& state;
  const LrSchedule& schedule;
  double epoch_progress = 0.0;
  at::Device device;
  const RunIdentity& identity;
};
void write_checkpoint(const std::filesystem::path& dir, const TrainingSnapshot& snapshot);

// Deletes the oldest complete checkpoints beyond the newest `keep`.
void remove_old_checkpoints(const std::filesystem::path& output_dir, std::int64_t keep);
// The folder a resume request names: the highest-step complete checkpoint for
// Latest; nothing for None. Throws tp::Error when there is none to resume from.
std::optional<std::filesystem::path> resume_folder(const ResumeRequest& request, const std::filesystem::path& output_dir,
                                                   std::int64_t save_steps);

struct RestoredCheckpoint {
  TrainingState state;
  LrSchedule schedule;
};
// Copies the checkpoint into the adapter's parameters, the optimizer and the
// random generators; throws tp::Error naming the file at fault when it is
// missing, corrupt, written for another adapter or by another run (before
// touching anything).
RestoredCheckpoint read_checkpoint(const std::filesystem::path& dir, const AttachedAdapter& adapter, AdamW& optimizer,
                                   const at::Device& device, const RunIdentity& identity);

}  // namespace tp::training
