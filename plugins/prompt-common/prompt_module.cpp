#include "prompt_module.hpp"

namespace tp::prompt {

PromptTable::PromptTable(at::Tensor embeddings) : parameters_{{kPromptEmbeddings, std::move(embeddings)}} {}

at::Tensor PromptTable::output(bool) const { return parameters_.front().second; }

}  // namespace tp::prompt
