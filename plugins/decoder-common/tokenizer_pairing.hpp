#pragma once
// A tokenizer belongs to a model when every id it can produce has a row in the
// model's embedding; otherwise the first such id fails deep inside a forward
// pass ("index out of range in self"), long after loading.
#include "tunepipe/model.hpp"

namespace tp::hf {

// Throws tp::Error naming the tokenizer file, its highest token and the
// config.json vocab_size it exceeds. A model whose config.json gives no
// vocab_size (info.vocab_size 0) is not checked: it cannot be loaded anyway.
void check_tokenizer_fits(const Tokenizer& tokenizer, const ModelInfo& info);

}  // namespace tp::hf
