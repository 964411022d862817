#include "tunepipe/packed_sequences.hpp"

namespace tp {

at::Tensor packed_sequence_ids(const at::Tensor& position_ids) {
  const at::Tensor before_first = position_ids.narrow(1, 0, 1) - 1;
  const at::Tensor starts = at::diff(position_ids, 1, -1, before_first) != 1;
  const at::Tensor ids = starts.cumsum(-1);
  if (ids.select(1, ids.size(1) - 1).eq(0).all().item<bool>()) return {};
  return ids;
}

at::Tensor packed_sequence_ids(const ForwardInput& input) {
  if (!input.position_ids.defined() || input.attention_mask.defined() || input.cache != nullptr) return {};
  return packed_sequence_ids(input.position_ids);
}

}  // namespace tp
