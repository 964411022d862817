#pragma once
// What the report shows, gathered from the run's events as they arrive.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tunepipe/event.hpp"

namespace tp::html {

struct SeriesPoint {
  std::int64_t step = 0;
  double value = 0.0;
};

struct ScalarSeries {
  std::string name;
  std::vector<SeriesPoint> points;  // in the order they were reported
};

struct ParamSet {
  std::string stage;
  std::string name;  // "hyperparameters", "trainer/plan", ...
  std::vector<std::pair<std::string, std::string>> params;
};

class RunRecord {
 public:
  void add(const Event& event);

  const std::vector<ScalarSeries>& series() const { return series_; }
  const std::vector<ParamSet>& param_sets() const { return param_sets_; }
  const std::vector<Event>& tables() const { return tables_; }
  const std::vector<Event>& texts() const { return texts_; }
  double first_time() const { return first_time_; }
  double last_time() const { return last_time_; }

 private:
  std::vector<ScalarSeries> series_;
  std::vector<ParamSet> param_sets_;
  std::vector<Event> tables_;
  std::vector<Event> texts_;
  double first_time_ = 0.0;
  double last_time_ = 0.0;
};

}  // namespace tp::html
