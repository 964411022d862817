#pragma once
// Which tags name the user, the assistant and the system in sharegpt messages.
#include <optional>
#include <string>
#include <vector>

#include "tunepipe/options.hpp"

enum class Speaker { User, Assistant, System };

class RoleTags {
 public:
  explicit RoleTags(const tp::Options& options);
  static void add_options(tp::OptionSchema& schema);
  static void validate(const tp::Options& options, tp::Diagnostics& diagnostics);

  std::optional<Speaker> find(const std::string& tag) const;
  // "user: human, user; assistant: gpt, assistant; system: system", for messages.
  std::string describe() const;

 private:
  std::vector<std::string> user_, assistant_, system_;
};

const char* to_string(Speaker speaker);
