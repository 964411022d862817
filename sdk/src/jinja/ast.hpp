#pragma once
// The parsed form of a template: expressions and statements, each with the
// line and column it came from.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jinja/value.hpp"

namespace tp::jinja {

struct Position {
  std::uint32_t line = 0, column = 0;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
using KeywordArgs = std::vector<std::pair<std::string, ExprPtr>>;

struct Expr {
  enum class Kind {
    Literal,      // value
    Name,         // name
    ListLiteral,  // children
    TupleLiteral, // children
    DictLiteral,  // children: key, value, key, value, …
    Attribute,    // children[0].name
    Item,         // children[0][children[1]]
    Slice,        // children[0][children[1]:children[2]:children[3]] (null parts omitted)
    Call,         // children[0](children[1…], keywords)
    Filter,       // children[0] | name(children[1…], keywords); children[0] null in a filter block
    Test,         // children[0] is [not] name(children[1…])
    Unary,        // name ("-", "+", "not") children[0]
    Binary,       // children[0] name children[1]: + - * / // % ** ~ and or
    Compare,      // children[0] ops[0] children[1] ops[1] children[2] …
    Conditional,  // children[1] if children[0] else children[2] (may be null)
  };
  Kind kind = Kind::Literal;
  Position at;
  Value value;
  std::string name;
  std::vector<ExprPtr> children;
  KeywordArgs keywords;
  std::vector<std::string> ops;
  bool negated = false;
};

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

struct MacroParameter {
  std::string name;
  ExprPtr default_value;  // null: required
};

struct Stmt {
  enum class Kind {
    Text,         // text
    Output,       // {{ expr }}
    If,           // branches (a null condition is the else branch)
    For,          // targets in expr [if condition] body [else else_body]
    Set,          // targets = expr, or namespace_target.attribute = expr
    SetBlock,     // {% set targets[0] [| filter] %}body{% endset %}
    Macro,        // {% macro name(parameters) %}body
    FilterBlock,  // {% filter expr %}body, expr a filter chain over nothing
    Break,
    Continue,
    Generation,   // {% generation %}body: HF's marker of assistant text
  };
  Kind kind = Kind::Text;
  Position at;
  std::string text;
  ExprPtr expr;
  ExprPtr condition;
  std::vector<std::pair<ExprPtr, Body>> branches;
  std::vector<std::string> targets;
  std::string attribute;  // Set on a namespace: targets[0].attribute
  std::string name;
  std::vector<MacroParameter> parameters;
  Body body, else_body;
};

}  // namespace tp::jinja
