#pragma once
// The one self-contained HTML page of a run: status, curves as inline SVG,
// hyper-parameters, tables, messages and environment. No script, no external
// resource: the file can be mailed or archived as it is.
#include <string>
#include <utility>
#include <vector>

#include "run_record.hpp"

namespace tp::html {

enum class RunState { Running, Finished, Failed, Interrupted };

struct ReportInput {
  std::string pipeline_name;
  RunState state = RunState::Running;
  double written_at = 0.0;  // seconds since the epoch
  std::vector<std::pair<std::string, std::string>> environment;
};

std::string render_report(const RunRecord& record, const ReportInput& input);

// "2024-05-01 12:00:03 UTC" for seconds since the epoch.
std::string utc_time(double seconds);
// "42 s", "3 min 05 s", "2 h 07 min".
std::string duration_text(double seconds);

}  // namespace tp::html
