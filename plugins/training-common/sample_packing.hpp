#pragma once
// Packing (packing = true): the train samples laid into rows of several each.
#include <cstddef>
#include <span>
#include <vector>

#include "tunepipe/sample.hpp"
#include "tunepipe/sample_batch.hpp"

namespace tp::training {

// Rows of at most `row_length` tokens, best-fit decreasing: each sample,
// longest first, goes into the fullest row it still fits (TRL's "bfd"
// packing), so few rows are left short. Rows come in the order they were
// opened, each with its samples in the order they went in. Done once per run,
// a function of the samples alone, so a resumed run rebuilds the same rows.
std::vector<PackedRow> pack_samples(std::span<const TokenizedSample> samples, std::size_t row_length);

}  // namespace tp::training
