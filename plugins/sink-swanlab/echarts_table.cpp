#include "echarts_table.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace tp::sinks::swanlab {

std::string echarts_table_json(const std::vector<std::string>& columns,
                               const std::vector<std::vector<std::string>>& rows) {
  nlohmann::ordered_json column_definitions = nlohmann::ordered_json::array();
  for (const std::string& column : columns) column_definitions.push_back({{"field", column}});
  nlohmann::ordered_json row_data = nlohmann::ordered_json::array();
  for (const auto& row : rows) {
    nlohmann::ordered_json cells = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < std::min(columns.size(), row.size()); ++i) cells[columns[i]] = row[i];
    row_data.push_back(std::move(cells));
  }
  const nlohmann::ordered_json table = {{"_swanLab", "table"}, {"colDefs", column_definitions}, {"rowData", row_data}};
  return table.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace tp::sinks::swanlab
