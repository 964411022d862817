#include "sharegpt_dataset.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tunepipe/option_key.hpp"

namespace {

const auto kMessages = tp::string_key("messages", "conversations", "record field holding the list of messages");
const auto kSystemField = tp::string_key("system_field", "system",
                                         "record field with a system prompt, used when no system message comes first "
                                         "(\"\" for none)");
const auto kRoleKeys = tp::list_key("role_keys", std::vector<std::string>{"from", "role"},
                                    "message keys naming the speaker; the first one present is used");
const auto kContentKeys = tp::list_key("content_keys", std::vector<std::string>{"value", "content"},
                                       "message keys holding the text; the first one present is used");

}  // namespace

SharegptDataset::SharegptDataset(const tp::Options& options, const tp::StageContext& context)
    : RecordDataset(options, context, tp::record_format(options)),
      messages_(kMessages.read(options)),
      system_field_(kSystemField.read(options)),
      role_keys_(kRoleKeys.read(options)),
      content_keys_(kContentKeys.read(options)),
      roles_(options) {}

tp::OptionSchema SharegptDataset::schema() {
  tp::OptionSchema schema = tp::record_files_schema("sharegpt JSON or JSON Lines file");
  schema.extend(tp::schema_of(tp::record_format_key(), kMessages, kSystemField, kRoleKeys, kContentKeys));
  RoleTags::add_options(schema);
  return schema;
}

void SharegptDataset::validate(const tp::Options& options, tp::Diagnostics& diagnostics) {
  tp::validate_record_files(options, diagnostics);
  RoleTags::validate(options, diagnostics);
  if (kMessages.read(options).empty())
    diagnostics.error(kMessages.location(options), options.context() + "messages must name a record field");
  for (const auto* keys : {&kRoleKeys, &kContentKeys})
    if (keys->read(options).empty())
      diagnostics.error(keys->location(options),
                        fmt::format("{}{} must name at least one key", options.context(), keys->name()));
}

const tp::RecordJson& SharegptDataset::message_field(const tp::RecordJson& message,
                                                     const std::vector<std::string>& keys, const char* what,
                                                     std::size_t number, const tp::Location& where) const {
  for (const std::string& key : keys) {
    const auto it = message.find(key);
    if (it == message.end()) continue;
    if (!it->is_string())
      throw tp::Error(where, fmt::format("message {}: {} \"{}\" is {}, expected a string", number, what, key,
                                         tp::describe_kind(*it)));
    return *it;
  }
  throw tp::Error(where, fmt::format("message {} has no {} (looked for: {})", number, what, fmt::join(keys, ", ")));
}

tp::Conversation SharegptDataset::convert(const tp::Record& record) const {
  const tp::Location& where = record.where;
  const auto list = record.value.find(messages_);
  if (list == record.value.end())
    throw tp::Error(where, fmt::format("field \"{}\" missing in record (fields seen: {})", messages_,
                                       tp::describe_fields(record.value)));
  if (!list->is_array())
    throw tp::Error(where, fmt::format("field \"{}\" is {}, expected a list of messages", messages_,
                                       tp::describe_kind(*list)));

  tp::Conversation conversation;
  std::size_t number = 0;
  for (const tp::RecordJson& message : *list) {
    ++number;
    if (!message.is_object())
      throw tp::Error(where, fmt::format("message {} is {}, expected an object", number, tp::describe_kind(message)));
    const std::string& tag = message_field(message, role_keys_, "role", number, where).get_ref<const std::string&>();
    const std::string& content = message_field(message, content_keys_, "content", number, where).get_ref<const std::string&>();
    const std::optional<Speaker> speaker = roles_.find(tag);
    if (!speaker)
      throw tp::Error(where, fmt::format("message {} has unknown role \"{}\" (known roles: {})", number, tag,
                                         roles_.describe()));
    if (*speaker == Speaker::System) {
      if (number != 1)
        throw tp::Error(where, fmt::format("message {} is a system message; only the first message may be one", number));
      conversation.system = content;
      continue;
    }
    const bool user_expected = conversation.turns.empty() || conversation.turns.back().role == tp::Role::Assistant;
    const Speaker expected = user_expected ? Speaker::User : Speaker::Assistant;
    if (*speaker != expected)
      throw tp::Error(where, fmt::format("message {} is from the {}, but the {} speaks next: turns alternate, "
                                         "starting with the user",
                                         number, to_string(*speaker), to_string(expected)));
    const bool assistant = *speaker == Speaker::Assistant;
    conversation.turns.push_back(tp::Turn{assistant ? tp::Role::Assistant : tp::Role::User, content, assistant});
  }

  if (conversation.turns.empty())
    throw tp::Error(where, fmt::format("field \"{}\" holds no user or assistant messages", messages_));
  if (conversation.turns.back().role != tp::Role::Assistant)
    throw tp::Error(where, fmt::format("the last message ({}) is from the user; a conversation must end with an "
                                       "assistant message",
                                       number));
  if (conversation.system.empty() && !system_field_.empty()) {
    const auto system = record.value.find(system_field_);
    if (system != record.value.end() && !system->is_null()) {
      if (!system->is_string())
        throw tp::Error(where, fmt::format("field \"{}\" is {}, expected a string", system_field_,
                                           tp::describe_kind(*system)));
      conversation.system = system->get<std::string>();
    }
  }
  return conversation;
}
