#pragma once
// Records from a JSON file (an array of objects), turned into conversations by [dataset.fields].
#include "tunepipe/dataset_support.hpp"

class JsonDataset final : public tp::FieldMappedDataset {
 public:
  JsonDataset(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();
  static void validate(const tp::Options& options, tp::Diagnostics& diagnostics);
};
