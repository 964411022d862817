#include "generate_evaluator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>

#include "answer_metrics.hpp"
#include "answer_scores.hpp"
#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/chat_generation.hpp"
#include "tunepipe/event_names.hpp"
#include "tunepipe/generation.hpp"
#include "tunepipe/option_key.hpp"

namespace tp::evaluators {
namespace {

const auto kSplit = string_key("split", "test", "the dataset split to answer");
const auto kLimit = int_key("limit", 0, "answer at most this many rows (0: all)").range(0, std::nullopt);
const auto kBatchSize = int_key("batch_size", 8, "prompts generated together (left-padded)").range(1, std::nullopt);
const auto kMaxNewTokens = int_key("max_new_tokens", 64, "tokens per answer at most").range(1, std::nullopt);
const auto kMetrics = list_key(
    "metrics", std::vector<std::string>{"exact_match"},
    "exact_match (answer equals the reference, trimmed); choice (the answer must be one of the row's options, "
    "read from options_field); json_f1 (entity-level micro precision/recall/F1 of JSON answers, "
    "{type: [entities]} or [{type, entity}]; answers that are not such JSON count as misses, their share is "
    "json_invalid); rouge_l (LCS F1) and bleu4 (sentence BLEU-4, NIST smoothing as nltk's method3), both over "
    "characters for Chinese and words for other scripts, averaged over the rows");
const auto kOptionsField = string_key("options_field", std::nullopt,
                                      "record field holding each row's options as a JSON array (for the choice metric)");
const auto kTableRows =
    int_key("table_rows", 10, "rows of prompt / reference / prediction reported").range(0, std::nullopt);
const auto kCompare = flag_key("compare", false,
                               "also answer with the adapter off: report the base model's scores as eval/base/<metric> "
                               "and a prompt / reference / base / adapted table (eval/compare) at every evaluation");

struct Question {
  Conversation prompt;  // the conversation without its last (assistant) turn
  std::string reference;
};

Question question_of(const Conversation& conversation) {
  if (conversation.turns.empty() || conversation.turns.back().role != Role::Assistant)
    throw Error(Location{conversation.source}, "the row has no assistant answer to compare with");
  Question question{conversation, conversation.turns.back().content};
  question.prompt.turns.pop_back();
  return question;
}

// Per row: its prompt (the last user turn), its reference, then each answer column.
std::vector<std::vector<std::string>> answer_table(const std::vector<Conversation>& rows, std::size_t size,
                                                   std::initializer_list<const std::vector<std::string>*> columns) {
  std::vector<std::vector<std::string>> table;
  for (std::size_t i = 0; i < size; ++i) {
    const Question q = question_of(rows[i]);
    table.push_back({q.prompt.turns.empty() ? "" : q.prompt.turns.back().content, q.reference});
    for (const auto* answers : columns) table.back().push_back((*answers)[i]);
  }
  return table;
}

// A rank's answers with their row numbers, as bytes for the other ranks (answers are raw bytes, UTF-8 or not).
using RowAnswers = std::vector<std::pair<std::uint64_t, std::string>>;

std::string pack(const RowAnswers& answers) {
  std::string bytes;
  for (const auto& [row, text] : answers) {
    const std::uint64_t header[2] = {row, text.size()};
    bytes.append(reinterpret_cast<const char*>(header), sizeof header);
    bytes.append(text);
  }
  return bytes;
}

void unpack(const std::string& bytes, std::vector<std::string>& answers) {
  for (std::size_t at = 0; at < bytes.size();) {
    std::uint64_t header[2];
    std::memcpy(header, bytes.data() + at, sizeof header);
    at += sizeof header;
    answers.at(header[0]) = bytes.substr(at, header[1]);
    at += header[1];
  }
}

}  // namespace

GenerateEvaluator::GenerateEvaluator(const Options& options, const StageContext& context)
    : split_(kSplit.read(options)),
      limit_(kLimit.read(options)),
      batch_size_(kBatchSize.read(options)),
      max_new_tokens_(kMaxNewTokens.read(options)),
      metrics_(kMetrics.read(options)),
      options_field_(kOptionsField.find(options).value_or("")),
      table_rows_(kTableRows.read(options)),
      compare_(kCompare.read(options)),
      events_(context.events),
      data_parallel_(context.ranks, DataParallel::kDefaultTimeout, "evaluator") {}

OptionSchema GenerateEvaluator::schema() {
  return schema_of(kSplit, kLimit, kBatchSize, kMaxNewTokens, kMetrics, kOptionsField, kTableRows, kCompare);
}

void GenerateEvaluator::validate(const Options& options, Diagnostics& errors) {
  const auto& metrics = kMetrics.read(options);
  const auto& known = known_metrics();
  for (auto metric = metrics.begin(); metric != metrics.end(); ++metric) {
    if (std::find(known.begin(), known.end(), *metric) == known.end())
      errors.error(kMetrics.location(options),
                   fmt::format("{}unknown metric \"{}\" (known: {})", options.context(), *metric,
                               fmt::join(known, ", ")));
    else if (std::find(metrics.begin(), metric, *metric) != metric)
      errors.error(kMetrics.location(options),
                   fmt::format("{}metric \"{}\" is listed twice", options.context(), *metric));
  }
  if (std::find(metrics.begin(), metrics.end(), "choice") != metrics.end() && !kOptionsField.is_set(options))
    errors.error(kMetrics.location(options),
                 options.context() + "the choice metric needs options_field: the record field with the options");
}

std::vector<std::string> GenerateEvaluator::answer(const EvaluationJob& job, const CausalLM& model,
                                                   std::size_t count) {
  const Tokenizer& tokenizer = *job.tokenizer;
  GenerationConfig config;
  config.max_new_tokens = max_new_tokens_;
  config.stop_token_ids = stop_token_ids(model.config(), tokenizer, job.chat_template);
  config.pad_token_id = padding_id(tokenizer);

  RowAnswers mine;
  for (std::size_t start = 0; start < count; start += static_cast<std::size_t>(batch_size_)) {
    if (!data_parallel_.ranks().takes(static_cast<std::int64_t>(start) / batch_size_)) continue;
    const std::size_t end = std::min(count, start + static_cast<std::size_t>(batch_size_));
    std::vector<std::vector<std::int64_t>> prompts;
    for (std::size_t i = start; i < end; ++i)
      prompts.push_back(prompt_ids(*job.chat_template, tokenizer, question_of((*job.conversations)[i]).prompt));
    std::uint64_t row = start;
    for (const auto& completion : generate(model, prompts, config))
      mine.emplace_back(row++, trimmed(answer_text(tokenizer, completion, config.stop_token_ids)));
  }
  std::vector<std::string> answers(count);
  for (const std::string& share : data_parallel_.all_gather(pack(mine))) unpack(share, answers);
  return answers;
}

const std::vector<std::string>& GenerateEvaluator::base_answers(const EvaluationJob& job, std::size_t count) {
  if (!base_ || base_->rows != job.conversations || base_->answers.size() != count) {
    const AdapterSwitch adapter_off(job.adapter.get(), false);
    base_ = BaseAnswers{job.conversations, answer(job, *job.adapter->model(), count)};
  }
  return base_->answers;
}

void GenerateEvaluator::report(const EvaluationJob& job, const std::vector<std::string>& answers,
                               const std::string& prefix) const {
  AnswerScores scores(metrics_, options_field_);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const Conversation& row = (*job.conversations)[i];
    scores.add(row, question_of(row).reference, answers[i]);
  }
  for (const auto& [name, value] : scores.results())
    events_->emit(Event::scalar("evaluator", prefix + name, value, job.step));
}

