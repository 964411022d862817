#include "safetensors/data_layout.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "safetensors/file_error.hpp"

namespace tp::safetensors {

void check_data_layout(const std::vector<TensorInfo>& tensors, std::uint64_t data_size,
                       const std::filesystem::path& path) {
  std::vector<const TensorInfo*> by_offset;
  by_offset.reserve(tensors.size());
  for (const TensorInfo& tensor : tensors) by_offset.push_back(&tensor);
  // Empty tensors may share an offset with their neighbour; (begin, end) keeps them first.
  std::stable_sort(by_offset.begin(), by_offset.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });

  std::uint64_t covered = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo* tensor : by_offset) {
    if (tensor->begin < covered)
      fail(path, fmt::format("tensor \"{}\" (bytes {}–{}) overlaps the next tensor \"{}\" (bytes {}–{})",
                             previous->name, previous->begin, previous->end, tensor->name, tensor->begin,
                             tensor->end));
    if (tensor->begin > covered) {
      const std::string where = previous ? fmt::format("between \"{}\" and \"{}\"", previous->name, tensor->name)
                                         : fmt::format("before \"{}\"", tensor->name);
      fail(path, fmt::format("bytes {}–{} of the data area belong to no tensor ({})", covered, tensor->begin, where));
    }
    covered = tensor->end;
    previous = tensor;
  }
  if (covered != data_size) {
    const std::string where = previous ? fmt::format("after \"{}\"", previous->name) : "the header lists no tensors";
    fail(path, fmt::format("bytes {}–{} of the data area belong to no tensor ({})", covered, data_size, where));
  }
}

}  // namespace tp::safetensors
