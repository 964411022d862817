#pragma once
// Where a decoder's weights come from (an HF safetensors folder, a GGUF file),
// under the HF names the decoder and PEFT adapters use.
#include <ATen/ATen.h>

#include <string>

namespace tp::decoder {

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  virtual bool contains(const std::string& name) const = 0;
  // The stored values of `name` in HF's layout ([out, in] for a projection),
  // in any floating dtype; may be a view of memory the source owns.
  virtual at::Tensor tensor(const std::string& name) const = 0;
  // `name` as a user finds it in the source, e.g. "blk.3.attn_q.weight
  // (model.layers.3.self_attn.q_proj.weight)".
  virtual std::string display_name(const std::string& name) const { return name; }
  // The file holding `name` (which must exist), for errors.
  virtual std::string file_of(const std::string& name) const = 0;
  // The source as a whole ("models/x", "x.gguf") and what the expected shapes
  // come from ("config.json").
  virtual std::string location() const = 0;
  virtual std::string shapes_from() const = 0;
};

}  // namespace tp::decoder
