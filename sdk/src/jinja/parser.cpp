#include "jinja/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>

#include "tunepipe/error.hpp"

namespace tp::jinja {
namespace {

bool is_name(const Token& token, std::string_view name) { return token.type == TokenType::Name && token.text == name; }
bool is_op(const Token& token, std::string_view op) { return token.type == TokenType::Operator && token.text == op; }

std::string describe(const Token& token) {
  switch (token.type) {
    case TokenType::Text: return "template text";
    case TokenType::VariableBegin: return "'{{'";
    case TokenType::VariableEnd: return "'}}'";
    case TokenType::BlockBegin: return "'{%'";
    case TokenType::BlockEnd: return "'%}'";
    case TokenType::End: return "the end of the template";
    case TokenType::String: return "a string";
    default: return fmt::format("'{}'", token.text);
  }
}

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const std::string& name) : tokens_(tokens), name_(name) {}

  Body parse_template() {
    Body body = subparse({});
    if (current().type != TokenType::End) fail(current(), fmt::format("unexpected '{}'", peek().text));
    return body;
  }

 private:
  const Token& current() const { return tokens_[pos_]; }
  const Token& peek(std::size_t ahead = 1) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  const Token& advance() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  static Position position(const Token& token) { return {token.line, token.column}; }

  [[noreturn]] void fail(const Token& at, const std::string& message) const {
    throw tp::Error(tp::Location{name_, at.line, at.column}, message);
  }

  void expect_op(std::string_view op) {
    if (!is_op(current(), op)) fail(current(), fmt::format("expected '{}', found {}", op, describe(current())));
    advance();
  }

  std::string expect_name(std::string_view what) {
    if (current().type != TokenType::Name) fail(current(), fmt::format("expected {}, found {}", what, describe(current())));
    return advance().text;
  }

  void expect_block_end(std::string_view tag) {
    if (current().type != TokenType::BlockEnd)
      fail(current(), fmt::format("expected the end of the '{}' tag ('%}}'), found {}", tag, describe(current())));
    advance();
  }

  // Statements up to a {% name %} with name in `ends` (left unread, at the name).
  Body subparse(std::initializer_list<std::string_view> ends) {
    Body body;
    while (true) {
      const Token& token = current();
      if (token.type == TokenType::End) {
        if (ends.size() == 0) return body;
        fail(token, fmt::format("the template ended inside a block: expected '{{% {} %}}'", *ends.begin()));
      }
      if (token.type == TokenType::Text) {
        auto stmt = std::make_unique<Stmt>();
        stmt->kind = Stmt::Kind::Text;
        stmt->at = position(token);
        stmt->text = token.text;
        body.push_back(std::move(stmt));
        advance();
        continue;
      }
      if (token.type == TokenType::VariableBegin) {
        advance();
        auto stmt = std::make_unique<Stmt>();
        stmt->kind = Stmt::Kind::Output;
        stmt->at = position(token);
        stmt->expr = parse_tuple(true);
        if (current().type != TokenType::VariableEnd)
          fail(current(), fmt::format("expected '}}}}', found {}", describe(current())));
        advance();
        body.push_back(std::move(stmt));
        continue;
      }
      if (token.type != TokenType::BlockBegin) fail(token, fmt::format("unexpected {}", describe(token)));
      const Token& tag = peek();
      if (tag.type == TokenType::Name &&
          std::any_of(ends.begin(), ends.end(), [&](std::string_view end) { return tag.text == end; })) {
        advance();
        return body;
      }
      advance();
      body.push_back(parse_statement());
    }
  }

  std::unique_ptr<Stmt> parse_statement() {
    const DepthGuard guard(*this);
    const Token& tag = current();
    if (tag.type != TokenType::Name) fail(tag, fmt::format("expected a tag name, found {}", describe(tag)));
    auto stmt = std::make_unique<Stmt>();
    stmt->at = position(tag);
    const std::string name = advance().text;
    if (name == "if") return parse_if(std::move(stmt));
    if (name == "for") return parse_for(std::move(stmt));
    if (name == "set") return parse_set(std::move(stmt));
    if (name == "macro") return parse_macro(std::move(stmt));
    if (name == "filter") return parse_filter_block(std::move(stmt));
    if (name == "generation") {
      stmt->kind = Stmt::Kind::Generation;
      expect_block_end(name);
      stmt->body = subparse({"endgeneration"});
      advance();
      expect_block_end("endgeneration");
      return stmt;
    }
    if (name == "break" || name == "continue") {
      if (loop_depth_ == 0) fail(tag, fmt::format("'{}' outside of a for loop", name));
      stmt->kind = name == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue;
      expect_block_end(name);
      return stmt;
    }
    static const std::vector<std::string> ends = {"endif", "elif", "else", "endfor", "endset", "endmacro",
                                                  "endfilter", "endgeneration", "endraw"};
    if (std::find(ends.begin(), ends.end(), name) != ends.end())
      fail(tag, fmt::format("unexpected '{}': no open block ends or continues here", name));
    fail(tag, fmt::format("the '{}' tag is not supported (supported: if, for, set, macro, filter, raw, break, "
                          "continue, generation)",
                          name));
  }

