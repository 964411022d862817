#pragma once
// Entity-level scores of information-extraction answers written as JSON (seed
// 003: resume named entities).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace tp::evaluators {

using Entity = std::pair<std::string, std::string>;  // (type, text)

// The entities of a JSON answer, in either shape:
//   {"姓名": ["高勇"], "国籍": ["中国国籍"]}   each type → its entities (a string alone: one entity)
//   [{"type": "姓名", "entity": "高勇"}, …]    a list of typed entities (other keys ignored)
// A repeated entity counts once. Nothing when the text is not JSON, or is JSON
// of another shape. Surrounding white space is ignored; nothing else is.
std::optional<std::set<Entity>> parse_entities(std::string_view text);

// The reference of a row: its entities, or a tp::Error naming `where` that
// shows the expected shapes.
std::set<Entity> reference_entities(std::string_view text, const std::string& where);

// Micro-averaged counts over all rows: true positives are the (type, text)
// pairs both sides hold, false positives only the answer's, false negatives
// only the reference's. A ratio whose denominator is 0 is 0.
struct EntityCounts {
  std::int64_t true_positives = 0;
  std::int64_t false_positives = 0;
  std::int64_t false_negatives = 0;

  // `answer`: the parsed answer, nothing when it was invalid (all of the
  // reference's entities are then missed).
  void add(const std::optional<std::set<Entity>>& answer, const std::set<Entity>& reference);
  double precision() const;
  double recall() const;
  double f1() const;
};

}  // namespace tp::evaluators
