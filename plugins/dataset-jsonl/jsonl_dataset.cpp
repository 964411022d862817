#include "jsonl_dataset.hpp"

JsonlDataset::JsonlDataset(const tp::Options& options, const tp::StageContext& context)
    : FieldMappedDataset(options, context, tp::RecordFormat::JsonLines, tp::FieldMapping::from_patterns(options, tp::fields_key())) {}

tp::OptionSchema JsonlDataset::schema() {
  tp::OptionSchema schema = tp::record_files_schema("JSON Lines file");
  schema.add(tp::fields_key().spec());
  return schema;
}

void JsonlDataset::validate(const tp::Options& options, tp::Diagnostics& diagnostics) {
  tp::validate_record_files(options, diagnostics);
  tp::FieldMapping::validate_patterns(options, tp::fields_key(), diagnostics);
}
