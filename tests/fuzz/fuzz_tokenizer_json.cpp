// Tokenizer loading (sdk/src/tokenizer/*): tokenizer.json with its model,
// normalizers, pre-tokenizers (PCRE2 patterns from the file), post-processor
// and decoders, plus tokenizer_config.json (special and added tokens, BOS/EOS
// flags, chat_template). load_tokenizer takes a folder, so the input is
// written into a per-process scratch folder:
//
//   tokenizer.json BYTES [ NUL tokenizer_config.json BYTES [ NUL text to encode ] ]
//
// A tokenizer that loads then encodes the text (or a fixed sample), decodes
// the ids back, and maps ids and tokens both ways; the config's chat template,
// when there is one, is parsed and rendered over a short conversation.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "tunepipe/chat_template.hpp"
#include "tunepipe/jinja.hpp"
#include "tunepipe/tokenizer.hpp"

namespace {

constexpr std::string_view kSample =
    "Hello world! <|begin|>system\nYou are 1 helpful assistant.<|end|>\n  tabs\tand   spaces 12345 "
    "don't we'll I'M  \xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\xE4\xB8\x96\xE7\x95\x8C caf\xC3\xA9 "
    "e\xCC\x81 \xF0\x9F\x98\x80 \xE2\x96\x81x <unk> <s></s>";

void use(const tp::Tokenizer& tokenizer, std::string_view text) {
  for (const bool special : {false, true}) {
    const std::vector<std::int32_t> ids = tokenizer.encode(text, special);
    (void)tokenizer.decode(ids, false);
    (void)tokenizer.decode(ids, true);
  }
  const std::size_t vocab = tokenizer.vocab_size();
  for (std::int32_t id : {0, 1, 2, static_cast<std::int32_t>(vocab) - 1}) {
    if (id < 0 || static_cast<std::size_t>(id) >= vocab) continue;
    const std::string token = tokenizer.id_to_token(id);
    (void)tokenizer.token_to_id(token);
    (void)tokenizer.is_special(id);
  }
  (void)tp::padding_id(tokenizer);
  (void)tokenizer.kind();
}

void render_chat_template(const std::filesystem::path& dir, const tp::Tokenizer* tokenizer) {
  const auto found = tp::read_chat_template(dir);
  if (!found) return;
  const tp::jinja::Template chat_template(found->source, found->origin);
  nlohmann::ordered_json variables = tokenizer ? tp::template_tokens(*tokenizer) : found->tokens;
  variables["messages"] = nlohmann::ordered_json::parse(
      R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},)"
      R"({"role":"assistant","content":"Hello"},{"role":"user","content":"2+2?"}])");
  variables["add_generation_prompt"] = true;
  (void)chat_template.render(variables);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = tp::fuzz::as_text(data, size);
  const std::size_t first = input.find('\0');
  const std::string_view tokenizer_json = input.substr(0, first);
  std::string_view rest = first == std::string_view::npos ? std::string_view{} : input.substr(first + 1);
  const std::size_t second = rest.find('\0');
  const std::string_view config_json = rest.substr(0, second);
  const std::string_view text = second == std::string_view::npos ? kSample : rest.substr(second + 1);

  static const std::filesystem::path dir = [] {
    auto d = tp::fuzz::scratch_dir() / "tokenizer";
    std::filesystem::create_directories(d);
    return d;
  }();
  tp::fuzz::write_file(dir / "tokenizer.json", tokenizer_json);
  if (first == std::string_view::npos) tp::fuzz::remove_file(dir / "tokenizer_config.json");
  else tp::fuzz::write_file(dir / "tokenizer_config.json", config_json);

  std::shared_ptr<const tp::Tokenizer> tokenizer;
  tp::fuzz::expect_tp_errors_only("load_tokenizer", [&] {
    tokenizer = tp::load_tokenizer(dir);
    use(*tokenizer, text);
  });
  if (first != std::string_view::npos)
    tp::fuzz::expect_tp_errors_only("chat_template", [&] { render_chat_template(dir, tokenizer.get()); });
  return 0;
}