void GenerateEvaluator::evaluate(const EvaluationJob& job) {
  const at::NoGradGuard no_grad;
  const auto& rows = *job.conversations;
  const std::size_t count = limit_ > 0 ? std::min<std::size_t>(limit_, rows.size()) : rows.size();
  const auto table_size = std::min<std::size_t>(count, static_cast<std::size_t>(table_rows_));

  if (job.baseline || !compare_) {
    std::vector<std::string> answers;
    {
      const AdapterSwitch adapter_state(job.adapter.get(), !job.baseline);
      const std::shared_ptr<CausalLM> model = job.adapter ? job.adapter->model() : job.base;
      answers = answer(job, *model, count);
    }
    report(job, answers, events::kEvalPrefix);
    events_->emit(Event::table("evaluator", job.baseline ? events::kEvalAnswersBase : events::kEvalAnswers,
                               {"prompt", "reference", "prediction"}, answer_table(rows, table_size, {&answers}),
                               job.step));
    if (job.baseline && compare_ && job.adapter) base_ = BaseAnswers{job.conversations, std::move(answers)};
    return;
  }

  if (!job.adapter)
    throw Error("compare = true answers with the adapter off and on, but the pipeline has no [adapter]: add one "
                "(its init = \"ADAPTER_FOLDER\" compares a trained adapter) or set compare = false");
  const std::vector<std::string>& base = base_answers(job, count);
  const std::vector<std::string> adapted = answer(job, *job.adapter->model(), count);
  report(job, adapted, events::kEvalPrefix);
  report(job, base, "eval/base/");
  events_->emit(Event::table("evaluator", events::kEvalCompare, {"prompt", "reference", "base", "adapted"},
                             answer_table(rows, table_size, {&base, &adapted}), job.step));
}

}  // namespace tp::evaluators
