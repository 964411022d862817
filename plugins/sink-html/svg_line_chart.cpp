#include "svg_line_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "html_text.hpp"

namespace tp::html {
namespace {

// log10 with the rounding error of exact powers of ten (log10(0.001) may come
// out as -2.9999999999999996) taken away before it is floored.
int decade(double x) { return static_cast<int>(std::floor(std::log10(x) + 1e-9)); }

// The 1-2-5 number near x: rounded to the nearest, or the next one up.
double nice_number(double x, bool round_to_nearest) {
  const double power = std::pow(10.0, decade(x));
  const double fraction = x / power;
  double nice;
  if (round_to_nearest)
    nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  else
    nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

std::string coordinate(double value) { return fmt::format("{:.1f}", value); }

struct Scale {
  double domain_low, domain_high, range_low, range_high;
  double operator()(double v) const {
    return range_low + (v - domain_low) / (domain_high - domain_low) * (range_high - range_low);
  }
};

}  // namespace

std::vector<double> nice_ticks(double low, double high, int target, double min_spacing) {
  if (!(high > low)) {
    const double pad = low != 0.0 ? std::abs(low) * 0.1 : 1.0;
    low -= pad;
    high += pad;
  }
  const double range = nice_number(high - low, false);
  const double spacing = std::max(nice_number(range / std::max(target - 1, 1), true), min_spacing);
  const double first = std::floor(low / spacing + 1e-9);
  const double last = std::ceil(high / spacing - 1e-9);
  std::vector<double> ticks;
  for (double i = first; i <= last; ++i) ticks.push_back(i == 0 ? 0.0 : i * spacing);
  return ticks;
}

std::string tick_label(double value, double spacing) {
  if (value == 0.0) return "0";
  const int magnitude = decade(std::max(std::abs(value), spacing));
  int digits = magnitude - decade(spacing) + 1;
  // Below a million, whole digits are written out: 30, 2500 rather than 3e+01, 2.5e+03.
  if (std::abs(value) < 1e6) digits = std::max(digits, magnitude + 1);
  return fmt::format("{:.{}g}", value, std::max(digits, 1));
}

std::string svg_line_chart(const std::string& title, const std::string& x_name, const std::vector<ChartPoint>& points,
                           const ChartLayout& layout) {
  const auto [x_min, x_max] = std::minmax_element(points.begin(), points.end(),
                                                  [](const ChartPoint& a, const ChartPoint& b) { return a.x < b.x; });
  const auto [y_min, y_max] = std::minmax_element(points.begin(), points.end(),
                                                  [](const ChartPoint& a, const ChartPoint& b) { return a.y < b.y; });
  const bool whole_x = std::all_of(points.begin(), points.end(), [](const ChartPoint& p) { return p.x == std::floor(p.x); });
  const std::vector<double> x_ticks = nice_ticks(x_min->x, x_max->x, 6, whole_x ? 1.0 : 0.0);
  const std::vector<double> y_ticks = nice_ticks(y_min->y, y_max->y, 5);
  const double x_spacing = x_ticks[1] - x_ticks[0];
  const double y_spacing = y_ticks[1] - y_ticks[0];

  const double plot_left = layout.left;
  const double plot_right = layout.width - layout.right;
  const double plot_top = layout.top;
  const double plot_bottom = layout.height - layout.bottom;
  const Scale sx{x_ticks.front(), x_ticks.back(), plot_left, plot_right};
  const Scale sy{y_ticks.front(), y_ticks.back(), plot_bottom, plot_top};

  const std::string name = escape(title);
  std::string svg = fmt::format(
      "<svg class=\"chart\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" role=\"img\" aria-label=\"{2}\">"
      "<title>{2}</title><text class=\"chart-title\" x=\"{3}\" y=\"{4}\">{2}</text>\n",
      layout.width, layout.height, name, coordinate(plot_left), coordinate(layout.top - 10));

  svg += "<g class=\"grid\" stroke=\"#e3e3e3\">";
  for (const double y : y_ticks)
    svg += fmt::format("<line x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\"/>", coordinate(plot_left),
                       coordinate(plot_right), coordinate(sy(y)));
  for (const double x : x_ticks)
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", coordinate(sx(x)), coordinate(plot_top),
                       coordinate(plot_bottom));
  svg += "</g>\n<g class=\"y-ticks\" text-anchor=\"end\">";
  for (const double y : y_ticks)
    svg += fmt::format("<text x=\"{}\" y=\"{}\" dominant-baseline=\"middle\">{}</text>", coordinate(plot_left - 6),
                       coordinate(sy(y)), tick_label(y, y_spacing));
  svg += "</g>\n<g class=\"x-ticks\" text-anchor=\"middle\">";
  for (const double x : x_ticks)
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>", coordinate(sx(x)), coordinate(plot_bottom + 16),
                       tick_label(x, x_spacing));
  svg += fmt::format(
      "</g>\n<g class=\"axes\" stroke=\"#555\"><line x1=\"{0}\" y1=\"{3}\" x2=\"{1}\" y2=\"{3}\"/>"
      "<line x1=\"{0}\" y1=\"{2}\" x2=\"{0}\" y2=\"{3}\"/></g>\n"
      "<text class=\"axis-name\" x=\"{4}\" y=\"{5}\" text-anchor=\"middle\">{6}</text>\n",
      coordinate(plot_left), coordinate(plot_right), coordinate(plot_top), coordinate(plot_bottom),
      coordinate((plot_left + plot_right) / 2), coordinate(layout.height - 4), escape(x_name));

  std::string vertices;
  for (const ChartPoint& p : points) {
    if (!vertices.empty()) vertices += ' ';
    vertices += coordinate(sx(p.x)) + ',' + coordinate(sy(p.y));
  }
  svg += fmt::format("<polyline class=\"series\" fill=\"none\" stroke=\"#1f6fb2\" stroke-width=\"1.8\" points=\"{}\"/>\n",
                     vertices);
  // A few points read better as dots than as a bare line.
  if (points.size() <= 24) {
    svg += "<g class=\"markers\" fill=\"#1f6fb2\">";
    for (const ChartPoint& p : points)
      svg += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"2.5\"/>", coordinate(sx(p.x)), coordinate(sy(p.y)));
    svg += "</g>\n";
  }
  return svg + "</svg>";
}

}  // namespace tp::html
