#include "checkpoint_io.hpp"

#include <ATen/core/grad_mode.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <algorithm>
#include <fstream>
#include <map>

#include "random_state.hpp"
#include "run_identity_json.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/json_input.hpp"
#include "tunepipe/run_layout.hpp"
#include "tunepipe/safetensors.hpp"

namespace fs = std::filesystem;

namespace tp::training {
namespace {

constexpr const char* kAdapterWeights = "adapter_model.safetensors";
constexpr const char* kOptimizer = "optimizer.safetensors";
constexpr const char* kRandomState = "rng_state.safetensors";
constexpr const char* kTrainerState = "trainer_state.json";

std::string shape_of(at::IntArrayRef sizes) { return fmt::format("[{}]", fmt::join(sizes, ", ")); }

NamedTensors all_tensors(const safetensors::File& file) {
  NamedTensors tensors;
  for (const safetensors::TensorInfo& info : file.tensors()) tensors.emplace_back(info.name, file.tensor(info.name));
  return tensors;
}

std::shared_ptr<const safetensors::File> open_part(const fs::path& dir, const char* name) {
  const fs::path path = dir / name;
  if (!fs::is_regular_file(path))
    throw Error(Location{path.string()}, "missing: the checkpoint is incomplete (delete the folder to resume from an "
                                         "earlier one)");
  return safetensors::File::open(path);
}

nlohmann::json read_json(const fs::path& path) {
  if (!fs::is_regular_file(path))
    throw Error(Location{path.string()}, "missing: the checkpoint is incomplete (delete the folder to resume from an "
                                         "earlier one)");
  try {
    return read_json_file(path);
  } catch (const Error& error) {
    throw Error(error.where(), error.message() + ": the checkpoint is corrupt");
  }
}

void write_json(const fs::path& path, const nlohmann::json& json) {
  std::ofstream out(path, std::ios::trunc);
  out << json.dump(2) << '\n';
  out.close();
  if (!out) throw Error(Location{path.string()}, "write failed");
}

void restore_adapter_weights(const fs::path& dir, const AttachedAdapter& adapter) {
  const auto file = open_part(dir, fs::exists(dir / kTrainableWeightsFile) ? kTrainableWeightsFile : kAdapterWeights);
  const std::string source = file->path().string();
  const auto parameters = adapter.parameters();
  for (const auto& [name, parameter] : parameters) {
    const safetensors::TensorInfo* info = file->find(name);
    if (info == nullptr)
      throw Error(Location{source}, fmt::format("no tensor \"{}\": the checkpoint belongs to another adapter", name));
    if (!parameter.sizes().equals(info->shape))
      throw Error(Location{source},
                  fmt::format("tensor \"{}\" has shape {} but the adapter's parameter has {}: the checkpoint belongs "
                              "to another adapter shape (r, target modules)",
                              name, shape_of(info->shape), shape_of(parameter.sizes())));
  }
  if (file->tensors().size() != parameters.size())
    throw Error(Location{source}, fmt::format("{} tensors for an adapter of {} parameters: the checkpoint belongs to "
                                              "another adapter",
                                              file->tensors().size(), parameters.size()));
  const at::NoGradGuard no_grad;
  for (const auto& [name, parameter] : parameters) {
    at::Tensor target = parameter;
    target.copy_(file->tensor(name));
  }
}

// What write_folder_atomically names its unfinished folders: "<folder>.partial-<pid>".
constexpr const char* kPartialMarker = ".partial-";

void sync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Flushes every file of a folder, and the folder, to the disk.
void sync_tree(const fs::path& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) sync_path(entry.path(), entry.is_directory());
  sync_path(dir, true);
}

bool exchange(const fs::path& a, const fs::path& b) {
  return ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0;
}

}  // namespace

fs::path checkpoints_dir(const fs::path& output_dir) { return output_dir / run_layout::kCheckpointsFolder; }

