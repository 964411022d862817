#include "report_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "html_text.hpp"
#include "svg_line_chart.hpp"

namespace tp::html {
namespace {

constexpr const char* kStyle = R"css(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", sans-serif;
       color: #1d1d1f; margin: 0 auto; max-width: 1360px; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 14px; margin: 18px 0 6px; }
h3 .step, figcaption { color: #666; font-weight: normal; }
nav a { margin-right: 14px; color: #1f6fb2; text-decoration: none; }
.status { display: inline-block; padding: 2px 10px; border-radius: 10px; font-weight: 600; }
.status.finished { background: #e2f4e5; color: #17612a; }
.status.running { background: #e6effa; color: #1f4f8a; }
.status.stopped { background: #fbe5e3; color: #8a1f17; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; border: 1px solid #e6e6e6; border-radius: 6px; padding: 6px; background: #fff; }
figcaption { font-size: 12px; padding: 0 4px; }
svg.chart { display: block; font-size: 11px; fill: #333; }
svg.chart .chart-title { font-size: 13px; font-weight: 600; }
table { border-collapse: collapse; margin: 4px 0 12px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f6; }
td { white-space: pre-wrap; word-break: break-word; max-width: 640px; }
footer { margin-top: 40px; color: #888; font-size: 12px; }
)css";

std::string value_text(double value) { return std::isfinite(value) ? fmt::format("{:.6g}", value) : fmt::format("{}", value); }

std::string state_badge(RunState state) {
  switch (state) {
    case RunState::Finished: return "<span class=\"status finished\">finished</span>";
    case RunState::Running:
      return "<span class=\"status running\">running</span> this page is rewritten as the run goes on";
    case RunState::Failed:
      return "<span class=\"status stopped\">failed</span> the run ended with an error; the report shows what it "
             "had reported until then";
    case RunState::Interrupted:
      return "<span class=\"status stopped\">interrupted</span> the run was stopped (SIGINT/SIGTERM) after saving a "
             "checkpoint: <code>tunepipe run PIPELINE --resume</code> continues it";
  }
  return {};
}

std::string table_html(const std::vector<std::string>& columns, const std::vector<std::vector<std::string>>& rows,
                       const std::string& attributes) {
  std::string html = fmt::format("<table{}><thead><tr>", attributes);
  for (const std::string& column : columns) html += "<th>" + escape(column) + "</th>";
  html += "</tr></thead><tbody>\n";
  for (const auto& row : rows) {
    html += "<tr>";
    for (const std::string& cell : row) html += "<td>" + escape(cell) + "</td>";
    html += "</tr>\n";
  }
  return html + "</tbody></table>\n";
}

std::string pairs_table(const std::vector<std::pair<std::string, std::string>>& pairs, const std::string& attributes) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, value] : pairs) rows.push_back({key, value});
  return table_html({"name", "value"}, rows, attributes);
}

std::string curves_section(const RunRecord& record) {
  std::string charts;
  std::vector<std::vector<std::string>> single_values;
  for (const ScalarSeries& series : record.series()) {
    std::vector<ChartPoint> points;
    for (const SeriesPoint& p : series.points)
      if (std::isfinite(p.value)) points.push_back({static_cast<double>(p.step), p.value});
    if (series.points.size() < 2 || points.empty()) {
      for (const SeriesPoint& p : series.points) single_values.push_back({series.name, std::to_string(p.step), value_text(p.value)});
      continue;
    }
    const SeriesPoint& last = series.points.back();
    std::string caption = fmt::format("{} points, last {} at step {}", series.points.size(), value_text(last.value), last.step);
    if (points.size() < series.points.size())
      caption += fmt::format("; {} values not finite, not drawn", series.points.size() - points.size());
    charts += fmt::format("<figure class=\"series\" data-series=\"{}\">{}<figcaption>{}</figcaption></figure>\n",
                          escape(series.name), svg_line_chart(series.name, "step", points), escape(caption));
  }
  std::string html = "<section id=\"curves\"><h2>Curves</h2>\n";
  html += charts.empty() ? "<p>No series with two or more values yet.</p>\n" : "<div class=\"charts\">\n" + charts + "</div>\n";
  if (!single_values.empty())
    html += "<h3>Single values</h3>\n" + table_html({"name", "step", "value"}, single_values, " class=\"single-values\"");
  return html + "</section>\n";
}

std::string params_section(const RunRecord& record) {
  std::string html = "<section id=\"parameters\"><h2>Hyper-parameters</h2>\n";
  if (record.param_sets().empty()) html += "<p>None reported.</p>\n";
  for (const ParamSet& set : record.param_sets())
    html += fmt::format("<h3>{} <span class=\"step\">from the {}</span></h3>\n", escape(set.name), escape(set.stage)) +
            pairs_table(set.params, fmt::format(" class=\"params\" data-params=\"{}\"", escape(set.name)));
  return html + "</section>\n";
}

std::string tables_section(const RunRecord& record) {
  std::string html = "<section id=\"tables\"><h2>Tables</h2>\n";
  if (record.tables().empty()) html += "<p>None reported.</p>\n";
  for (const Event& table : record.tables()) {
    html += fmt::format("<h3>{} <span class=\"step\">{} rows, step {}</span></h3>\n", escape(table.name), table.rows.size(),
                        table.step);
    html += table_html(table.columns, table.rows,
                       fmt::format(" class=\"data-table\" data-table=\"{}\" data-step=\"{}\"", escape(table.name), table.step));
  }
  return html + "</section>\n";
}

std::string messages_section(const RunRecord& record) {
  std::vector<std::vector<std::string>> rows;
  for (const Event& text : record.texts()) rows.push_back({std::to_string(text.step), text.stage, text.name, text.text});
  std::string html = "<section id=\"messages\"><h2>Messages</h2>\n";
  html += rows.empty() ? "<p>None reported.</p>\n" : table_html({"step", "stage", "name", "text"}, rows, " class=\"messages\"");
  return html + "</section>\n";
}

}  // namespace

std::string utc_time(double seconds) {
  const std::time_t whole = static_cast<std::time_t>(std::floor(seconds));
  std::tm parts{};
  ::gmtime_r(&whole, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

std::string duration_text(double seconds) {
  const long total = std::lround(std::max(seconds, 0.0));
  if (total < 60) return fmt::format("{} s", total);
  if (total < 3600) return fmt::format("{} min {:02} s", total / 60, total % 60);
  return fmt::format("{} h {:02} min", total / 3600, total % 3600 / 60);
}

std::string render_report(const RunRecord& record, const ReportInput& input) {
  const std::string name = escape(input.pipeline_name);
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{0} — tunepipe report</title>\n<style>{1}</style>\n</head>\n<body>\n"
      "<header><h1>{0}</h1>\n<p class=\"run-state\">{2}</p>\n",
      name, kStyle, state_badge(input.state));
  if (record.first_time() > 0.0)
    html += fmt::format("<p>Started {}, {} of reported activity.</p>\n", utc_time(record.first_time()),
                        duration_text(record.last_time() - record.first_time()));
  html +=
      "<nav><a href=\"#curves\">Curves</a><a href=\"#tables\">Tables</a><a href=\"#parameters\">Hyper-parameters</a>"
      "<a href=\"#messages\">Messages</a><a href=\"#environment\">Environment</a></nav>\n</header>\n";
  html += curves_section(record) + tables_section(record) + params_section(record) + messages_section(record);
  html += "<section id=\"environment\"><h2>Environment</h2>\n" +
          pairs_table(input.environment, " class=\"environment\"") + "</section>\n";
  html += fmt::format("<footer>Written by the tunepipe html sink at {}.</footer>\n</body>\n</html>\n",
                      utc_time(input.written_at));
  return html;
}

}  // namespace tp::html
