#include <fmt/format.h>

#include <stdexcept>

#include "common/mapped_file.hpp"
#include "common/nearest_name.hpp"
#include "gguf/dequantize.hpp"
#include "gguf/ggml_types.hpp"
#include "gguf/header_parser.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/gguf.hpp"

namespace tp::gguf {

std::shared_ptr<const File> File::open(const std::filesystem::path& path) {
  auto mapping = std::make_shared<const MappedFile>(path);
  const std::span<const std::byte> image = mapping->bytes();
  return read(image, path, std::move(mapping));
}

std::shared_ptr<const File> File::parse(std::span<const std::byte> image, const std::filesystem::path& name) {
  return read(image, name, nullptr);
}

std::shared_ptr<const File> File::read(std::span<const std::byte> image, const std::filesystem::path& name,
                                       std::shared_ptr<const void> owner) {
  Header header = parse_header(image, name);
  std::shared_ptr<File> file(new File);
  file->owner_ = std::move(owner);
  file->data_area_ = image.subspan(header.data_start, header.data_size);
  file->path_ = name;
  file->version_ = header.version;
  file->alignment_ = header.alignment;
  file->metadata_ = std::move(header.metadata);
  file->tensors_ = std::move(header.tensors);
  for (std::size_t i = 0; i < file->tensors_.size(); ++i) file->index_.emplace(file->tensors_[i].name, i);
  return file;
}

const TensorInfo* File::find(std::string_view name) const {
  const auto found = index_.find(name);
  return found == index_.end() ? nullptr : &tensors_[found->second];
}

const TensorInfo& File::tensor_info(std::string_view name) const {
  if (const TensorInfo* info = find(name)) return *info;
  std::vector<std::string_view> names;
  for (const TensorInfo& known : tensors_) names.push_back(known.name);
  throw Error(Location{path_.string()},
              fmt::format("no tensor \"{}\" in this file{}", name, did_you_mean(name, names)));
}

const TensorInfo& File::own(const TensorInfo& info) const {
  if (tensors_.empty() || &info < tensors_.data() || &info > &tensors_.back())
    throw std::invalid_argument(fmt::format("gguf::File: tensor \"{}\" is not one of {}'s tensors", info.name,
                                            path_.string()));
  return info;
}

std::span<const std::byte> File::raw_bytes(const TensorInfo& info) const {
  own(info);
  return data_area_.subspan(info.offset, info.byte_size);  // the parser checked both against the data area
}

void File::dequantize(const TensorInfo& info, std::span<float> out) const {
  own(info);
  if (!can_dequantize(info.type))
    throw Error(Location{path_.string()},
                fmt::format("tensor \"{}\" has the ggml type {}, which cannot be dequantized here (supported: {})",
                            info.name, ggml_type_name(info.type), dequantizable_type_names()));
  if (out.size() != info.element_count)
    throw std::invalid_argument(fmt::format("gguf::File::dequantize: tensor \"{}\" has {} elements, not {}",
                                            info.name, info.element_count, out.size()));
  dequantize_blocks(info.type, raw_bytes(info), out);
}

std::vector<float> File::dequantize(std::string_view name) const {
  const TensorInfo& info = tensor_info(name);
  std::vector<float> values(info.element_count);
  dequantize(info, values);
  return values;
}

}  // namespace tp::gguf
