#pragma once
// What computes a prompt adapter's virtual tokens from its trainable tensors.
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "parameter_table.hpp"

namespace tp::prompt {

class PromptModule {
 public:
  virtual ~PromptModule() = default;
  // [num_virtual_tokens, width] in fp32, computed anew on every call so that
  // gradients reach the parameters; `training` turns dropout on.
  virtual at::Tensor output(bool training) const = 0;
  // The trainable tensors, named as in tunepipe_prompt_encoder.safetensors (or
  // "prompt_embeddings" when they are the output itself).
  virtual const ParameterTable& parameters() const = 0;
  // True when the parameters are an encoder peft's adapter_model.safetensors
  // cannot hold (it keeps only the output).
  virtual bool has_encoder() const = 0;

  void set_training(bool training) { training_ = training; }
  bool training() const { return training_; }

 private:
  bool training_ = false;
};

// The name peft saves every prompt method's virtual tokens under.
inline constexpr const char* kPromptEmbeddings = "prompt_embeddings";

// Virtual tokens that are their own parameter: prompt tuning, a prefix
// without projection, and any prompt adapter loaded from peft's file alone.
class PromptTable : public PromptModule {
 public:
  explicit PromptTable(at::Tensor embeddings);  // a trainable [tokens, width] tensor
  at::Tensor output(bool training) const override;
  const ParameterTable& parameters() const override { return parameters_; }
  bool has_encoder() const override { return false; }

 private:
  ParameterTable parameters_;
};

}  // namespace tp::prompt
