// The generate evaluator's metrics on hand-computed cases. The ROUGE-L and
// BLEU-4 values were worked out by hand (the fractions in the comments) and
// agree with rouge-chinese 1.0.3 and nltk 3.10's sentence_bleu with
// SmoothingFunction().method3 on the same character lists.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "answer_metrics.hpp"
#include "answer_scores.hpp"
#include "error_capture.hpp"
#include "json_entities.hpp"
#include "text_overlap.hpp"
#include "text_tokens.hpp"

using namespace tp::evaluators;

namespace {

Tokens chars(const std::string& text) { return overlap_tokens(text); }

tp::Conversation row(const std::string& source, const std::string& reference,
                     std::map<std::string, std::string> fields = {}) {
  tp::Conversation conversation;
  conversation.source = source;
  conversation.turns = {{tp::Role::User, "问题", false}, {tp::Role::Assistant, reference, true}};
  conversation.fields = std::move(fields);
  return conversation;
}

double result(const AnswerScores& scores, const std::string& name) {
  for (const auto& [key, value] : scores.results())
    if (key == name) return value;
  FAIL("no result named " << name);
  return 0.0;
}

}  // namespace

TEST_CASE("overlap tokens: CJK characters alone, other words whole, white space dropped", "[evaluation_metrics]") {
  CHECK(overlap_tokens("我爱北京") == Tokens{"我", "爱", "北", "京"});
  CHECK(overlap_tokens("Hello, world 2024!") == Tokens{"Hello", ",", "world", "2024", "!"});
  CHECK(overlap_tokens("甄嬛说：hello世界。") == Tokens{"甄", "嬛", "说", "：", "hello", "世", "界", "。"});
  CHECK(overlap_tokens("ありがとう 감사") == Tokens{"あ", "り", "が", "と", "う", "감", "사"});
  CHECK(overlap_tokens("caf\xC3\xA9 cafe\xCC\x81") == Tokens{"caf\xC3\xA9", "cafe\xCC\x81"});  // é, e + combining acute
  CHECK(overlap_tokens(" \t\n\r\xE3\x80\x80 ").empty());                                         // U+3000 ideographic space
  CHECK(overlap_tokens("a\xFF" "b") == Tokens{"a", "\xFF", "b"});
}

TEST_CASE("ROUGE-L is the F1 of LCS precision and recall", "[evaluation_metrics]") {
  // LCS 我爱北京 = 4: P = 4/4, R = 4/6, F = 2·1·(2/3) / (5/3) = 0.8
  CHECK(rouge_l(chars("我爱北京"), chars("我爱上海北京")) == Approx(0.8).epsilon(1e-12));
  // The textbook LCS pair (ABCBDAB, BDCABA): LCS 4, P = 4/7, R = 4/6, F = 8/13
  CHECK(rouge_l(chars("甲乙丙乙丁甲乙"), chars("乙丁丙甲乙甲")) == Approx(8.0 / 13.0).epsilon(1e-12));
  CHECK(rouge_l(chars("the cat sat"), chars("the cat sat")) == Approx(1.0));
  CHECK(rouge_l(chars("我爱北京"), chars("你好")) == 0.0);
  CHECK(rouge_l(chars(""), chars("你好")) == 0.0);
  CHECK(rouge_l(chars("你好"), chars("  ")) == 0.0);
}

TEST_CASE("BLEU-4: clipped n-gram precisions, brevity penalty, NIST smoothing", "[evaluation_metrics]") {
  // p = 4/7, 3/6, 2/5, 1/4; longer than the reference: no penalty; (1/35)^(1/4)
  CHECK(bleu4(chars("我爱北京天安门"), chars("我爱北京")) == Approx(std::pow(1.0 / 35.0, 0.25)).epsilon(1e-12));
  // p = 2/3, 1/2, then no trigram match: 1/(2·1), no 4-gram at all: 1/(4·1);
  // 3 tokens against 4: penalty exp(1 - 4/3)
  CHECK(bleu4(chars("我爱你"), chars("我爱北京")) ==
        Approx(std::exp(-1.0 / 3.0) * std::pow(1.0 / 24.0, 0.25)).epsilon(1e-12));
  // Words: p = 5/6, 3/5, 1/4, then 0/3 → 1/6; equal lengths; (1/48)^(1/4)
  CHECK(bleu4(chars("the cat sat on the mat"), chars("the cat is on the mat")) ==
        Approx(std::pow(1.0 / 48.0, 0.25)).epsilon(1e-12));
  // Clipping: 的 counts once; p = 1/4, then 0/3 → 1/6, 0/2 → 1/8, 0/1 → 1/8
  CHECK(bleu4(chars("的的的的"), chars("的在")) == Approx(std::pow(1.0 / 1536.0, 0.25)).epsilon(1e-12));
  CHECK(bleu4(chars("我爱北京"), chars("我爱北京")) == Approx(1.0));
  CHECK(bleu4(chars("你好"), chars("我爱北京")) == 0.0);  // no unigram in common
  CHECK(bleu4(chars(""), chars("我爱北京")) == 0.0);
}

