#include "sharegpt_roles.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

namespace {

bool contains(const std::vector<std::string>& tags, const std::string& tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

}  // namespace

RoleTags::RoleTags(const tp::Options& options)
    : user_(options.get_strings("user_tags")),
      assistant_(options.get_strings("assistant_tags")),
      system_(options.get_strings("system_tags")) {}

void RoleTags::add_options(tp::OptionSchema& schema) {
  schema.add(tp::list_option("user_tags", std::vector<std::string>{"human", "user"}, "role values of user messages"));
  schema.add(tp::list_option("assistant_tags", std::vector<std::string>{"gpt", "assistant"},
                             "role values of assistant messages (all of them are trained)"));
  schema.add(tp::list_option("system_tags", std::vector<std::string>{"system"},
                             "role values of a system message, allowed as the first message only"));
}

void RoleTags::validate(const tp::Options& options, tp::Diagnostics& diagnostics) {
  std::map<std::string, std::string> owner;
  for (const char* option : {"user_tags", "assistant_tags", "system_tags"}) {
    const std::vector<std::string>& tags = options.get_strings(option);
    if (tags.empty() && std::string_view(option) != "system_tags")
      diagnostics.error(options.location(option), fmt::format("{}{} must name at least one role", options.context(),
                                                              option));
    for (const std::string& tag : tags) {
      const auto [it, fresh] = owner.emplace(tag, option);
      if (!fresh && it->second != option)
        diagnostics.error(options.location(it->second), fmt::format("{}role \"{}\" is in both {} and {}",
                                                                options.context(), tag, it->second, option));
    }
  }
}

std::optional<Speaker> RoleTags::find(const std::string& tag) const {
  if (contains(user_, tag)) return Speaker::User;
  if (contains(assistant_, tag)) return Speaker::Assistant;
  if (contains(system_, tag)) return Speaker::System;
  return std::nullopt;
}

std::string RoleTags::describe() const {
  std::string text = fmt::format("user: {}; assistant: {}", fmt::join(user_, ", "), fmt::join(assistant_, ", "));
  if (!system_.empty()) text += fmt::format("; system: {}", fmt::join(system_, ", "));
  return text;
}

const char* to_string(Speaker speaker) {
  switch (speaker) {
    case Speaker::User: return "user";
    case Speaker::Assistant: return "assistant";
    case Speaker::System: return "system";
  }
  return "?";
}
