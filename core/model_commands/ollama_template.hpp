#pragma once
// A chat template (Jinja) translated into the TEMPLATE of an Ollama Modelfile
// (Go's text/template over .Messages), for the templates that frame every
// message alike: a fixed text before and after each message of a role, a
// generation prompt, and a default system block when no system message leads.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace tp::core::cli {

// The frame is found by rendering the template with marker messages, then checked: the Go template must give the
// Jinja template's text (less a leading BOS when `bos_added`, as llama.cpp adds it) for conversations with and
// without a system message, of one to three user turns, with empty messages, with an answer holding its thinking.
// nullopt when it does not, when the template fails on them, or when a frame holds text a Modelfile cannot quote;
// Ollama then detects a template from the GGUF file itself. What a frame cannot say: content trimmed by the
// template (Llama 3's) is passed as given, and a date the template asks for (strftime_now) is the export's.
// `tokens`: the variables bos_token and eos_token.
std::optional<std::string> ollama_template(const std::string& chat_template, const nlohmann::ordered_json& tokens,
                                           bool bos_added);

}  // namespace tp::core::cli