TEST_CASE("JSON entities: type → list, typed list, repeats once, other shapes invalid", "[evaluation_metrics]") {
  using Set = std::set<Entity>;
  CHECK(parse_entities(R"( {"姓名": ["高勇"], "国籍": ["中国国籍", "中国国籍"]} )") ==
        Set{{"姓名", "高勇"}, {"国籍", "中国国籍"}});
  CHECK(parse_entities(R"({"姓名": "高勇"})") == Set{{"姓名", "高勇"}});
  CHECK(parse_entities(R"([{"type": "职位", "entity": "工程师", "start": 3}])") == Set{{"职位", "工程师"}});
  CHECK(parse_entities("{}") == Set{});
  CHECK_FALSE(parse_entities("姓名：高勇"));
  CHECK_FALSE(parse_entities(R"({"姓名": ["高勇"]} 以上)"));
  CHECK_FALSE(parse_entities(R"({"年龄": [25]})"));
  CHECK_FALSE(parse_entities(R"(["高勇"])"));
  CHECK_FALSE(parse_entities(R"([{"type": "姓名"}])"));
  CHECK(error_of([] { reference_entities("高勇", "data/resume.json:7"); })
            .starts_with("data/resume.json:7: error: the reference answer is not entity JSON"));
}

TEST_CASE("a model's answer or an options field nested past the depth limit is not JSON, not a crash",
          "[evaluation_metrics]") {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  CHECK_FALSE(parse_entities(deep));
  CHECK_FALSE(parse_entities("{\"姓名\": " + deep + "}"));
  CHECK_THROWS_WITH(parse_options(deep, "row 7"), Catch::Contains("the options field must be a JSON array of strings"));
  CHECK(parse_options(R"(["体育", "财经"])", "row 1") == std::vector<std::string>{"体育", "财经"});
}

TEST_CASE("JSON entity F1 is micro-averaged over rows; an invalid answer misses all", "[evaluation_metrics]") {
  EntityCounts counts;
  // TP 姓名/高勇; FP 国籍/中国; FN 国籍/中国国籍
  counts.add(parse_entities(R"({"姓名": ["高勇"], "国籍": ["中国"]})"),
             reference_entities(R"({"姓名": ["高勇"], "国籍": ["中国国籍"]})", "row 1"));
  // TP 职位/工程师; FP 姓名/张三
  counts.add(parse_entities(R"([{"type": "职位", "entity": "工程师"}, {"type": "姓名", "entity": "张三"}])"),
             reference_entities(R"([{"type": "职位", "entity": "工程师"}])", "row 2"));
  // not JSON: both of the reference's entities are false negatives
  counts.add(parse_entities("姓名：李四"), reference_entities(R"({"姓名": ["李四"], "专业": ["金融学"]})", "row 3"));
  // the right text under the wrong type is a miss and a false positive
  counts.add(parse_entities(R"({"组织名": ["中国银行"]})"), reference_entities(R"({"地名": ["中国银行"]})", "row 4"));
  CHECK(counts.true_positives == 2);
  CHECK(counts.false_positives == 3);
  CHECK(counts.false_negatives == 4);
  CHECK(counts.precision() == Approx(2.0 / 5.0));
  CHECK(counts.recall() == Approx(2.0 / 6.0));
  CHECK(counts.f1() == Approx(2.0 * (2.0 / 5.0) * (2.0 / 6.0) / (2.0 / 5.0 + 2.0 / 6.0)));  // 4/11
  CHECK(EntityCounts{}.f1() == 0.0);
}

TEST_CASE("answer scores: each metric's results, averaged over the rows", "[evaluation_metrics]") {
  AnswerScores scores({"exact_match", "choice", "rouge_l", "bleu4"}, "category");
  const std::map<std::string, std::string> options = {{"category", R"(["体育", "财经"])"}};
  scores.add(row("test.jsonl:1", "体育", options), "体育", " 体育\n");
  scores.add(row("test.jsonl:2", "财经", options), "财经", "体育");
  scores.add(row("test.jsonl:3", "财经", options), "财经", "股票");
  std::vector<std::string> names;
  for (const auto& [name, value] : scores.results()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"exact_match", "choice_accuracy", "choice_invalid", "rouge_l", "bleu4"});
  CHECK(result(scores, "exact_match") == Approx(1.0 / 3.0));
  CHECK(result(scores, "choice_accuracy") == Approx(1.0 / 3.0));
  CHECK(result(scores, "choice_invalid") == Approx(1.0 / 3.0));
  CHECK(result(scores, "rouge_l") == Approx(1.0 / 3.0));  // 1, 0, 0
  // 体育 against itself: p = 1, 1, then no 3- or 4-gram at all: 1/2, 1/4 → (1/8)^(1/4); the others 0
  CHECK(result(scores, "bleu4") == Approx(1.0 / 3.0 * std::pow(1.0 / 8.0, 0.25)));
}

TEST_CASE("answer scores: json_f1 reports precision, recall, F1 and the invalid share", "[evaluation_metrics]") {
  AnswerScores scores({"json_f1"}, "");
  scores.add(row("ner.json:1", R"({"姓名": ["高勇"]})"), R"({"姓名": ["高勇"]})", R"({"姓名": ["高勇"]})");
  scores.add(row("ner.json:2", R"({"姓名": ["李四"]})"), R"({"姓名": ["李四"]})", "李四");
  CHECK(result(scores, "json_precision") == Approx(1.0));
  CHECK(result(scores, "json_recall") == Approx(0.5));
  CHECK(result(scores, "json_f1") == Approx(2.0 / 3.0));
  CHECK(result(scores, "json_invalid") == Approx(0.5));
  CHECK(error_of([&] { scores.add(row("ner.json:3", "李四"), "李四", "{}"); })
            .starts_with("ner.json:3: error: the reference answer is not entity JSON"));
}

TEST_CASE("answer scores: a row without the options field names its source", "[evaluation_metrics]") {
  AnswerScores scores({"choice"}, "category");
  CHECK(error_of([&] { scores.add(row("test.jsonl:4", "体育"), "体育", "体育"); }) ==
        "test.jsonl:4: error: options_field \"category\" is not in the record");
}
