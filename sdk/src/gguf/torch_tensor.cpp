// File::tensor, apart from the rest so that the torch-free reader (and its
// fuzz harness) does not need libtorch.
#include <ATen/ops/empty.h>

#include "tunepipe/gguf.hpp"

namespace tp::gguf {

at::Tensor File::tensor(std::string_view name) const {
  const TensorInfo& info = tensor_info(name);
  at::Tensor values = at::empty(info.shape, at::TensorOptions().dtype(at::kFloat));
  dequantize(info, std::span<float>(values.data_ptr<float>(), info.element_count));
  return values;
}

}  // namespace tp::gguf
