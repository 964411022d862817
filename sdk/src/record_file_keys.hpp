#pragma once
// The options of record_files_schema, read by the split and its checks.
#include "tunepipe/option_key.hpp"

namespace tp::record_file_keys {

// Their docs name the plugin's file kind: record_files_schema sets them.
inline const auto train = path_key("train", PathKind::ExistingFile, std::nullopt, "").require();
inline const auto test = path_key("test", PathKind::ExistingFile, std::nullopt, "");
inline const auto test_ratio =
    float_key("test_ratio", 0.0,
              "share of the train records held out as the test split when there is no test file (0: none)")
        .range(0, 1);
inline const auto seed =
    int_key("seed", std::nullopt, "seed of the test_ratio split (default: the pipeline seed)").range(0, std::nullopt);
inline const auto limit =
    int_key("limit", 0, "records kept per split, the first ones in file order (0: all)").range(0, std::nullopt);

}  // namespace tp::record_file_keys
