#pragma once
// The records of a SwanLab run file, serialized as SwanLab's SDK (0.10)
// serializes its swanlab.record.v1.Record messages: `num` (the start, finish
// and config records have fixed negative numbers; every other record counts
// up from 1), when the record was written, and one of start, finish, column,
// scalar, media, log or save. Fields at their default are left out, as
// protobuf does; no proto3 `optional` field (x_axis, hidden, payload) is set.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tp::sinks::swanlab {

struct Timestamp {  // google.protobuf.Timestamp
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;

  static Timestamp from_seconds(double seconds_since_epoch);
  static Timestamp now();
};

inline constexpr std::int64_t kStartRecordNum = -1;
inline constexpr std::int64_t kFinishRecordNum = -2;
inline constexpr std::int64_t kConfigRecordNum = -3;

// swanlab.run.v1.RunState
enum class RunState : std::uint64_t { Finished = 1, Crashed = 2, Aborted = 3 };
// swanlab.metric.column.v1.ColumnType, the kinds this sink writes.
enum class ColumnType : std::uint64_t { Scalar = 1, ECharts = 6 };

struct RunStart {
  std::string project;
  std::string experiment;
  std::string description;
  std::string id;
  bool resumes = false;  // another run folder of the same id came first (RESUME_MODE_ALLOW)
  Timestamp started_at;
};

// A file under the run folder's media/<kind>/ (swanlab.metric.data.v1.MediaItem).
struct MediaFile {
  std::string filename;
  std::string sha256;  // hex
  std::int64_t size = 0;
  std::string caption;
};

std::string start_record(Timestamp written, const RunStart& start);
std::string finish_record(Timestamp written, RunState state, std::string_view error, Timestamp finished_at);
// files/config.yaml, which `swanlab sync` reads when it uploads the run.
std::string config_save_record(Timestamp written, std::string_view config_file_path);
// Declares a chart: the first record of each key, before its data.
std::string column_record(std::int64_t num, Timestamp written, std::string_view key, ColumnType type);
std::string scalar_record(std::int64_t num, Timestamp written, std::string_view key, std::int64_t step, Timestamp at,
                          double value);
std::string media_record(std::int64_t num, Timestamp written, std::string_view key, std::int64_t step, ColumnType type,
                         Timestamp at, const std::vector<MediaFile>& files);
// One line of the run's terminal log; `epoch` numbers the lines from 1.
std::string log_record(std::int64_t num, Timestamp written, std::string_view line, std::int64_t epoch, Timestamp at);

}  // namespace tp::sinks::swanlab
