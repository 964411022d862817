#pragma once
// Records from a JSON Lines file, turned into conversations by [dataset.fields].
#include "tunepipe/dataset_support.hpp"

class JsonlDataset final : public tp::FieldMappedDataset {
 public:
  JsonlDataset(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();
  static void validate(const tp::Options& options, tp::Diagnostics& diagnostics);
};
