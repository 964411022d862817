#include "tokenizer/word_cache.hpp"

namespace tp {

WordCache::WordCache(std::size_t capacity) : shard_capacity_(std::max<std::size_t>(1, capacity / kShards)) {}

WordCache::Shard& WordCache::shard_of(std::string_view word) const {
  // The first bytes and the length are enough to spread words across shards.
  std::size_t h = word.size() * 0x9E3779B97F4A7C15ull;
  for (std::size_t i = 0; i < word.size() && i < 4; ++i) h = (h ^ static_cast<unsigned char>(word[i])) * 0x100000001B3ull;
  return shards_[(h >> 32) % kShards];
}

bool WordCache::find(std::string_view word, std::vector<std::int32_t>& out) const {
  Shard& shard = shard_of(word);
  const std::lock_guard lock(shard.mutex);
  const auto it = shard.words.find(word);
  if (it == shard.words.end()) return false;
  out.insert(out.end(), it->second.begin(), it->second.end());
  return true;
}

void WordCache::insert(std::string_view word, std::span<const std::int32_t> ids) const {
  Shard& shard = shard_of(word);
  const std::lock_guard lock(shard.mutex);
  if (shard.words.size() >= shard_capacity_) shard.words.clear();
  shard.words.emplace(std::string(word), std::vector<std::int32_t>(ids.begin(), ids.end()));
}

}  // namespace tp