  std::unique_ptr<Stmt> parse_if(std::unique_ptr<Stmt> stmt) {
    stmt->kind = Stmt::Kind::If;
    ExprPtr condition = parse_expression();
    expect_block_end("if");
    while (true) {
      Body body = subparse({"elif", "else", "endif"});
      const std::string next = advance().text;
      stmt->branches.emplace_back(std::move(condition), std::move(body));
      if (next == "elif") {
        condition = parse_expression();
        expect_block_end("elif");
      } else if (next == "else") {
        expect_block_end("else");
        stmt->branches.emplace_back(nullptr, subparse({"endif"}));
        advance();
        expect_block_end("endif");
        return stmt;
      } else {
        expect_block_end("endif");
        return stmt;
      }
    }
  }

  std::vector<std::string> parse_targets(std::string_view tag) {
    std::vector<std::string> targets;
    const bool parenthesized = is_op(current(), "(");
    if (parenthesized) advance();
    targets.push_back(expect_name(fmt::format("a variable name after '{}'", tag)));
    while (is_op(current(), ",")) {
      advance();
      if (current().type != TokenType::Name) break;
      targets.push_back(advance().text);
    }
    if (parenthesized) expect_op(")");
    return targets;
  }

  std::unique_ptr<Stmt> parse_for(std::unique_ptr<Stmt> stmt) {
    stmt->kind = Stmt::Kind::For;
    stmt->targets = parse_targets("for");
    if (!is_name(current(), "in")) fail(current(), fmt::format("expected 'in', found {}", describe(current())));
    advance();
    stmt->expr = parse_tuple(false);
    if (is_name(current(), "if")) {
      advance();
      stmt->condition = parse_expression();
    }
    if (is_name(current(), "recursive")) fail(current(), "recursive for loops are not supported");
    expect_block_end("for");
    ++loop_depth_;
    stmt->body = subparse({"endfor", "else"});
    --loop_depth_;
    if (advance().text == "else") {
      expect_block_end("else");
      stmt->else_body = subparse({"endfor"});
      advance();
    }
    expect_block_end("endfor");
    return stmt;
  }

  std::unique_ptr<Stmt> parse_set(std::unique_ptr<Stmt> stmt) {
    stmt->kind = Stmt::Kind::Set;
    const Token& target = current();
    if (target.type == TokenType::Name && is_op(peek(), ".")) {
      stmt->targets.push_back(advance().text);
      advance();
      stmt->attribute = expect_name("an attribute name");
    } else {
      stmt->targets = parse_targets("set");
    }
    if (is_op(current(), "=")) {
      advance();
      stmt->expr = parse_tuple(true);
      expect_block_end("set");
      return stmt;
    }
    if (!stmt->attribute.empty() || stmt->targets.size() != 1)
      fail(current(), fmt::format("expected '=', found {}", describe(current())));
    stmt->kind = Stmt::Kind::SetBlock;
    if (is_op(current(), "|")) stmt->expr = parse_filter(nullptr);
    expect_block_end("set");
    stmt->body = subparse({"endset"});
    advance();
    expect_block_end("endset");
    return stmt;
  }

