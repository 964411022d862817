#pragma once
// Rank-ordered BPE merges keyed by the pair of token ids: an open-addressing
// table, since the merge loop looks pairs up far more often than anything else.
#include <cstdint>
#include <vector>

namespace tp {

struct Merge {
  std::int32_t rank = -1;    // lower merges first
  std::int32_t merged = -1;  // id of the joined token
};

class MergeTable {
 public:
  void reserve(std::size_t merges);
  // A pair listed twice keeps its last rank, as HF's merge map does.
  void insert(std::int32_t left, std::int32_t right, Merge merge);

  // rank < 0 when the pair never merges.
  Merge find(std::int32_t left, std::int32_t right) const {
    if (slots_.empty()) return {};
    const std::uint64_t key = pack(left, right);
    for (std::size_t i = slot_of(key);; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.key == key) return slot.merge;
      if (slot.key == kEmpty) return {};
    }
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t key;
    Merge merge;
  };
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static std::uint64_t pack(std::int32_t left, std::int32_t right) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) | static_cast<std::uint32_t>(right);
  }
  std::size_t slot_of(std::uint64_t key) const { return (key * 0x9E3779B97F4A7C15ull) >> shift_; }
  void rehash(std::size_t capacity);

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  int shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace tp
