#include "gguf_weights.hpp"

#include "tunepipe/gguf_names.hpp"

namespace tp::gguf_model {

GgufWeights::GgufWeights(std::shared_ptr<const gguf::File> file, const gguf::Architecture& architecture,
                         std::int64_t heads, std::int64_t kv_heads)
    : file_(std::move(file)), architecture_(architecture), heads_(heads), kv_heads_(kv_heads) {}

bool GgufWeights::contains(const std::string& name) const {
  const std::string stored = gguf::tensor_name(name);
  return !stored.empty() && file_->find(stored) != nullptr;
}

at::Tensor GgufWeights::tensor(const std::string& name) const {
  const std::string stored = gguf::tensor_name(name);
  at::Tensor values = file_->tensor(stored);
  if (architecture_.permuted_qk) {
    const bool query = stored.find(".attn_q.") != std::string::npos;
    const bool key = stored.find(".attn_k.") != std::string::npos;
    const std::int64_t heads = query ? heads_ : kv_heads_;
    // A shape that does not split into heads is left as it is: the loader's
    // shape check reports it.
    if ((query || key) && values.dim() >= 1 && values.size(0) % (2 * heads) == 0)
      values = gguf::gguf_to_hf_rows(values, heads);
  }
  return values;
}

std::string GgufWeights::display_name(const std::string& name) const {
  const std::string stored = gguf::tensor_name(name);
  return stored.empty() ? name : stored + " (" + name + ")";
}

}  // namespace tp::gguf_model
