#pragma once
// A line chart of one scalar series as inline SVG: axes, grid lines and tick
// labels drawn by hand, so the report needs no script or external resource.
#include <string>
#include <vector>

namespace tp::html {

struct ChartPoint {
  double x = 0.0;
  double y = 0.0;
};

// Evenly spaced round values (1, 2 or 5 times a power of ten, and at least
// `min_spacing` apart) that cover [low, high] with about `target` ticks: the
// first tick is <= low, the last >= high. An empty range is widened first.
std::vector<double> nice_ticks(double low, double high, int target = 5, double min_spacing = 0.0);

// A tick label with just the digits that tell the ticks apart (`spacing` is
// the distance between neighbouring ticks): 0.005, 2, 1e-05, 1.5e+06.
std::string tick_label(double value, double spacing);

struct ChartLayout {
  double width = 640;
  double height = 240;
  double left = 64;  // room for the y tick labels
  double right = 16;
  double top = 28;     // room for the title
  double bottom = 40;  // room for the x tick labels and the axis name
};

// The chart of `points` (finite ones; at least one) titled `title`, the
// x axis named `x_name`. Every point is one vertex of the one <polyline>.
std::string svg_line_chart(const std::string& title, const std::string& x_name, const std::vector<ChartPoint>& points,
                           const ChartLayout& layout = {});

}  // namespace tp::html