  std::unique_ptr<Stmt> parse_macro(std::unique_ptr<Stmt> stmt) {
    stmt->kind = Stmt::Kind::Macro;
    stmt->name = expect_name("a macro name");
    expect_op("(");
    while (!is_op(current(), ")")) {
      if (!stmt->parameters.empty()) expect_op(",");
      if (is_op(current(), ")")) break;
      MacroParameter parameter;
      parameter.name = expect_name("a parameter name");
      if (is_op(current(), "=")) {
        advance();
        parameter.default_value = parse_expression();
      } else if (!stmt->parameters.empty() && stmt->parameters.back().default_value) {
        fail(current(), fmt::format("parameter '{}' without a default follows one with a default", parameter.name));
      }
      stmt->parameters.push_back(std::move(parameter));
    }
    advance();
    expect_block_end("macro");
    const int saved_depth = loop_depth_;
    loop_depth_ = 0;
    stmt->body = subparse({"endmacro"});
    loop_depth_ = saved_depth;
    advance();
    if (current().type == TokenType::Name && current().text == stmt->name) advance();
    expect_block_end("endmacro");
    return stmt;
  }

  std::unique_ptr<Stmt> parse_filter_block(std::unique_ptr<Stmt> stmt) {
    stmt->kind = Stmt::Kind::FilterBlock;
    stmt->expr = parse_filter(nullptr, true);
    expect_block_end("filter");
    stmt->body = subparse({"endfilter"});
    advance();
    expect_block_end("endfilter");
    return stmt;
  }

  // --- expressions ---------------------------------------------------------

  ExprPtr make(Expr::Kind kind, const Token& at) {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->at = position(at);
    return expr;
  }

  // Comma-separated expressions; more than one (or a trailing comma) is a tuple.
  ExprPtr parse_tuple(bool with_condition) {
    const Token& start = current();
    std::vector<ExprPtr> items;
    bool comma = false;
    while (true) {
      if (!items.empty()) {
        if (!is_op(current(), ",")) break;
        advance();
        comma = true;
      }
      const Token& t = current();
      if (t.type == TokenType::BlockEnd || t.type == TokenType::VariableEnd || is_op(t, ")") ||
          (!items.empty() && (is_name(t, "if") || is_name(t, "recursive"))))
        break;
      items.push_back(with_condition ? parse_expression() : parse_or());
    }
    if (items.empty()) fail(start, fmt::format("expected an expression, found {}", describe(start)));
    if (items.size() == 1 && !comma) return std::move(items[0]);
    auto tuple = make(Expr::Kind::TupleLiteral, start);
    tuple->children = std::move(items);
    return tuple;
  }

  ExprPtr parse_expression() {
    ExprPtr expr = parse_or();
    while (is_name(current(), "if")) {
      const Token& at = advance();
      auto conditional = make(Expr::Kind::Conditional, at);
      conditional->children.push_back(parse_or());
      conditional->children.insert(conditional->children.begin() + 1, std::move(expr));
      if (is_name(current(), "else")) {
        advance();
        conditional->children.push_back(parse_expression());
      } else {
        conditional->children.push_back(nullptr);
      }
      expr = std::move(conditional);
    }
    return expr;
  }

