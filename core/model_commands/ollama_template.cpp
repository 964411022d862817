#include "ollama_template.hpp"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "tunepipe/error.hpp"
#include "tunepipe/jinja.hpp"

namespace tp::core::cli {
namespace {

using nlohmann::ordered_json;

// Marker contents: letters only, so that templates which trim or escape content leave them whole.
constexpr std::array kMarkers = {"Tpxqsys", "Tpxqone", "Tpxqtwo", "Tpxqthree", "Tpxqfour", "Tpxqfive"};

struct Message {
  std::string role;
  std::string content;
};

// The text around each message of a role, and around the conversation.
struct Frame {
  std::string default_system;  // when the first message is not a system message
  std::string system_before, system_after;
  std::string user_before, user_after;
  std::string assistant_before, assistant_after;
  std::string generation_prompt;

  std::string render(const std::vector<Message>& messages) const {
    std::string text = messages.empty() || messages[0].role != "system" ? default_system : "";
    for (const Message& m : messages) {
      if (m.role == "system") text += system_before + m.content + system_after;
      if (m.role == "user") text += user_before + m.content + user_after;
      if (m.role == "assistant") text += assistant_before + m.content + assistant_after;
    }
    return text + generation_prompt;
  }
};

class Renderer {
 public:
  Renderer(const std::string& source, const ordered_json& tokens, bool bos_added)
      : template_(source, "chat template"), tokens_(tokens) {
    if (bos_added && tokens.contains("bos_token") && tokens["bos_token"].is_string())
      bos_ = tokens["bos_token"].get<std::string>();
  }

