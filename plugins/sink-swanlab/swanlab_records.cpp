#include "swanlab_records.hpp"

#include <chrono>
#include <cmath>

#include "protobuf_wire.hpp"

namespace tp::sinks::swanlab {
namespace {

using protobuf::Writer;

namespace field {
// swanlab.record.v1.Record
constexpr std::uint32_t num = 1, timestamp = 2, start = 10, finish = 11, column = 12, scalar = 13, media = 14,
                        log = 16, save = 20;
// google.protobuf.Timestamp
constexpr std::uint32_t seconds = 1, nanos = 2;
// swanlab.run.v1.StartRecord
constexpr std::uint32_t project = 1, experiment_name = 4, description = 5, run_id = 10, resume = 11, started_at = 12;
// swanlab.run.v1.FinishRecord
constexpr std::uint32_t state = 1, error = 2, finished_at = 3;
// swanlab.metric.column.v1.ColumnRecord
constexpr std::uint32_t column_class = 1, column_type = 2, column_key = 3, section_name = 5, section_type = 6;
// swanlab.metric.data.v1.ScalarRecord and MediaRecord
constexpr std::uint32_t data_key = 1, data_step = 2, data_type = 3, data_timestamp = 4, data_value = 5;
// swanlab.metric.data.v1.ScalarValue, MediaValue, MediaItem
constexpr std::uint32_t number = 1, items = 1;
constexpr std::uint32_t filename = 1, sha256 = 2, size = 3, caption = 4;
// swanlab.terminal.v1.LogRecord
constexpr std::uint32_t line = 1, log_timestamp = 3, epoch = 4;
// swanlab.save.v1.SaveRecord
constexpr std::uint32_t save_name = 1, source_path = 2, save_type = 5;
}  // namespace field

constexpr std::uint64_t kResumeAllow = 1;        // swanlab.run.v1.ResumeMode
constexpr std::uint64_t kColumnClassCustom = 1;  // swanlab.metric.column.v1.ColumnClass
constexpr std::uint64_t kSectionPublic = 3;      // swanlab.metric.column.v1.SectionType
constexpr std::uint64_t kSaveTypeConfig = 1;     // swanlab.save.v1.SaveType

std::uint64_t varint_of(std::int64_t value) { return static_cast<std::uint64_t>(value); }

Writer timestamp(Timestamp t) {
  return Writer()
      .varint_unless_default(field::seconds, varint_of(t.seconds))
      .varint_unless_default(field::nanos, varint_of(t.nanos));
}

std::string record(std::int64_t num, Timestamp written, std::uint32_t body_field, const Writer& body) {
  return Writer()
      .varint_unless_default(field::num, varint_of(num))
      .message(field::timestamp, timestamp(written))
      .message(body_field, body)
      .data();
}

// The chart group of a key, as SwanLab's SDK names it by default: the key's
// first path segment ("train" for "train/loss"), none for a key without '/'.
std::string_view section_of(std::string_view key) {
  const auto slash = key.find('/');
  return slash == std::string_view::npos ? std::string_view() : key.substr(0, slash);
}

}  // namespace

Timestamp Timestamp::from_seconds(double seconds_since_epoch) {
  // Whole microseconds: a double holding seconds since 1970 resolves no finer.
  const auto micros = static_cast<std::int64_t>(std::llround(seconds_since_epoch * 1e6));
  const std::int64_t seconds = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  return {seconds, static_cast<std::int32_t>((micros - seconds * 1000000) * 1000)};
}

Timestamp Timestamp::now() {
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return {nanos / 1000000000, static_cast<std::int32_t>(nanos % 1000000000)};
}

std::string start_record(Timestamp written, const RunStart& start) {
  Writer body;
  body.bytes_unless_default(field::project, start.project)
      .bytes_unless_default(field::experiment_name, start.experiment)
      .bytes_unless_default(field::description, start.description)
      .bytes_unless_default(field::run_id, start.id)
      .varint_unless_default(field::resume, start.resumes ? kResumeAllow : 0)
      .message(field::started_at, timestamp(start.started_at));
  return record(kStartRecordNum, written, field::start, body);
}

std::string finish_record(Timestamp written, RunState state, std::string_view error, Timestamp finished_at) {
  Writer body;
  body.varint(field::state, static_cast<std::uint64_t>(state))
      .bytes_unless_default(field::error, error)
      .message(field::finished_at, timestamp(finished_at));
  return record(kFinishRecordNum, written, field::finish, body);
}

std::string config_save_record(Timestamp written, std::string_view config_file_path) {
  Writer body;
  body.bytes(field::save_name, "config")
      .bytes(field::source_path, config_file_path)
      .varint(field::save_type, kSaveTypeConfig);
  return record(kConfigRecordNum, written, field::save, body);
}

std::string column_record(std::int64_t num, Timestamp written, std::string_view key, ColumnType type) {
  Writer body;
  body.varint(field::column_class, kColumnClassCustom)
      .varint(field::column_type, static_cast<std::uint64_t>(type))
      .bytes(field::column_key, key)
      .bytes_unless_default(field::section_name, section_of(key))
      .varint(field::section_type, kSectionPublic);
  return record(num, written, field::column, body);
}

std::string scalar_record(std::int64_t num, Timestamp written, std::string_view key, std::int64_t step, Timestamp at,
                          double value) {
  Writer body;
  body.bytes(field::data_key, key)
      .varint_unless_default(field::data_step, varint_of(step))
      .varint(field::data_type, static_cast<std::uint64_t>(ColumnType::Scalar))
      .message(field::data_timestamp, timestamp(at))
      .message(field::data_value, Writer().double_unless_default(field::number, value));
  return record(num, written, field::scalar, body);
}

std::string media_record(std::int64_t num, Timestamp written, std::string_view key, std::int64_t step, ColumnType type,
                         Timestamp at, const std::vector<MediaFile>& files) {
  Writer items;
  for (const MediaFile& file : files)
    items.message(field::items, Writer()
                                    .bytes_unless_default(field::filename, file.filename)
                                    .bytes_unless_default(field::sha256, file.sha256)
                                    .varint_unless_default(field::size, varint_of(file.size))
                                    .bytes_unless_default(field::caption, file.caption));
  Writer body;
  body.bytes(field::data_key, key)
      .varint_unless_default(field::data_step, varint_of(step))
      .varint(field::data_type, static_cast<std::uint64_t>(type))
      .message(field::data_timestamp, timestamp(at))
      .message(field::data_value, items);
  return record(num, written, field::media, body);
}

std::string log_record(std::int64_t num, Timestamp written, std::string_view line, std::int64_t epoch, Timestamp at) {
  Writer body;
  body.bytes_unless_default(field::line, line)
      .message(field::log_timestamp, timestamp(at))
      .varint_unless_default(field::epoch, varint_of(epoch));
  return record(num, written, field::log, body);
}

}  // namespace tp::sinks::swanlab
