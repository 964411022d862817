#include "checkpoint_folder.hpp"

#include "tunepipe/checkpoint_dtype.hpp"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tunepipe/error.hpp"
#include "tunepipe/json_input.hpp"
#include "tunepipe/safetensors.hpp"

namespace tp::core::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct DtypeName {
  const char* ours;
  const char* hf;
  at::ScalarType type;
};
constexpr std::array<DtypeName, 3> kDtypes = {
    {{"fp32", "float32", at::kFloat}, {"bf16", "bfloat16", at::kBFloat16}, {"fp16", "float16", at::kHalf}}};

const DtypeName& dtype_named(const std::string& ours) {
  for (const DtypeName& d : kDtypes)
    if (ours == d.ours) return d;
  throw Error(Location{"--dtype"}, fmt::format("\"{}\" is not one of fp32, bf16, fp16", ours));
}

json read_config(const fs::path& source) {
  const fs::path file = source / "config.json";
  if (!fs::exists(file)) throw Error(Location{file.string()}, "missing: the model's config is needed");
  return read_json_file(file);
}

// Weights are written anew; everything else (generation config, tokenizer
// files, remote code, license) is copied as it is.
bool is_weight_file(const fs::path& file) {
  static const std::array<const char*, 10> extensions = {".safetensors", ".bin", ".pt", ".pth", ".ckpt",
                                                          ".h5",          ".msgpack", ".gguf", ".onnx", ".pkl"};
  const std::string name = file.filename().string();
  if (name.ends_with(".index.json")) return true;
  for (const char* extension : extensions)
    if (file.extension() == extension) return true;
  return false;
}

void copy_side_files(const fs::path& source, const fs::path& target) {
  for (const fs::directory_entry& entry : fs::directory_iterator(source)) {
    const fs::path& file = entry.path();
    const std::string name = file.filename().string();
    if (!entry.is_regular_file() || name.starts_with(".") || name == "config.json" || is_weight_file(file)) continue;
    fs::copy_file(file, target / name);
  }
}

void write_config(json config, const DtypeName& dtype, const fs::path& file) {
  bool named = false;
  for (const char* key : {"torch_dtype", "dtype"})
    if (config.contains(key)) {
      config[key] = dtype.hf;
      named = true;
    }
  if (!named) config["torch_dtype"] = dtype.hf;
  std::ofstream out(file, std::ios::binary);
  out << config.dump(2) << '\n';
  if (!out.flush()) throw Error(Location{file.string()}, "cannot write the config (disk full?)");
}

void write_weights(const CausalLM& model, const DtypeName& dtype, const fs::path& file) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [name, tensor] : model.named_weights()) tensors.emplace_back(name, tensor.detach().to(dtype.type));
  safetensors::write(file, tensors, {{"format", "pt"}});
}

// Removes the half-written folder unless released.
struct TemporaryFolder {
  fs::path path;
  bool keep = false;
  ~TemporaryFolder() {
    std::error_code ignored;
    if (!keep) fs::remove_all(path, ignored);
  }
};

}  // namespace

std::string output_dtype(const fs::path& source, const std::optional<std::string>& requested) {
  if (requested && *requested != "auto") return dtype_named(*requested).ours;
  return checkpoint_dtype(source);
}

void check_output_folder(const fs::path& out, bool replace) {
  if (replace || !fs::exists(out)) return;
  if (!fs::is_directory(out) || !fs::is_empty(out))
    throw Error(Location{out.string()}, "already exists and is not empty: choose another --out, or pass --force");
}

void write_checkpoint_folder(const CausalLM& model, const fs::path& source, const std::string& dtype_name,
                             const fs::path& given_out, bool replace) {
  const fs::path out = given_out.has_filename() ? given_out : given_out.parent_path();  // "dir/" is "dir"
  check_output_folder(out, replace);
  const DtypeName& dtype = dtype_named(dtype_name);
  const json config = read_config(source);
  TemporaryFolder temporary{fs::path(out).concat(fmt::format(".tmp-{}", ::getpid()))};
  fs::remove_all(temporary.path);
  fs::create_directories(temporary.path);
  copy_side_files(source, temporary.path);
  write_config(config, dtype, temporary.path / "config.json");
  write_weights(model, dtype, temporary.path / "model.safetensors");
  if (fs::exists(out)) fs::remove_all(out);
  fs::rename(temporary.path, out);
  temporary.keep = true;
}

}  // namespace tp::core::cli
