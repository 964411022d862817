#include "text_init.hpp"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <vector>

#include "tunepipe/tokenizer.hpp"

namespace tp::prompt_tuning {

at::Tensor text_embeddings(const CausalLM& model, const std::filesystem::path& tokenizer_dir, const std::string& text,
                           std::int64_t num_virtual_tokens, const Location& where) {
  const std::vector<std::int32_t> encoded = load_tokenizer(tokenizer_dir)->encode(text, /*add_special_tokens=*/true);
  if (encoded.empty())
    throw Error(where, "\"init_text\" has no tokens: give a text that describes the task (or init = \"random\")");
  std::vector<std::int64_t> ids;
  ids.reserve(static_cast<std::size_t>(num_virtual_tokens));
  for (std::int64_t i = 0; i < num_virtual_tokens; ++i) ids.push_back(encoded[static_cast<std::size_t>(i) % encoded.size()]);
  const at::NoGradGuard no_grad;
  return model.embed(at::tensor(ids, at::kLong)).to(at::kFloat);
}

}  // namespace tp::prompt_tuning
