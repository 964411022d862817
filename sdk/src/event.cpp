#include "tunepipe/event.hpp"

namespace tp {

Event Event::scalar(std::string stage, std::string name, double value, std::int64_t step) {
  Event e;
  e.kind = Kind::Scalar;
  e.stage = std::move(stage);
  e.name = std::move(name);
  e.value = value;
  e.step = step;
  return e;
}

Event Event::message(std::string stage, std::string name, std::string text, std::int64_t step) {
  Event e;
  e.kind = Kind::Text;
  e.stage = std::move(stage);
  e.name = std::move(name);
  e.text = std::move(text);
  e.step = step;
  return e;
}

Event Event::parameters(std::string stage, std::string name, std::vector<std::pair<std::string, std::string>> params) {
  Event e;
  e.kind = Kind::Params;
  e.stage = std::move(stage);
  e.name = std::move(name);
  e.params = std::move(params);
  return e;
}

Event Event::table(std::string stage, std::string name, std::vector<std::string> columns,
                   std::vector<std::vector<std::string>> rows, std::int64_t step) {
  Event e;
  e.kind = Kind::Table;
  e.stage = std::move(stage);
  e.name = std::move(name);
  e.columns = std::move(columns);
  e.rows = std::move(rows);
  e.step = step;
  return e;
}

}  // namespace tp
