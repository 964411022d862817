#pragma once
// A table as SwanLab's swanlab.echarts.Table stores it (an ECharts media file
// its web page draws as a grid): {"_swanLab": "table", "colDefs": [{"field":
// <column>}...], "rowData": [{<column>: <cell>}...]}. As there, each row is
// an object by column name: a row's cells past the columns are dropped, and
// a repeated column name keeps its last cell.
#include <string>
#include <vector>

namespace tp::sinks::swanlab {

std::string echarts_table_json(const std::vector<std::string>& columns,
                               const std::vector<std::vector<std::string>>& rows);

}  // namespace tp::sinks::swanlab
