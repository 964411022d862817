#pragma once
// jinja2's grammar over the lexer's tokens: the statements and expressions
// chat templates use; anything else is an error naming its line and column.
#include <string>
#include <vector>

#include "jinja/ast.hpp"
#include "jinja/lexer.hpp"

namespace tp::jinja {

Body parse(const std::vector<Token>& tokens, const std::string& template_name);

// The filter and test names the interpreter implements, checked at parse time
// as jinja2 checks them at compile time.
bool is_known_filter(const std::string& name);
bool is_known_test(const std::string& name);

}  // namespace tp::jinja
