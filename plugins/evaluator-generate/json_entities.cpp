#include "json_entities.hpp"

#include <algorithm>
#include <iterator>

#include <nlohmann/json.hpp>

#include "answer_metrics.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/json_input.hpp"

namespace tp::evaluators {
namespace {

using nlohmann::json;

bool add_typed_list(const json& entities, std::set<Entity>& out) {
  for (const json& item : entities) {
    if (!item.is_object() || !item.contains("type") || !item.contains("entity") || !item["type"].is_string() ||
        !item["entity"].is_string())
      return false;
    out.emplace(item["type"].get<std::string>(), item["entity"].get<std::string>());
  }
  return true;
}

bool add_by_type(const json& types, std::set<Entity>& out) {
  for (const auto& [type, entities] : types.items()) {
    if (entities.is_string()) {
      out.emplace(type, entities.get<std::string>());
      continue;
    }
    if (!entities.is_array()) return false;
    for (const json& entity : entities) {
      if (!entity.is_string()) return false;
      out.emplace(type, entity.get<std::string>());
    }
  }
  return true;
}

std::int64_t count_of(const std::set<Entity>& entities) { return static_cast<std::int64_t>(entities.size()); }

double ratio(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

std::optional<std::set<Entity>> parse_entities(std::string_view text) {
  const std::string trimmed_text = trimmed(text);
  const std::optional<json> parsed = try_parse_json(trimmed_text);
  if (!parsed) return std::nullopt;
  std::set<Entity> entities;
  const bool shaped = (parsed->is_object() && add_by_type(*parsed, entities)) ||
                      (parsed->is_array() && add_typed_list(*parsed, entities));
  if (!shaped) return std::nullopt;
  return entities;
}

std::set<Entity> reference_entities(std::string_view text, const std::string& where) {
  auto entities = parse_entities(text);
  if (!entities)
    throw Error(Location{where},
                "the reference answer is not entity JSON, which the json_f1 metric needs: write it as "
                "{\"姓名\": [\"高勇\"], \"国籍\": [\"中国国籍\"]} (each type with a list of its entities) or as "
                "[{\"type\": \"姓名\", \"entity\": \"高勇\"}]");
  return std::move(*entities);
}

void EntityCounts::add(const std::optional<std::set<Entity>>& answer, const std::set<Entity>& reference) {
  if (!answer) {
    false_negatives += count_of(reference);
    return;
  }
  std::set<Entity> common;
  std::set_intersection(answer->begin(), answer->end(), reference.begin(), reference.end(),
                        std::inserter(common, common.end()));
  true_positives += count_of(common);
  false_positives += count_of(*answer) - count_of(common);
  false_negatives += count_of(reference) - count_of(common);
}

double EntityCounts::precision() const { return ratio(true_positives, true_positives + false_positives); }

double EntityCounts::recall() const { return ratio(true_positives, true_positives + false_negatives); }

double EntityCounts::f1() const {
  const double p = precision(), r = recall();
  return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
}

}  // namespace tp::evaluators
