#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/nearest_name.hpp"
#include "safetensors/file_error.hpp"
#include "safetensors/strict_json.hpp"
#include "tunepipe/safetensors.hpp"

namespace tp::safetensors {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";

std::vector<std::string> files_with_extension(const fs::path& dir, const std::vector<std::string>& extensions) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string extension = entry.path().extension().string();
    if (std::find(extensions.begin(), extensions.end(), extension) != extensions.end())
      names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string listed(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 3;
  std::string text;
  for (std::size_t i = 0; i < std::min(names.size(), kShown); ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > kShown) text += fmt::format(" and {} more", names.size() - kShown);
  return text;
}

[[noreturn]] void refuse_pickle_only(const fs::path& dir, const std::vector<std::string>& pickles) {
  const std::string folder = dir.string();
  fail(dir, fmt::format(
                "this folder holds only pickle checkpoints ({}), which tunepipe does not load (unpickling can run "
                "arbitrary code). Convert it to safetensors once with:\n  python -c \"import transformers as t; "
                "t.AutoModelForCausalLM.from_pretrained('{}').save_pretrained('{}-safetensors', "
                "safe_serialization=True); t.AutoTokenizer.from_pretrained('{}').save_pretrained('{}-safetensors')\"",
                listed(pickles), folder, folder, folder, folder));
}

// A shard must be a file inside the checkpoint folder: the index is as untrusted as the shards.
fs::path shard_path(const fs::path& dir, const fs::path& index, const std::string& shard) {
  const fs::path relative(shard);
  const bool escapes = relative.empty() || relative.is_absolute() ||
                       std::any_of(relative.begin(), relative.end(), [](const fs::path& part) { return part == ".."; });
  if (escapes) fail(index, fmt::format("shard \"{}\" is not a file name inside the checkpoint folder", shard));
  return dir / relative;
}

std::map<std::string, std::vector<std::string>> read_weight_map(const fs::path& index) {
  std::ifstream in(index, std::ios::binary);
  if (!in) fail(index, "cannot read the index");
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json root = parse_strict_json(text.str(), index, "the index");
  const auto weight_map = root.is_object() ? root.find("weight_map") : root.end();
  if (!root.is_object() || weight_map == root.end() || !weight_map->is_object())
    fail(index, "the index must be a JSON object with a \"weight_map\" object (tensor name → shard file)");
  if (weight_map->empty()) fail(index, "the index's weight_map lists no tensors");

  std::map<std::string, std::vector<std::string>> names_by_shard;
  for (const auto& [name, shard] : weight_map->items()) {
    if (!shard.is_string())
      fail(index, fmt::format("weight_map: tensor \"{}\" maps to {}, not a shard file name", name, shard.dump()));
    names_by_shard[shard.get<std::string>()].push_back(name);
  }
  return names_by_shard;
}

}  // namespace

Checkpoint Checkpoint::open(const fs::path& dir) {
  Checkpoint checkpoint;
  checkpoint.dir_ = dir;
  const auto add_whole_file = [&](const fs::path& path) {
    const auto file = File::open(path);
    for (const TensorInfo& info : file->tensors()) checkpoint.owner_.emplace(info.name, file);
  };

  std::error_code error;
  const fs::file_status status = fs::status(dir, error);
  if (!fs::exists(status)) fail(dir, "no such checkpoint folder");
  if (fs::is_regular_file(status)) {
    add_whole_file(dir);
    return checkpoint;
  }
  if (!fs::is_directory(status)) fail(dir, "not a checkpoint folder or .safetensors file");

  if (fs::exists(dir / kSingleFile)) {
    add_whole_file(dir / kSingleFile);
    return checkpoint;
  }
  const fs::path index = dir / kIndexFile;
  if (fs::exists(index)) {
    for (const auto& [shard, names] : read_weight_map(index)) {
      const fs::path path = shard_path(dir, index, shard);
      if (!fs::exists(path))
        fail(index, fmt::format("shard \"{}\" does not exist (the index names it for {} tensor{}, e.g. \"{}\")",
                                shard, names.size(), names.size() == 1 ? "" : "s", names.front()));
      const auto file = File::open(path);
      for (const std::string& name : names) {
        if (!file->find(name))
          fail(index, fmt::format("tensor \"{}\" is listed in shard \"{}\", which does not hold it", name, shard));
        checkpoint.owner_.emplace(name, file);
      }
    }
    return checkpoint;
  }

  const std::vector<std::string> safetensors = files_with_extension(dir, {".safetensors"});
  if (safetensors.size() == 1) {
    add_whole_file(dir / safetensors.front());
    return checkpoint;
  }
  if (safetensors.size() > 1)
    fail(dir, fmt::format("several .safetensors files ({}) but no {} to say which tensors each holds",
                          listed(safetensors), kIndexFile));
  const std::vector<std::string> pickles = files_with_extension(dir, {".bin", ".pt", ".pth", ".ckpt"});
  if (!pickles.empty()) refuse_pickle_only(dir, pickles);
  fail(dir, fmt::format("no {}, {} or other .safetensors file in this folder", kSingleFile, kIndexFile));
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> names;
  names.reserve(owner_.size());
  for (const auto& [name, file] : owner_) names.push_back(name);
  return names;
}

bool Checkpoint::contains(std::string_view name) const { return owner_.find(name) != owner_.end(); }

std::shared_ptr<const File> Checkpoint::file_of(std::string_view name) const {
  const auto found = owner_.find(name);
  if (found == owner_.end()) {
    std::vector<std::string_view> names;
    for (const auto& [known, file] : owner_) names.push_back(known);
    fail(dir_, fmt::format("no tensor \"{}\" in this checkpoint{}", name, did_you_mean(name, names)));
  }
  return found->second;
}

const TensorInfo& Checkpoint::info(std::string_view name) const { return *file_of(name)->find(name); }

at::Tensor Checkpoint::tensor(std::string_view name) const { return file_of(name)->tensor(name); }

}  // namespace tp::safetensors
