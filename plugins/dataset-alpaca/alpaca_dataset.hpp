#pragma once
// The alpaca format (instruction, input, output, system, history), as
// LLaMA-Factory's alpaca_en_demo.json, from a JSON or JSON Lines file.
#include "tunepipe/dataset_support.hpp"

class AlpacaDataset final : public tp::FieldMappedDataset {
 public:
  AlpacaDataset(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();
  static void validate(const tp::Options& options, tp::Diagnostics& diagnostics);
};
