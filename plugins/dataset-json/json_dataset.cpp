#include "json_dataset.hpp"

JsonDataset::JsonDataset(const tp::Options& options, const tp::StageContext& context)
    : FieldMappedDataset(options, context, tp::RecordFormat::Json, tp::FieldMapping::from_patterns(options, tp::fields_key())) {}

tp::OptionSchema JsonDataset::schema() {
  tp::OptionSchema schema = tp::record_files_schema("JSON file (an array of objects)");
  schema.add(tp::fields_key().spec());
  return schema;
}

void JsonDataset::validate(const tp::Options& options, tp::Diagnostics& diagnostics) {
  tp::validate_record_files(options, diagnostics);
  tp::FieldMapping::validate_patterns(options, tp::fields_key(), diagnostics);
}
