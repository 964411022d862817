#include "tokenizer/merge_table.hpp"

#include <bit>

namespace tp {

void MergeTable::reserve(std::size_t merges) {
  const std::size_t wanted = std::bit_ceil(std::max<std::size_t>(16, merges * 2));
  if (wanted > slots_.size()) rehash(wanted);
}

void MergeTable::rehash(std::size_t capacity) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(capacity, Slot{kEmpty, {}});
  mask_ = capacity - 1;
  shift_ = 64 - std::countr_zero(capacity);
  size_ = 0;
  for (const Slot& slot : old) {
    if (slot.key != kEmpty) insert(static_cast<std::int32_t>(slot.key >> 32), static_cast<std::int32_t>(slot.key), slot.merge);
  }
}

void MergeTable::insert(std::int32_t left, std::int32_t right, Merge merge) {
  if ((size_ + 1) * 2 > slots_.size()) rehash(std::max<std::size_t>(16, slots_.size() * 2));
  const std::uint64_t key = pack(left, right);
  for (std::size_t i = slot_of(key);; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.key == key) {
      slot.merge = merge;
      return;
    }
    if (slot.key == kEmpty) {
      slot = Slot{key, merge};
      ++size_;
      return;
    }
  }
}

}  // namespace tp
