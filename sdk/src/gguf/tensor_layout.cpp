#include "gguf/tensor_layout.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tunepipe/error.hpp"

namespace tp::gguf {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& message) {
  throw Error(Location{path.string()}, message);
}

std::uint64_t end_of(const TensorInfo& tensor) { return tensor.offset + tensor.byte_size; }  // checked in bounds first

}  // namespace

void check_tensor_layout(const std::vector<TensorInfo>& tensors, std::uint64_t alignment, std::uint64_t data_start,
                         std::uint64_t data_size, const std::filesystem::path& path) {
  for (const TensorInfo& tensor : tensors) {
    if (tensor.offset % alignment != 0)
      fail(path, fmt::format("tensor \"{}\": its data offset {} is not a multiple of the alignment {} "
                             "(general.alignment, 32 when absent): the file is corrupt",
                             tensor.name, tensor.offset, alignment));
    if (tensor.offset > data_size || tensor.byte_size > data_size - tensor.offset)
      fail(path, fmt::format("tensor \"{}\": its {} bytes at data offset {} run past the end of the data area ({} "
                             "bytes from byte {} of the file): the file is truncated or corrupt",
                             tensor.name, tensor.byte_size, tensor.offset, data_size, data_start));
  }
  std::vector<const TensorInfo*> by_offset;
  by_offset.reserve(tensors.size());
  for (const TensorInfo& tensor : tensors) by_offset.push_back(&tensor);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const TensorInfo& previous = *by_offset[i - 1];
    const TensorInfo& tensor = *by_offset[i];
    if (tensor.offset < end_of(previous))
      fail(path, fmt::format("tensors \"{}\" (data bytes {}–{}) and \"{}\" (data bytes {}–{}) overlap: the file is "
                             "corrupt",
                             previous.name, previous.offset, end_of(previous), tensor.name, tensor.offset,
                             end_of(tensor)));
  }
}

}  // namespace tp::gguf
