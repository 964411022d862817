#pragma once
// A tokenizer belongs to a model when every id it can produce has a row in the
// model's embedding; otherwise the first such id fails deep inside a forward
// pass ("index out of range in self"), long after loading.
#include <string>

#include "tunepipe/model.hpp"

namespace tp::decoder {

// Throws tp::Error naming the tokenizer file, its highest token and the
// vocabulary size it exceeds; `vocab_origin` says where that size was read,
// e.g. "\"vocab_size\": 32 in models/x/config.json". A model that gives no
// vocabulary size (info.vocab_size 0) is not checked: it cannot be loaded anyway.
void check_tokenizer_fits(const Tokenizer& tokenizer, const ModelInfo& info, const std::string& vocab_origin);

}  // namespace tp::decoder
