#include "generate_evaluator.hpp"

#include <fmt/format.h>

#include <ATen/core/grad_mode.h>

#include <algorithm>

#include "answer_metrics.hpp"
#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/chat_generation.hpp"
#include "tunepipe/generation.hpp"

namespace tp::evaluators {
namespace {

const std::vector<std::string> kMetrics = {"exact_match", "choice"};

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

// Running totals of one metric over the rows.
struct Tally {
  std::int64_t hits = 0;
  std::int64_t invalid = 0;  // answers that are none of the row's options (choice)
};

}  // namespace

GenerateEvaluator::GenerateEvaluator(const Options& options, const StageContext& context)
    : split_(options.get_string("split")),
      limit_(options.get_int("limit")),
      batch_size_(options.get_int("batch_size")),
      max_new_tokens_(options.get_int("max_new_tokens")),
      metrics_(options.get_strings("metrics")),
      options_field_(options.find_string("options_field").value_or("")),
      table_rows_(options.get_int("table_rows")),
      events_(context.events) {}

OptionSchema GenerateEvaluator::schema() {
  OptionSchema schema;
  schema.add(string_option("split", "test", "the dataset split to answer"));
  schema.add(int_option("limit", 0, "answer at most this many rows (0: all)").range(0, std::nullopt));
  schema.add(int_option("batch_size", 8, "prompts generated together (left-padded)").range(1, std::nullopt));
  schema.add(int_option("max_new_tokens", 64, "tokens per answer at most").range(1, std::nullopt));
  schema.add(list_option("metrics", std::vector<std::string>{"exact_match"},
                         "exact_match (answer equals the reference, trimmed), choice (the answer must be one of "
                         "the row's options, read from options_field)"));
  schema.add(string_option("options_field", std::nullopt,
                           "record field holding each row's options as a JSON array (for the choice metric)"));
  schema.add(int_option("table_rows", 10, "rows of prompt / reference / prediction reported").range(0, std::nullopt));
  return schema;
}

void GenerateEvaluator::validate(const Options& options, Diagnostics& errors) {
  for (const std::string& metric : options.get_strings("metrics"))
    if (std::find(kMetrics.begin(), kMetrics.end(), metric) == kMetrics.end())
      errors.error(options.location("metrics"),
                   fmt::format("{}unknown metric \"{}\" (known: exact_match, choice)", options.context(), metric));
  const auto& metrics = options.get_strings("metrics");
  if (std::find(metrics.begin(), metrics.end(), "choice") != metrics.end() && !options.has("options_field"))
    errors.error(options.location("metrics"),
                 options.context() + "the choice metric needs options_field: the record field with the options");
}

void GenerateEvaluator::evaluate(const EvaluationJob& job) {
  const at::NoGradGuard no_grad;
  const std::shared_ptr<CausalLM> model = job.adapter ? job.adapter->model() : job.base;
  const Tokenizer& tokenizer = *job.tokenizer;
  const auto& rows = *job.conversations;
  const std::size_t count = limit_ > 0 ? std::min<std::size_t>(limit_, rows.size()) : rows.size();

  GenerationConfig config;
  config.max_new_tokens = max_new_tokens_;
  config.stop_token_ids = stop_token_ids(model->config(), tokenizer, job.chat_template);
  config.pad_token_id = padding_id(tokenizer);

  const bool want_exact = std::find(metrics_.begin(), metrics_.end(), "exact_match") != metrics_.end();
  const bool want_choice = std::find(metrics_.begin(), metrics_.end(), "choice") != metrics_.end();
  Tally exact, choice;
  std::vector<std::vector<std::string>> table;
  for (std::size_t start = 0; start < count; start += batch_size_) {
    const std::size_t end = std::min(count, start + static_cast<std::size_t>(batch_size_));
    std::vector<Question> questions;
    std::vector<std::vector<std::int64_t>> prompts;
    for (std::size_t i = start; i < end; ++i) {
      questions.push_back(question_of(rows[i]));
      prompts.push_back(prompt_ids(*job.chat_template, tokenizer, questions.back().prompt));
    }
    const auto completions = generate(*model, prompts, config);
    for (std::size_t i = 0; i < questions.size(); ++i) {
      const Question& q = questions[i];
      const std::string answer = trimmed(answer_text(tokenizer, completions[i], config.stop_token_ids));
      if (want_exact) exact.hits += exact_match(answer, q.reference);
      if (want_choice) {
        const auto& source = rows[start + i].source;
        const auto field = rows[start + i].fields.find(options_field_);
        if (field == rows[start + i].fields.end())
          throw Error(Location{source}, fmt::format("options_field \"{}\" is not in the record", options_field_));
        const auto chosen = chosen_option(answer, parse_options(field->second, source));
        choice.invalid += !chosen;
        choice.hits += chosen && exact_match(*chosen, q.reference);
      }
      if (static_cast<std::int64_t>(table.size()) < table_rows_)
        table.push_back({q.prompt.turns.empty() ? "" : q.prompt.turns.back().content, q.reference, answer});
    }
  }
  const double rows_scored = static_cast<double>(std::max<std::size_t>(count, 1));
  if (want_exact) events_->emit(Event::scalar("evaluator", "eval/exact_match", exact.hits / rows_scored, job.step));
  if (want_choice) {
    events_->emit(Event::scalar("evaluator", "eval/choice_accuracy", choice.hits / rows_scored, job.step));
    events_->emit(Event::scalar("evaluator", "eval/choice_invalid", choice.invalid / rows_scored, job.step));
  }
  events_->emit(Event::table("evaluator", job.adapter ? "eval/answers" : "eval/answers_base",
                             {"prompt", "reference", "prediction"}, std::move(table), job.step));
}

}  // namespace tp::evaluators
