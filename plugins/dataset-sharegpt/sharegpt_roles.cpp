#include "sharegpt_roles.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "tunepipe/option_key.hpp"

namespace {

const auto kUserTags =
    tp::list_key("user_tags", std::vector<std::string>{"human", "user"}, "role values of user messages");
const auto kAssistantTags = tp::list_key("assistant_tags", std::vector<std::string>{"gpt", "assistant"},
                                         "role values of assistant messages (all of them are trained)");
const auto kSystemTags = tp::list_key("system_tags", std::vector<std::string>{"system"},
                                      "role values of a system message, allowed as the first message only");

bool contains(const std::vector<std::string>& tags, const std::string& tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

}  // namespace

RoleTags::RoleTags(const tp::Options& options)
    : user_(kUserTags.read(options)), assistant_(kAssistantTags.read(options)), system_(kSystemTags.read(options)) {}

void RoleTags::add_options(tp::OptionSchema& schema) {
  schema.extend(tp::schema_of(kUserTags, kAssistantTags, kSystemTags));
}

void RoleTags::validate(const tp::Options& options, tp::Diagnostics& diagnostics) {
  std::map<std::string, const tp::OptionKey<std::vector<std::string>>*> owner;
  for (const auto* option : {&kUserTags, &kAssistantTags, &kSystemTags}) {
    const auto& tags = option->read(options);
    if (tags.empty() && option != &kSystemTags)
      diagnostics.error(option->location(options),
                        fmt::format("{}{} must name at least one role", options.context(), option->name()));
    for (const std::string& tag : tags) {
      const auto [it, fresh] = owner.emplace(tag, option);
      if (!fresh && it->second != option)
        diagnostics.error(it->second->location(options), fmt::format("{}role \"{}\" is in both {} and {}",
                                                                     options.context(), tag, it->second->name(),
                                                                     option->name()));
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
