#include <exception>

#include "tunepipe/dataset_support.hpp"

namespace tp {

RecordDataset::RecordDataset(const Options& options, const StageContext& context, RecordFormat format)
    : context_(options.context()), splits_(options, context, format) {}

std::vector<std::string> RecordDataset::splits() const { return splits_.names(); }

void RecordDataset::read(std::string_view split, const std::function<void(Conversation&&)>& emit) {
  std::exception_ptr downstream;  // errors of the consumer pass through untouched
  try {
    splits_.for_each(split, [&](const Record& record) {
      Conversation conversation = convert(record);
      conversation.source = record.where.str();
      conversation.fields = record_fields(record.value);
      try {
        emit(std::move(conversation));
      } catch (...) {
        downstream = std::current_exception();
        throw;
      }
    });
  } catch (const Error& error) {
    if (downstream) throw;
    throw Error(error.where(), context_ + error.message());
  }
}

FieldMappedDataset::FieldMappedDataset(const Options& options, const StageContext& context, RecordFormat format,
                                       FieldMapping mapping)
    : RecordDataset(options, context, format), mapping_(std::move(mapping)) {}

Conversation FieldMappedDataset::convert(const Record& record) const {
  return mapping_.convert(record.value, record.where);
}

}  // namespace tp
