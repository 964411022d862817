#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <span>

#include "common/mapped_file.hpp"
#include "common/nearest_name.hpp"
#include "safetensors/dtype_table.hpp"
#include "safetensors/file_error.hpp"
#include "safetensors/header_parser.hpp"
#include "tunepipe/safetensors.hpp"

namespace tp::safetensors {

// The whole file mapped read-only; tensor views share ownership of it, so the
// mapping lives as long as the last view.
struct File::Mapping : MappedFile {
  using MappedFile::MappedFile;
};

namespace {

// libtorch assumes bool bytes are 0 or 1; anything else is undefined behaviour in its kernels.
void check_bool_bytes(const std::byte* data, std::size_t size, const TensorInfo& info, const std::filesystem::path& path) {
  for (std::size_t i = 0; i < size; ++i)
    if (static_cast<std::uint8_t>(data[i]) > 1)
      fail(path, fmt::format("tensor \"{}\": BOOL element {} holds the byte {}, not 0 or 1", info.name, i,
                             static_cast<unsigned>(data[i])));
}

}  // namespace

std::shared_ptr<const File> File::open(const std::filesystem::path& path) {
  std::shared_ptr<File> file(new File);
  file->path_ = path;
  file->mapping_ = std::make_shared<Mapping>(path);
  Header header = parse_header(file->mapping_->bytes(), path);
  file->data_start_ = header.data_start;
  file->tensors_ = std::move(header.tensors);
  file->metadata_ = std::move(header.metadata);
  return file;
}

File::~File() = default;

const std::filesystem::path& File::path() const { return path_; }

const std::vector<TensorInfo>& File::tensors() const { return tensors_; }

const std::map<std::string, std::string>& File::metadata() const { return metadata_; }

const TensorInfo* File::find(std::string_view name) const {
  const auto found = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                                      [](const TensorInfo& info, std::string_view key) { return info.name < key; });
  return found != tensors_.end() && found->name == name ? &*found : nullptr;
}

at::Tensor File::tensor(std::string_view name) const {
  const TensorInfo* info = find(name);
  if (!info) {
    std::vector<std::string_view> names;
    for (const TensorInfo& known : tensors_) names.push_back(known.name);
    fail(path_, fmt::format("no tensor \"{}\" in this file{}", name, did_you_mean(name, names)));
  }
  const Dtype& dtype = *dtype_named(info->dtype);  // the header parser admitted only known dtypes
  if (!dtype.torch)
    fail(path_, fmt::format("tensor \"{}\" has dtype {}, which libtorch has no type for", info->name, info->dtype));

  const auto options = at::TensorOptions().dtype(*dtype.torch);
  const std::byte* data = mapping_->data() + data_start_ + info->begin;
  const std::size_t size = info->end - info->begin;
  if (size == 0) return at::empty(info->shape, options);
  if (*dtype.torch == at::kBool) check_bool_bytes(data, size, *info, path_);
  // A header whose length is not a multiple of 8 leaves the data misaligned;
  // a misaligned view is undefined behaviour for libtorch's kernels, so such a
  // tensor is copied into an allocation of its own instead.
  if (reinterpret_cast<std::uintptr_t>(data) % (dtype.bits / 8) != 0) {
    at::Tensor copy = at::empty(info->shape, options);
    std::memcpy(copy.data_ptr(), data, size);
    return copy;
  }
  return at::from_blob(const_cast<std::byte*>(data), info->shape, [keep_mapped = mapping_](void*) {}, options);
}

}  // namespace tp::safetensors
