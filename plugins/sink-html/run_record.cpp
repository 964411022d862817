#include "run_record.hpp"

#include <algorithm>

namespace tp::html {

void RunRecord::add(const Event& event) {
  if (first_time_ == 0.0) first_time_ = event.wall_time;
  last_time_ = std::max(last_time_, event.wall_time);
  switch (event.kind) {
    case Event::Kind::Scalar: {
      auto it = std::find_if(series_.begin(), series_.end(), [&](const ScalarSeries& s) { return s.name == event.name; });
      if (it == series_.end()) it = series_.insert(series_.end(), ScalarSeries{event.name, {}});
      it->points.push_back({event.step, event.value});
      break;
    }
    case Event::Kind::Params: param_sets_.push_back({event.stage, event.name, event.params}); break;
    case Event::Kind::Table: tables_.push_back(event); break;
    case Event::Kind::Text: texts_.push_back(event); break;
  }
}

}  // namespace tp::html
