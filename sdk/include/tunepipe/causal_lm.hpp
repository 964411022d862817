#pragma once
// A decoder-only language model in libtorch, as the model stage loads it from
// an HF checkpoint. Names of parameters and projections are HF's, so adapters
// address them as peft does ("model.layers.0.self_attn.q_proj").
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tunepipe/adaptable_linear.hpp"

namespace tp {

struct RopeScaling {
  std::string type;  // "" (none), "linear", "llama3"
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  std::int64_t original_max_position_embeddings = 0;
};

struct DecoderConfig {
  std::string architecture;  // "Qwen2ForCausalLM", "LlamaForCausalLM", "Ernie4_5_ForCausalLM", …
  std::string source;        // the checkpoint folder, as given (adapters save it as base_model_name_or_path)
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t num_kv_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  std::vector<std::int64_t> eos_token_ids;
  std::optional<std::int64_t> bos_token_id;
  std::optional<std::int64_t> pad_token_id;
};

// What incremental decoding keeps between forwards: the keys and values of
// every layer, [batch, kv_heads, length, head_dim] each, and whatever else a
// family's layers read again, by a name of the model's choosing (Yuan2: the
// last two hidden states each layer's convolutions see). Callers only hold it.
struct KVCache {
  std::vector<at::Tensor> keys;
  std::vector<at::Tensor> values;
  std::map<std::string, at::Tensor> state;
  std::int64_t length() const { return keys.empty() || !keys[0].defined() ? 0 : keys[0].size(2); }
};

struct ForwardInput {
  at::Tensor input_ids;       // [batch, tokens] int64; or undefined when inputs_embeds is given
  at::Tensor inputs_embeds;   // [batch, tokens, hidden] (prompt-tuning prepends virtual tokens here)
  at::Tensor attention_mask;  // [batch, cached + tokens], 1 keep / 0 padding; undefined: all kept
  // [batch, tokens]; undefined: derived from the mask and the cache. Given
  // with no attention_mask and no cache, positions that restart mark packed
  // rows: each sample attends only to itself (tunepipe/packed_sequences.hpp).
  at::Tensor position_ids;
  KVCache* cache = nullptr;   // when given, used and extended in place
  // Per layer, a key/value prefix [batch, kv_heads, prefix, head_dim] every
  // token attends to (P-tuning v2); empty: none.
  std::vector<std::pair<at::Tensor, at::Tensor>> layer_prefix;
  // Keep only each decoder layer's input for backward and recompute the layer
  // there (activation checkpointing); no effect without autograd.
  bool checkpoint_layers = false;
};

class CausalLM {
 public:
  virtual ~CausalLM() = default;
  virtual const DecoderConfig& config() const = 0;

  virtual at::Tensor embed(const at::Tensor& input_ids) const = 0;
  // Final normalised hidden states [batch, tokens, hidden].
  virtual at::Tensor hidden_states(const ForwardInput& input) const = 0;
  // Logits [batch, tokens, vocab] from hidden states.
  virtual at::Tensor lm_head(const at::Tensor& hidden) const = 0;
  at::Tensor logits(const ForwardInput& input) const { return lm_head(hidden_states(input)); }

  // Every projection adapters may target, by its HF module name.
  virtual std::vector<std::pair<std::string, AdaptableLinear*>> adaptable_linears() = 0;
  // Every weight by its HF tensor name (for saving merged checkpoints).
  virtual std::vector<std::pair<std::string, at::Tensor>> named_weights() const = 0;
};

}  // namespace tp
