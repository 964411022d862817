#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "record_file_keys.hpp"
#include "tunepipe/dataset_support.hpp"

namespace tp {

namespace {

// Thrown through for_each_record to stop reading once `limit` records were visited.
struct LimitReached {};

}  // namespace

RecordSplits::RecordSplits(const Options& options, const StageContext& context, RecordFormat format)
    : train_(record_file_keys::train.read(options)),
      test_(record_file_keys::test.find(options)),
      format_(format),
      test_ratio_(record_file_keys::test_ratio.read(options)),
      seed_(record_file_keys::seed.is_set(options) ? static_cast<std::uint64_t>(record_file_keys::seed.read(options))
                                                   : context.seed),
      limit_(static_cast<std::size_t>(record_file_keys::limit.read(options))) {}

std::vector<std::string> RecordSplits::names() const {
  if (test_ || test_ratio_ > 0) return {"train", "test"};
  return {"train"};
}

const std::vector<bool>& RecordSplits::test_mask() const {
  if (!test_mask_) {
    const std::size_t count = count_records(train_, format_);
    const std::size_t held_out = test_count(count, test_ratio_);
    const std::vector<std::size_t> order = seeded_permutation(count, seed_);
    std::vector<bool> mask(count, false);
    for (std::size_t i = 0; i < held_out; ++i) mask[order[i]] = true;
    test_mask_ = std::move(mask);
  }
  return *test_mask_;
}

void RecordSplits::for_each(std::string_view split, const std::function<void(const Record&)>& visit) const {
  const std::vector<std::string> splits = names();
  if (std::find(splits.begin(), splits.end(), split) == splits.end())
    throw Error(fmt::format("no split \"{}\" (splits: {})", split, fmt::join(splits, ", ")));

  const bool from_test_file = split == "test" && test_;
  const std::filesystem::path& file = from_test_file ? *test_ : train_;
  const std::vector<bool>* mask = !from_test_file && test_ratio_ > 0 ? &test_mask() : nullptr;
  const bool want_test = split == "test";

  std::size_t visited = 0;
  try {
    for_each_record(file, format_, [&](const Record& record) {
      if (mask) {
        if (record.index >= mask->size())
          throw Error(record.where, "the file changed while it was being read (more records than counted)");
        if ((*mask)[record.index] != want_test) return;
      }
      visit(record);
      if (++visited == limit_) throw LimitReached{};
    });
  } catch (const LimitReached&) {
  }
  if (visited > 0) return;

  const Location where{file.string()};
  if (!mask) throw Error(where, fmt::format("no records in the {} split", split));
  const std::size_t count = mask->size();
  const std::size_t held_out = test_count(count, test_ratio_);
  throw Error(where, fmt::format("no records in the {} split: test_ratio {} of {} records holds out {}", split,
                                 test_ratio_, count, held_out));
}

}  // namespace tp