  ExprPtr binary(const Token& at, std::string op, ExprPtr left, ExprPtr right) {
    auto expr = make(Expr::Kind::Binary, at);
    expr->name = std::move(op);
    expr->children.push_back(std::move(left));
    expr->children.push_back(std::move(right));
    return expr;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (is_name(current(), "or")) {
      const Token& at = advance();
      left = binary(at, "or", std::move(left), parse_and());
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (is_name(current(), "and")) {
      const Token& at = advance();
      left = binary(at, "and", std::move(left), parse_not());
    }
    return left;
  }

  ExprPtr parse_not() {
    const DepthGuard guard(*this);
    if (is_name(current(), "not")) {
      const Token& at = advance();
      auto expr = make(Expr::Kind::Unary, at);
      expr->name = "not";
      expr->children.push_back(parse_not());
      return expr;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const Token& start = current();
    ExprPtr first = parse_math1();
    std::vector<ExprPtr> operands;
    std::vector<std::string> ops;
    while (true) {
      const Token& t = current();
      std::string op;
      if (t.type == TokenType::Operator &&
          (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == ">" || t.text == "<=" || t.text == ">=")) {
        op = t.text;
        advance();
      } else if (is_name(t, "in")) {
        op = "in";
        advance();
      } else if (is_name(t, "not") && is_name(peek(), "in")) {
        op = "not in";
        advance();
        advance();
      } else {
        break;
      }
      ops.push_back(op);
      operands.push_back(parse_math1());
    }
    if (ops.empty()) return first;
    auto expr = make(Expr::Kind::Compare, start);
    expr->children.push_back(std::move(first));
    for (auto& operand : operands) expr->children.push_back(std::move(operand));
    expr->ops = std::move(ops);
    return expr;
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (is_op(current(), "+") || is_op(current(), "-")) {
      const Token& at = advance();
      left = binary(at, at.text, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    ExprPtr left = parse_math2();
    while (is_op(current(), "~")) {
      const Token& at = advance();
      left = binary(at, "~", std::move(left), parse_math2());
    }
    return left;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (is_op(current(), "*") || is_op(current(), "/") || is_op(current(), "//") || is_op(current(), "%")) {
      const Token& at = advance();
      left = binary(at, at.text, std::move(left), parse_pow());
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (is_op(current(), "**")) {
      const Token& at = advance();
      left = binary(at, "**", std::move(left), parse_unary(true));
    }
    return left;
  }

  // Bounds the recursion of nested expressions and blocks, so a hostile
  // template (GGUF metadata is untrusted) is an error, not a stack overflow.
  struct DepthGuard {
    Parser& parser;
    explicit DepthGuard(Parser& p) : parser(p) {
      if (++parser.depth_ > kMaxDepth)
        parser.fail(parser.current(), fmt::format("the template nests deeper than {} levels", kMaxDepth));
    }
    ~DepthGuard() { --parser.depth_; }
  };
  static constexpr int kMaxDepth = 200;

  ExprPtr parse_unary(bool with_filter) {
    const DepthGuard guard(*this);
    ExprPtr node;
    if (is_op(current(), "-") || is_op(current(), "+")) {
      const Token& at = advance();
      node = make(Expr::Kind::Unary, at);
      node->name = at.text;
      node->children.push_back(parse_unary(false));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token& t = current();
    switch (t.type) {
      case TokenType::Name: {
        advance();
        auto expr = make(Expr::Kind::Literal, t);
        if (t.text == "true" || t.text == "True") {
          expr->value = Value(true);
        } else if (t.text == "false" || t.text == "False") {
          expr->value = Value(false);
        } else if (t.text == "none" || t.text == "None") {
          expr->value = Value::none();
        } else {
          expr->kind = Expr::Kind::Name;
          expr->name = t.text;
        }
        return expr;
      }
      case TokenType::String: {
        std::string text;
        while (current().type == TokenType::String) text += advance().text;
        auto expr = make(Expr::Kind::Literal, t);
        expr->value = Value(std::move(text));
        return expr;
      }
      case TokenType::Integer: {
        advance();
        auto expr = make(Expr::Kind::Literal, t);
        expr->value = Value(t.integer);
        return expr;
      }
      case TokenType::Float: {
        advance();
        auto expr = make(Expr::Kind::Literal, t);
        expr->value = Value(t.real);
        return expr;
      }
      default: break;
    }
    if (is_op(t, "(")) {
      advance();
      if (is_op(current(), ")")) {
        advance();
        return make(Expr::Kind::TupleLiteral, t);
      }
      ExprPtr inner = parse_tuple(true);
      expect_op(")");
      return inner;
    }
    if (is_op(t, "[")) {
      advance();
      auto list = make(Expr::Kind::ListLiteral, t);
      while (!is_op(current(), "]")) {
        if (!list->children.empty()) expect_op(",");
        if (is_op(current(), "]")) break;
        list->children.push_back(parse_expression());
      }
      advance();
      return list;
    }
    if (is_op(t, "{")) {
      advance();
      auto dict = make(Expr::Kind::DictLiteral, t);
      while (!is_op(current(), "}")) {
        if (!dict->children.empty()) expect_op(",");
        if (is_op(current(), "}")) break;
        dict->children.push_back(parse_expression());
        expect_op(":");
        dict->children.push_back(parse_expression());
      }
      advance();
      return dict;
    }
    fail(t, fmt::format("unexpected {} in an expression", describe(t)));
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      const Token& t = current();
      if (is_op(t, ".")) {
        advance();
        const Token& attr = current();
        if (attr.type == TokenType::Name) {
          advance();
          auto expr = make(Expr::Kind::Attribute, attr);
          expr->name = attr.text;
          expr->children.push_back(std::move(node));
          node = std::move(expr);
        } else if (attr.type == TokenType::Integer) {
          advance();
          auto expr = make(Expr::Kind::Item, attr);
          auto index = make(Expr::Kind::Literal, attr);
          index->value = Value(attr.integer);
          expr->children.push_back(std::move(node));
          expr->children.push_back(std::move(index));
          node = std::move(expr);
        } else {
          fail(attr, fmt::format("expected an attribute name after '.', found {}", describe(attr)));
        }
      } else if (is_op(t, "[")) {
        advance();
        node = parse_subscript(std::move(node), t);
      } else if (is_op(t, "(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr node, const Token& at) {
    ExprPtr parts[3];
    int part = 0;
    bool slice = false;
    while (!is_op(current(), "]")) {
      if (is_op(current(), ":")) {
        advance();
        slice = true;
        if (++part > 2) fail(current(), "a slice has at most three parts");
        continue;
      }
      if (parts[part]) fail(current(), fmt::format("expected ']' or ':', found {}", describe(current())));
      parts[part] = parse_expression();
    }
    advance();
    if (!slice) {
      if (!parts[0]) fail(at, "empty subscript");
      auto expr = make(Expr::Kind::Item, at);
      expr->children.push_back(std::move(node));
      expr->children.push_back(std::move(parts[0]));
      return expr;
    }
    auto expr = make(Expr::Kind::Slice, at);
    expr->children.push_back(std::move(node));
    for (auto& p : parts) expr->children.push_back(std::move(p));
    return expr;
  }

  void parse_arguments(Expr& call) {
    expect_op("(");
    bool first = true;
    while (!is_op(current(), ")")) {
      if (!first) expect_op(",");
      first = false;
      if (is_op(current(), ")")) break;
      if (is_op(current(), "*") || is_op(current(), "**"))
        fail(current(), "*args and **kwargs in calls are not supported");
      if (current().type == TokenType::Name && is_op(peek(), "=")) {
        std::string key = advance().text;
        advance();
        call.keywords.emplace_back(std::move(key), parse_expression());
      } else {
        if (!call.keywords.empty()) fail(current(), "a positional argument follows a keyword argument");
        call.children.push_back(parse_expression());
      }
    }
    advance();
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto call = make(Expr::Kind::Call, current());
    call->at = callee->at;  // errors of a call point at what is called
    call->children.push_back(std::move(callee));
    parse_arguments(*call);
    return call;
  }

  std::string dotted_name() {
    std::string name = expect_name("a name");
    while (is_op(current(), ".") && peek().type == TokenType::Name) {
      advance();
      name += "." + advance().text;
    }
    return name;
  }

  // `| f(args) | g …`; with start_inline the first '|' is implied ({% filter f %}).
  ExprPtr parse_filter(ExprPtr node, bool start_inline = false) {
    while (is_op(current(), "|") || start_inline) {
      if (!start_inline) advance();
      start_inline = false;
      const Token& at = current();
      auto filter = make(Expr::Kind::Filter, at);
      filter->name = dotted_name();
      if (!is_known_filter(filter->name)) fail(at, fmt::format("no filter named '{}'", filter->name));
      filter->children.push_back(std::move(node));
      if (is_op(current(), "(")) parse_arguments(*filter);
      node = std::move(filter);
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    advance();  // "is"
    bool negated = false;
    if (is_name(current(), "not")) {
      advance();
      negated = true;
    }
    const Token& at = current();
    auto test = make(Expr::Kind::Test, at);
    test->name = dotted_name();
    if (!is_known_test(test->name)) fail(at, fmt::format("no test named '{}'", test->name));
    test->negated = negated;
    test->children.push_back(std::move(node));
    const Token& next = current();
    if (is_op(next, "(")) {
      parse_arguments(*test);
    } else if ((next.type == TokenType::Name || next.type == TokenType::String || next.type == TokenType::Integer ||
                next.type == TokenType::Float || is_op(next, "(") || is_op(next, "[") || is_op(next, "{")) &&
               !is_name(next, "else") && !is_name(next, "or") && !is_name(next, "and")) {
      if (is_name(next, "is")) fail(next, "you cannot chain multiple tests with is");
      test->children.push_back(parse_postfix(parse_primary()));
    }
    return test;
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op(current(), "|")) {
        node = parse_filter(std::move(node));
      } else if (is_name(current(), "is")) {
        node = parse_test(std::move(node));
      } else if (is_op(current(), "(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  const std::vector<Token>& tokens_;
  const std::string& name_;
  std::size_t pos_ = 0;
  int loop_depth_ = 0;
  int depth_ = 0;
};

}  // namespace

Body parse(const std::vector<Token>& tokens, const std::string& template_name) {
  return Parser(tokens, template_name).parse_template();
}

}  // namespace tp::jinja
