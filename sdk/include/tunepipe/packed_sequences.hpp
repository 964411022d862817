#pragma once
// Packed rows: several samples one after another in one row, each attending
// only to itself. As transformers reads them (no attention mask, no KV cache),
// the position ids alone say where a sample starts: at a position that does
// not continue its predecessor by one.
#include <ATen/ATen.h>

#include "tunepipe/causal_lm.hpp"

namespace tp {

// [batch, tokens] position ids → the index of the sequence each token belongs
// to (0, 1, … from each row's start), or an undefined tensor when every row
// holds one sequence.
at::Tensor packed_sequence_ids(const at::Tensor& position_ids);

// The same for a forward's input: undefined unless its position ids are given
// with no attention mask and no cache.
at::Tensor packed_sequence_ids(const ForwardInput& input);

}  // namespace tp
