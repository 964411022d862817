#pragma once
// What generate and chat share: the chat template, the stop tokens, the answer text.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "tunepipe/causal_lm.hpp"
#include "tunepipe/generation.hpp"
#include "tunepipe/template.hpp"
#include "tunepipe/tokenizer.hpp"

namespace tp::core::cli {

// --max-new-tokens, --greedy, --temperature, --top-k, --top-p, --repetition-penalty,
// --seed, --dtype, --device: the options of every command that generates.
void add_generation_options(boost::program_options::options_description& options);
// Greedy unless a sampling option is given (or --greedy overrides them).
GenerationConfig generation_config(const boost::program_options::variables_map& values);

// The template plugin `name`, with no length limit and the given system prompt (if any).
std::unique_ptr<TemplateStage> make_chat_template(const std::string& name, const std::optional<std::string>& system);

// EOS ids of the model and the tokenizer, and the template's end-of-turn tokens.
std::vector<std::int64_t> stop_token_ids(const DecoderConfig& model, const Tokenizer& tokenizer,
                                         const TemplateStage* chat_template);

// The ids of the next answer's prompt: the conversation so far, ending with a user turn.
std::vector<std::int64_t> prompt_ids(const TemplateStage& chat_template, const Tokenizer& tokenizer,
                                     const Conversation& conversation);

// The completion as text, without its stop token and special tokens.
std::string answer_text(const Tokenizer& tokenizer, std::vector<std::int64_t> completion,
                        const std::vector<std::int64_t>& stops);

}  // namespace tp::core::cli