  // The Jinja rendering without the BOS llama.cpp adds itself.
  std::string operator()(const std::vector<Message>& messages, bool generation_prompt) const {
    ordered_json variables = tokens_;
    ordered_json list = ordered_json::array();
    for (const Message& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
    variables["messages"] = list;
    variables["add_generation_prompt"] = generation_prompt;
    std::string text = template_.render(variables).text;
    if (!bos_.empty() && text.starts_with(bos_)) text.erase(0, bos_.size());
    return text;
  }

 private:
  jinja::Template template_;
  ordered_json tokens_;
  std::string bos_;
};

// The text of `whole` between the end of `from` and the start of `to` (markers found in order); nullopt when
// either is missing.
std::optional<std::string> between(const std::string& whole, const std::string& from, const std::string& to) {
  const std::size_t start = from.empty() ? 0 : whole.find(from);
  if (start == std::string::npos) return std::nullopt;
  const std::size_t begin = start + from.size();
  const std::size_t end = to.empty() ? whole.size() : whole.find(to, begin);
  if (end == std::string::npos) return std::nullopt;
  return whole.substr(begin, end - begin);
}

// `whole` less `part` at its end (or start); nullopt when it is not there.
std::optional<std::string> without_suffix(const std::string& whole, const std::string& part) {
  if (!whole.ends_with(part)) return std::nullopt;
  return whole.substr(0, whole.size() - part.size());
}
std::optional<std::string> without_prefix(const std::string& whole, const std::string& part) {
  if (!whole.starts_with(part)) return std::nullopt;
  return whole.substr(part.size());
}

std::optional<Frame> find_frame(const Renderer& render) {
  const std::string s = kMarkers[0], u1 = kMarkers[1], a1 = kMarkers[2], u2 = kMarkers[3];
  const std::string user_alone = render({{"user", u1}}, false);
  const std::string user_prompted = render({{"user", u1}}, true);
  const std::string answered = render({{"user", u1}, {"assistant", a1}}, false);
  const std::string second_turn = render({{"user", u1}, {"assistant", a1}, {"user", u2}}, true);
  const std::string with_system = render({{"system", s}, {"user", u1}}, true);

  Frame frame;
  const auto head = between(user_alone, "", u1);
  const auto user_after = between(user_alone, u1, "");
  const auto after_user_prompted = between(user_prompted, u1, "");
  const auto user_to_assistant = between(answered, u1, a1);
  const auto assistant_after = between(answered, a1, "");
  const auto assistant_to_user = between(second_turn, a1, u2);
  const auto system_before = between(with_system, "", s);
  const auto system_to_user = between(with_system, s, u1);
  if (!head || !user_after || !after_user_prompted || !user_to_assistant || !assistant_after || !assistant_to_user ||
      !system_before || !system_to_user)
    return std::nullopt;
  const auto generation_prompt = without_prefix(*after_user_prompted, *user_after);
  const auto assistant_before = without_prefix(*user_to_assistant, *user_after);
  const auto user_before = without_prefix(*assistant_to_user, *assistant_after);
  if (!generation_prompt || !assistant_before || !user_before) return std::nullopt;
  const auto default_system = without_suffix(*head, *user_before);
  const auto system_after = without_suffix(*system_to_user, *user_before);
  if (!default_system || !system_after) return std::nullopt;
  frame.default_system = *default_system;
  frame.system_before = *system_before;
  frame.system_after = *system_after;
  frame.user_before = *user_before;
  frame.user_after = *user_after;
  frame.assistant_before = *assistant_before;
  frame.assistant_after = *assistant_after;
  frame.generation_prompt = *generation_prompt;
  return frame;
}

// Conversations the frame must render as the template does (other markers than those it was found with).
bool renders_as_the_template(const Frame& frame, const Renderer& render) {
  const std::string s = kMarkers[0], x = kMarkers[3], y = kMarkers[4], z = kMarkers[5];
  const std::vector<std::vector<Message>> conversations = {
      {{"user", x}},
      {{"system", s}, {"user", x}},
      {{"user", x}, {"assistant", y}, {"user", z}},
      {{"system", s}, {"user", x}, {"assistant", y}, {"user", z}},
      {{"user", z}, {"assistant", x}, {"user", y}, {"assistant", s}, {"user", x}},
      {{"system", ""}, {"user", x}, {"assistant", ""}, {"user", y}},  // some leave empty messages out
      // Reasoning models' templates drop the thinking of earlier answers, which a Go template cannot.
      {{"user", x}, {"assistant", "<think>\n" + y + "\n</think>\n\n" + z}, {"user", s}},
  };
  for (const auto& conversation : conversations)
    if (render(conversation, true) != frame.render(conversation)) return false;
  return true;
}

// Literal text of a Go template: "{{" would open an action.
std::string go_literal(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "{{") == 0) {
      out += R"({{ "{{" }})";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string go_template(const Frame& f) {
  std::string text;
  if (!f.default_system.empty())
    text += fmt::format(R"({{{{ if or (not .Messages) (ne (index .Messages 0).Role "system") }}}}{}{{{{ end }}}})",
                        go_literal(f.default_system));
  text += "{{ range .Messages }}";
  text += fmt::format(R"({{{{ if eq .Role "system" }}}}{}{{{{ .Content }}}}{})", go_literal(f.system_before),
                      go_literal(f.system_after));
  text += fmt::format(R"({{{{ else if eq .Role "user" }}}}{}{{{{ .Content }}}}{})", go_literal(f.user_before),
                      go_literal(f.user_after));
  text += fmt::format(R"({{{{ else if eq .Role "assistant" }}}}{}{{{{ .Content }}}}{})",
                      go_literal(f.assistant_before), go_literal(f.assistant_after));
  text += "{{ end }}{{ end }}" + go_literal(f.generation_prompt);
  return text;
}

}  // namespace

std::optional<std::string> ollama_template(const std::string& chat_template, const ordered_json& tokens,
                                           bool bos_added) {
  try {
    const Renderer render(chat_template, tokens, bos_added);
    const std::optional<Frame> frame = find_frame(render);
    if (!frame || !renders_as_the_template(*frame, render)) return std::nullopt;
    std::string text = go_template(*frame);
    // The Modelfile quotes it in """…""".
    if (text.find("\"\"\"") != std::string::npos || text.ends_with('"')) return std::nullopt;
    return text;
  } catch (const Error&) {
    return std::nullopt;  // the template refuses these conversations (or uses what the engine lacks)
  }
}

}  // namespace tp::core::cli
