#pragma once
// peft's PromptTuningInit.TEXT: the embeddings of a text's tokens, repeated
// or cut to the number of virtual tokens.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "tunepipe/causal_lm.hpp"
#include "tunepipe/error.hpp"

namespace tp::prompt_tuning {

// The text is tokenized as tokenizer(text)["input_ids"] (special tokens the
// tokenizer adds included) with the tokenizer of `tokenizer_dir`; fp32
// [num_virtual_tokens, hidden], no autograd history. `where` locates the text
// in messages.
at::Tensor text_embeddings(const CausalLM& model, const std::filesystem::path& tokenizer_dir, const std::string& text,
                           std::int64_t num_virtual_tokens, const Location& where);

}  // namespace tp::prompt_tuning
