#pragma once
// What generate and chat share: generation options, the chat template, stop strings
// (prompt ids, stop tokens and answer text: tunepipe/chat_generation.hpp).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "model_loading.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/chat_generation.hpp"
#include "tunepipe/generation.hpp"
#include "tunepipe/model.hpp"
#include "tunepipe/template.hpp"
#include "tunepipe/tokenizer.hpp"

namespace tp::core::cli {

// --max-new-tokens, --greedy, --temperature, --top-k, --top-p, --repetition-penalty,
// --stop, --seed, --dtype, --device: the options of every command that generates.
void add_generation_options(boost::program_options::options_description& options);
// Greedy unless a sampling option is given (or --greedy overrides them).
GenerationConfig generation_config(const boost::program_options::variables_map& values);

// The template plugin `name` for `model`, with no length limit and the given system prompt (if any).
std::unique_ptr<TemplateStage> make_chat_template(const std::string& name, const std::optional<std::string>& system,
                                                  const ModelStage& model);

// The --template given, else "jinja" (the model's own template) when the model
// ships one; nullopt when it ships none.
std::optional<std::string> chosen_template(const boost::program_options::variables_map& values,
                                           const LoadedModel& model);

// The --stop strings given (none: an empty list).
std::vector<std::string> stop_strings(const boost::program_options::variables_map& values);

// Ends each row of the generation once its decoded completion contains one of
// `strings` (config.should_stop). A non-empty list needs the tokenizer.
void stop_at_strings(GenerationConfig& config, std::shared_ptr<const Tokenizer> tokenizer,
                     std::vector<std::string> strings);

}  // namespace tp::core::cli
