#pragma once
// Generating answers to conversations in a model family's chat format: the
// prompt ids, the tokens that end an answer, and the answer as text. Shared by
// `tunepipe generate`/`chat` and the generate evaluator.
#include <cstdint>
#include <string>
#include <vector>

#include "tunepipe/causal_lm.hpp"
#include "tunepipe/conversation.hpp"
#include "tunepipe/template.hpp"
#include "tunepipe/tokenizer.hpp"

namespace tp {

// EOS ids of the model and the tokenizer, and the template's end-of-turn tokens.
std::vector<std::int64_t> stop_token_ids(const DecoderConfig& model, const Tokenizer& tokenizer,
                                         const TemplateStage* chat_template);

// The ids of the next answer's prompt: the conversation so far, ending with a user turn.
std::vector<std::int64_t> prompt_ids(const TemplateStage& chat_template, const Tokenizer& tokenizer,
                                     const Conversation& conversation);

// Where the earliest of `strings` starts in `text`; npos if none occurs.
std::size_t first_stop_string(const std::string& text, const std::vector<std::string>& strings);

// The completion as text, without its stop token and special tokens, cut
// before the first stop string.
std::string answer_text(const Tokenizer& tokenizer, std::vector<std::int64_t> completion,
                        const std::vector<std::int64_t>& stops, const std::vector<std::string>& stop_strings = {});

}  // namespace tp
