#pragma once
// Token ids of recently seen words. Encoding is const and may run on several
// threads, so the cache is split into shards with one mutex each: two threads
// rarely hit the same shard, and a lock that is not contended costs a few ns.
// A shard that grows past its capacity is simply cleared.
#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tp {

class WordCache {
 public:
  static constexpr std::size_t kMaxWordBytes = 256;

  explicit WordCache(std::size_t capacity = 1 << 17);
  // Appends the cached ids of `word` to `out`; false when absent.
  bool find(std::string_view word, std::vector<std::int32_t>& out) const;
  void insert(std::string_view word, std::span<const std::int32_t> ids) const;

 private:
  struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::vector<std::int32_t>, TransparentHash, std::equal_to<>> words;
  };
  static constexpr std::size_t kShards = 32;
  Shard& shard_of(std::string_view word) const;

  std::size_t shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace tp
