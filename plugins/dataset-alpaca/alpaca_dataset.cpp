#include "alpaca_dataset.hpp"

AlpacaDataset::AlpacaDataset(const tp::Options& options, const tp::StageContext& context)
    : FieldMappedDataset(options, context, tp::record_format(options), tp::FieldMapping::from_columns(options, tp::columns_key())) {}

tp::OptionSchema AlpacaDataset::schema() {
  tp::OptionSchema schema = tp::record_files_schema("alpaca JSON or JSON Lines file");
  schema.add(tp::record_format_key().spec());
  schema.add(tp::columns_key().spec());
  return schema;
}

void AlpacaDataset::validate(const tp::Options& options, tp::Diagnostics& diagnostics) {
  tp::validate_record_files(options, diagnostics);
  tp::FieldMapping::validate_columns(options, tp::columns_key(), diagnostics);
}
