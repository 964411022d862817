#pragma once
// A GGUF file's tensors as the decoder's weight source: HF names mapped to
// llama.cpp's ("model.layers.3.self_attn.q_proj.weight" →
// "blk.3.attn_q.weight"), dequantized to float32, and q/k rows put back in HF's
// order where llama.cpp's converter permuted them.
#include <memory>

#include "tunepipe/gguf.hpp"
#include "tunepipe/gguf_names.hpp"
#include "weight_source.hpp"

namespace tp::gguf_model {

class GgufWeights : public decoder::WeightSource {
 public:
  // `heads` / `kv_heads`: the attention's head counts, for undoing the q/k
  // permutation.
  GgufWeights(std::shared_ptr<const gguf::File> file, const gguf::Architecture& architecture, std::int64_t heads,
              std::int64_t kv_heads);

  bool contains(const std::string& name) const override;
  at::Tensor tensor(const std::string& name) const override;
  std::string display_name(const std::string& name) const override;
  std::string file_of(const std::string&) const override { return file_->path().string(); }
  std::string location() const override { return file_->path().string(); }
  std::string shapes_from() const override { return "the GGUF metadata"; }

 private:
  std::shared_ptr<const gguf::File> file_;
  gguf::Architecture architecture_;
  std::int64_t heads_, kv_heads_;
};

}  // namespace tp::gguf_model