void write_folder_atomically(const fs::path& dir, const std::function<void(const fs::path&)>& fill) {
  const fs::path temporary = dir.string() + fmt::format("{}{}", kPartialMarker, ::getpid());
  fs::remove_all(temporary);
  fs::create_directories(temporary);
  try {
    fill(temporary);
    sync_tree(temporary);
    // One atomic exchange: at every moment `dir` is either the old folder or the new one, so a kill
    // never leaves a run without its adapter; the old folder, now at the temporary name, goes last.
    if (fs::exists(dir) && exchange(temporary, dir)) {
      fs::remove_all(temporary);
    } else {
      if (fs::exists(dir)) fs::remove_all(dir);  // a file system without RENAME_EXCHANGE
      fs::rename(temporary, dir);
    }
    sync_path(dir.parent_path(), true);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(temporary, ignored);
    throw;
  }
}

void remove_partial_folders(const fs::path& output_dir) {
  for (const fs::path& folder : {output_dir, checkpoints_dir(output_dir)}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec))
      if (entry.path().filename().string().find(kPartialMarker) != std::string::npos) fs::remove_all(entry.path());
  }
}

void write_checkpoint(const fs::path& dir, const TrainingSnapshot& snapshot) {
  write_folder_atomically(dir, [&](const fs::path& folder) {
    snapshot.adapter.save(folder);
    safetensors::write(folder / kOptimizer, snapshot.optimizer.state(),
                       {{"step", std::to_string(snapshot.optimizer.steps())}});
    safetensors::write(folder / kRandomState, generator_states(snapshot.device));
    nlohmann::json state = to_json(snapshot.state, snapshot.schedule, snapshot.epoch_progress);
    state["run_identity"] = to_json(snapshot.identity);
    write_json(folder / kTrainerState, state);
  });
}

void remove_old_checkpoints(const fs::path& output_dir, std::int64_t keep) {
  const std::vector<fs::path> dirs = run_layout::complete_checkpoints(output_dir);
  for (std::size_t i = 0; i + static_cast<std::size_t>(keep) < dirs.size(); ++i) fs::remove_all(dirs[i]);
}

std::optional<fs::path> resume_folder(const ResumeRequest& request, const fs::path& output_dir,
                                      std::int64_t save_steps) {
  switch (request.mode) {
    case ResumeRequest::Mode::None: return std::nullopt;
    case ResumeRequest::Mode::Directory:
      if (!fs::is_directory(request.directory))
        throw Error(Location{request.directory.string()}, "no such checkpoint folder to resume from");
      return request.directory;
    case ResumeRequest::Mode::Latest: {
      const std::vector<fs::path> dirs = run_layout::complete_checkpoints(output_dir);
      if (dirs.empty())
        throw Error(Location{checkpoints_dir(output_dir).string()},
                    save_steps > 0
                        ? fmt::format("no complete checkpoint to resume from: the run stopped before its first one "
                                      "(save_steps = {}); start it again without --resume",
                                      save_steps)
                        : std::string("no complete checkpoint to resume from (set [trainer] save_steps to write some)"));
      return dirs.back();
    }
  }
  return std::nullopt;
}

RestoredCheckpoint read_checkpoint(const fs::path& dir, const AttachedAdapter& adapter, AdamW& optimizer,
                                   const at::Device& device, const RunIdentity& identity) {
  const fs::path state_file = dir / kTrainerState;
  const nlohmann::json json = read_json(state_file);
  RestoredCheckpoint restored{state_from_json(json, state_file.string()), schedule_from_json(json, state_file.string())};
  check_same_run(json.contains("run_identity") ? json["run_identity"] : nlohmann::json(), identity, state_file.string());

  restore_adapter_weights(dir, adapter);

  const auto moments = open_part(dir, kOptimizer);
  const auto step = moments->metadata().find("step");
  if (step == moments->metadata().end() || step->second != std::to_string(restored.state.global_step))
    throw Error(Location{moments->path().string()},
                fmt::format("optimizer step count {} does not match the global step {} of {}: the checkpoint is corrupt",
                            step == moments->metadata().end() ? "(none)" : step->second, restored.state.global_step,
                            state_file.string()));
  optimizer.load_state(all_tensors(*moments), restored.state.global_step, moments->path().string());

  const auto random = open_part(dir, kRandomState);
  restore_generator_states(device, all_tensors(*random), random->path().string());
  return restored;
}

}  // namespace tp::training
