// The html sink's parts: tick placement and labels, the SVG line chart's
// coordinates, escaping, and the page it writes — checked against values
// worked out by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "html_text.hpp"
#include "report_page.hpp"
#include "run_record.hpp"
#include "svg_line_chart.hpp"

using namespace tp::html;

namespace {

std::vector<double> approx_ticks(double low, double high, int target, double min_spacing = 0.0) {
  std::vector<double> ticks = nice_ticks(low, high, target, min_spacing);
  for (double& t : ticks) t = std::round(t * 1e9) / 1e9;  // 0.6000000000000001 → 0.6
  return ticks;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

tp::Event at(tp::Event event, double time) {
  event.wall_time = time;
  return event;
}

}  // namespace

TEST_CASE("nice_ticks covers the range with 1-2-5 steps", "[html]") {
  CHECK(approx_ticks(0, 10, 5) == std::vector<double>{0, 2, 4, 6, 8, 10});
  CHECK(approx_ticks(0.37, 2.9, 5) == std::vector<double>{0, 1, 2, 3});
  CHECK(approx_ticks(0.25, 1.0, 5) == std::vector<double>{0.2, 0.4, 0.6, 0.8, 1.0});
  CHECK(approx_ticks(0, 20, 6, 1.0) == std::vector<double>{0, 5, 10, 15, 20});
  // Whole steps stay whole: 0.5 would be the 1-2-5 spacing for 1..3.
  CHECK(approx_ticks(1, 3, 6, 1.0) == std::vector<double>{1, 2, 3});
  CHECK(approx_ticks(-0.003, 0.004, 5) == std::vector<double>{-0.004, -0.002, 0, 0.002, 0.004});
}

TEST_CASE("nice_ticks widens an empty range around its value", "[html]") {
  CHECK(approx_ticks(0, 0, 5) == std::vector<double>{-1, -0.5, 0, 0.5, 1});
  CHECK(approx_ticks(5, 5, 5) == std::vector<double>{4.4, 4.6, 4.8, 5.0, 5.2, 5.4, 5.6});
}

TEST_CASE("tick_label shows the digits that tell neighbouring ticks apart", "[html]") {
  CHECK(tick_label(0, 0.2) == "0");
  CHECK(tick_label(0.6000000000000001, 0.2) == "0.6");
  CHECK(tick_label(1.0, 0.2) == "1");
  CHECK(tick_label(10, 5) == "10");
  CHECK(tick_label(30, 10) == "30");
  CHECK(tick_label(2500, 500) == "2500");
  CHECK(tick_label(999'000, 1000) == "999000");
  CHECK(tick_label(0.005, 0.001) == "0.005");
  CHECK(tick_label(0.0045, 0.0005) == "0.0045");
  CHECK(tick_label(-0.5, 0.5) == "-0.5");
  CHECK(tick_label(12010, 2) == "12010");
  CHECK(tick_label(1e-5, 1e-5) == "1e-05");
  CHECK(tick_label(1'500'000, 500'000) == "1.5e+06");
}

TEST_CASE("escape makes text safe in elements and attributes and keeps UTF-8", "[html]") {
  CHECK(escape(R"(<a href="x">Tom & Jerry's</a>)") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  CHECK(escape("文本:{text},分类选项列表") == "文本:{text},分类选项列表");
  CHECK(escape("&amp;") == "&amp;amp;");
  CHECK(escape("") == "");
}

TEST_CASE("svg_line_chart places each point on the ticked axes", "[html]") {
  // Plot area (default layout): x 64..624, y 28..200; x ticks 0..20, y ticks 0.2..1.
  const std::string svg = svg_line_chart("train/loss", "step", {{0, 1.0}, {10, 0.5}, {20, 0.3}});
  CHECK(svg.starts_with("<svg class=\"chart\" viewBox=\"0 0 640 240\""));
  CHECK(svg.ends_with("</svg>"));
  CHECK(svg.find("points=\"64.0,28.0 344.0,135.5 624.0,178.5\"") != std::string::npos);
  CHECK(count(svg, "<polyline") == 1);
  CHECK(count(svg, "<circle") == 3);
  // y tick 0.6 sits at 200 - (0.6 - 0.2) / 0.8 * 172 = 114; x tick 15 at 64 + 15 / 20 * 560 = 484.
  CHECK(svg.find("<text x=\"58.0\" y=\"114.0\" dominant-baseline=\"middle\">0.6</text>") != std::string::npos);
  CHECK(svg.find("<text x=\"484.0\" y=\"216.0\">15</text>") != std::string::npos);
  for (const char* label : {">0.2<", ">0.4<", ">0.8<", ">1<", ">0<", ">5<", ">10<", ">20<"})
    CHECK(svg.find(label) != std::string::npos);
  CHECK(svg.find(">step</text>") != std::string::npos);
  CHECK(svg.find("http") == std::string::npos);
}

TEST_CASE("svg_line_chart escapes its title and draws a flat series", "[html]") {
  const std::string svg = svg_line_chart("eval/<b>", "step", {{1, 2.0}, {2, 2.0}});
  CHECK(svg.find("<b>") == std::string::npos);
  CHECK(svg.find("<title>eval/&lt;b&gt;</title>") != std::string::npos);
  // 2.0 is mid-axis on the widened range 1.8..2.2: y = 200 - 0.5 * 172 = 114.
  CHECK(svg.find("points=\"64.0,114.0 624.0,114.0\"") != std::string::npos);
}

TEST_CASE("duration_text and utc_time read as people write them", "[html]") {
  CHECK(duration_text(42.4) == "42 s");
  CHECK(duration_text(185) == "3 min 05 s");
  CHECK(duration_text(7620) == "2 h 07 min");
  CHECK(utc_time(0) == "1970-01-01 00:00:00 UTC");
  CHECK(utc_time(1700000000.7) == "2023-11-14 22:13:20 UTC");
}

TEST_CASE("render_report shows every kind of event, escaped", "[html]") {
  RunRecord record;
  record.add(at(tp::Event::parameters("pipeline", "hyperparameters", {{"template.system", "你是一个<专家>"}}), 100));
  for (int step = 1; step <= 3; ++step) record.add(at(tp::Event::scalar("trainer", "train/loss", 4.0 / step, step), 100 + step));
  record.add(at(tp::Event::scalar("trainer", "train/lr", std::numeric_limits<double>::quiet_NaN(), 1), 104));
  record.add(at(tp::Event::scalar("evaluator", "eval/choice_accuracy", 0.25, 0), 105));
  record.add(at(tp::Event::table("evaluator", "eval/answers", {"prompt", "prediction"},
                                 {{"<script>alert(1)</script>", "体育"}, {"a & b", "财经"}}, 3),
                106));
  record.add(at(tp::Event::message("trainer", "train/adapter", "runs/x/adapter", 3), 107));

  const ReportInput input{"quick<start>", RunState::Failed, 200, {{"CPU", "Test CPU"}}};
  std::string page = render_report(record, input);
  CHECK(page.starts_with("<!DOCTYPE html>"));
  CHECK(page.find("<meta charset=\"utf-8\">") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(page.find("<h1>quick&lt;start&gt;</h1>") != std::string::npos);
  CHECK(page.find("你是一个&lt;专家&gt;") != std::string::npos);
  CHECK(page.find("<span class=\"status stopped\">failed</span>") != std::string::npos);
  CHECK(page.find("data-series=\"train/loss\"") != std::string::npos);
  CHECK(page.find("3 points, last 1.33333 at step 3") != std::string::npos);
  // One value, or none finite: listed, not charted.
  CHECK(page.find("data-series=\"eval/choice_accuracy\"") == std::string::npos);
  CHECK(page.find("data-series=\"train/lr\"") == std::string::npos);
  CHECK(page.find("<td>eval/choice_accuracy</td><td>0</td><td>0.25</td>") != std::string::npos);
  CHECK(page.find("<td>train/lr</td><td>1</td><td>nan</td>") != std::string::npos);
  CHECK(page.find("data-table=\"eval/answers\" data-step=\"3\"") != std::string::npos);
  CHECK(count(page, "<tr><td>") == 7);  // 2 answers, 1 parameter, 2 single values, 1 message, 1 environment
  CHECK(page.find("<td>runs/x/adapter</td>") != std::string::npos);
  CHECK(page.find("<td>Test CPU</td>") != std::string::npos);
  CHECK(page.find("Started 1970-01-01 00:01:40 UTC, 7 s of reported activity.") != std::string::npos);

  record.add(at(tp::Event::message("pipeline", "run/output", "runs/x"), 108));
  page = render_report(record, {"quickstart", RunState::Finished, 200, {}});
  CHECK(page.find("<span class=\"status finished\">finished</span>") != std::string::npos);
  CHECK(page.find("status stopped") == std::string::npos);
  page = render_report(record, {"quickstart", RunState::Interrupted, 200, {}});
  CHECK(page.find("<span class=\"status stopped\">interrupted</span>") != std::string::npos);
  CHECK(page.find("--resume") != std::string::npos);
}

