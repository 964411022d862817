#pragma once
// What sinks receive: every metric, hyper-parameter set, text and table that a
// stage reports.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tp {

struct Event {
  enum class Kind { Scalar, Text, Params, Table };
  Kind kind = Kind::Scalar;
  std::string stage;  // the reporting stage kind: "dataset", "trainer", ...
  std::string name;   // e.g. "train/loss", "dataset/summary"
  std::int64_t step = 0;
  double value = 0.0;                                       // Scalar
  std::string text;                                         // Text
  std::vector<std::pair<std::string, std::string>> params;  // Params
  std::vector<std::string> columns;                         // Table
  std::vector<std::vector<std::string>> rows;               // Table
  double wall_time = 0.0;  // seconds since the epoch, set by the runtime

  static Event scalar(std::string stage, std::string name, double value, std::int64_t step = 0);
  static Event message(std::string stage, std::string name, std::string text, std::int64_t step = 0);
  static Event parameters(std::string stage, std::string name, std::vector<std::pair<std::string, std::string>> params);
  static Event table(std::string stage, std::string name, std::vector<std::string> columns,
                     std::vector<std::vector<std::string>> rows, std::int64_t step = 0);
};

class EventEmitter {
 public:
  virtual ~EventEmitter() = default;
  virtual void emit(Event event) = 0;
};

}  // namespace tp
