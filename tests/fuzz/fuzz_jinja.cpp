// The Jinja engine (sdk/src/jinja/*): lexer, parser and interpreter, as a
// chat template from a checkpoint reaches them. The input is
//
//   TEMPLATE [ NUL variables as a JSON object ]
//
// without variables, a conversation with a system prompt, tools, a tool call
// and the usual special tokens is rendered (what tokenizer_config.json
// templates are written against), with and without add_generation_prompt.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "tunepipe/jinja.hpp"
#include "tunepipe/json_input.hpp"

namespace {

const nlohmann::ordered_json& default_variables() {
  static const nlohmann::ordered_json variables = nlohmann::ordered_json::parse(R"({
    "bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
    "messages": [
      {"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": "What is the weather in Paris?"},
      {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function":
        {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
      {"role": "tool", "name": "get_weather", "content": "{\"temperature\": 21}"},
      {"role": "assistant", "content": "It is 21 \u00b0C in Paris.\nAnything else?"},
      {"role": "user", "content": [{"type": "text", "text": "Thanks!"}]}
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}}],
    "add_generation_prompt": false,
    "date_string": "26 Jul 2024"
  })");
  return variables;
}

void render(const tp::jinja::Template& chat_template, const nlohmann::ordered_json& variables) {
  const tp::jinja::Rendering rendering = chat_template.render(variables);
  for (const auto& [begin, end] : rendering.generation_spans)
    if (begin > end || end > rendering.text.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = tp::fuzz::as_text(data, size);
  const std::size_t split = input.find('\0');
  const std::string source(input.substr(0, split));
  tp::fuzz::expect_tp_errors_only("jinja", [&] {
    const tp::jinja::Template chat_template(source, "fuzz.jinja");
    (void)chat_template.has_generation_blocks();
    if (split != std::string_view::npos) {
      // Bounded in depth as every JSON the pipeline reads (records, configs).
      const nlohmann::ordered_json variables =
          tp::parse_ordered_json(input.substr(split + 1), tp::Location{"fuzz.json", 1, 1});
      if (!variables.is_object()) return;
      render(chat_template, variables);
    } else {
      nlohmann::ordered_json variables = default_variables();
      render(chat_template, variables);
      variables["add_generation_prompt"] = true;
      render(chat_template, variables);
    }
  });
  return 0;
}
