// The expression language of derived columns: tokenizer and recursive-descent parser. The
// grammar is documented in expression.h.
#include "data/expression.h"

#include "data/expression_node.h"

#include <algorithm>
#include <charconv> // for std::from_chars: locale-independent, unlike strtod
#include <cmath>
#include <limits>

namespace ts::data {

using common::Error;
using common::ErrorKind;
using common::Expected;
using expression_impl::BinaryOp;
using expression_impl::Function;
using expression_impl::Node;
using expression_impl::NodeKind;

namespace {

enum class TokenKind { Number, Name, QuotedName, Symbol, End };

struct Token
{
    TokenKind kind = TokenKind::End;
    std::string text;
    double number = 0;
    int position = 0; // 1-based
};

struct FunctionInfo
{
    const char* name;
    Function function;
    int arityMin;
    int arityMax; // -1: any number
};

constexpr FunctionInfo kFunctions[] = {
    { "log", Function::Log, 1, 1 },   { "exp", Function::Exp, 1, 1 },
    { "sqrt", Function::Sqrt, 1, 1 }, { "abs", Function::Abs, 1, 1 },
    { "min", Function::Min, 1, -1 },  { "max", Function::Max, 1, -1 },
    { "if", Function::If, 3, 3 },
};

// Deep enough for any real formula, shallow enough that recursion cannot exhaust the stack.
constexpr int kDepthMax = 200;

bool isNameStart(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}
bool isNameChar(char c)
{
    return isNameStart(c) || isDigit(c);
}
bool isKeyword(const std::string& s)
{
    return s == "and" || s == "or" || s == "not";
}

std::string describe(const Token& token)
{
    return token.kind == TokenKind::End ? std::string("the end") : "'" + token.text + "'";
}

} // namespace

class ExpressionParser final
{
public:
    explicit ExpressionParser(const std::string& text) { m_result.m_text = text; }

    Expected<Expression> run()
    {
        if (auto tokens = tokenize(); !tokens.ok())
            return std::move(tokens).error();
        if (auto header = parseHeader(); !header.ok())
            return std::move(header).error();
        auto root = parseOr();
        if (!root)
            return std::move(root).error();
        if (peek().kind != TokenKind::End) {
            if (atSymbol(")"))
                return fail(peek().position, "unmatched ')'");
            if (atSymbol("="))
                return fail(peek().position, "unexpected '='; write '==' to compare");
            return fail(peek().position,
                        "unexpected " + describe(peek()) + " after a complete expression");
        }
        m_result.m_root = *root;
        return std::move(m_result);
    }

private:
    Error fail(int position, const std::string& what) const
    {
        return Error(ErrorKind::InvalidInput,
                     m_result.m_text + ": column " + std::to_string(position) + ": " + what);
    }

    common::Result tokenize()
    {
        const std::string& s = m_result.m_text;
        size_t i = 0;
        while (i < s.size()) {
            const char c = s[i];
            Token token;
            token.position = int(i) + 1;
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                ++i;
                continue;
            }
            if (isDigit(c) || (c == '.' && i + 1 < s.size() && isDigit(s[i + 1]))) {
                const char* end = s.data() + s.size();
                auto [next, ec] = std::from_chars(s.data() + i, end, token.number);
                size_t stop = next - s.data();
                if (ec == std::errc::result_out_of_range)
                    return fail(token.position, "number out of range");
                if (ec != std::errc() || (stop < s.size() && isNameChar(s[stop]))) {
                    while (stop < s.size() && (isNameChar(s[stop]) || s[stop] == '.'))
                        ++stop;
                    return fail(token.position, "malformed number '" + s.substr(i, stop - i) + "'");
                }
                token.kind = TokenKind::Number;
                token.text = s.substr(i, stop - i);
                i = stop;
            } else if (isNameStart(c)) {
                size_t stop = i;
                while (stop < s.size() && isNameChar(s[stop]))
                    ++stop;
                token.kind = TokenKind::Name;
                token.text = s.substr(i, stop - i);
                i = stop;
            } else if (c == '`') {
                const size_t close = s.find('`', i + 1);
                if (close == std::string::npos)
                    return fail(token.position, "unclosed '`'");
                if (close == i + 1)
                    return fail(token.position, "empty column name ``");
                token.kind = TokenKind::QuotedName;
                token.text = s.substr(i + 1, close - i - 1);
                i = close + 1;
            } else {
                const std::string two = s.substr(i, 2);
                token.kind = TokenKind::Symbol;
                if (two == "<=" || two == ">=" || two == "==" || two == "!=")
                    token.text = two;
                else if (std::string("+-*/^<>(),=").find(c) != std::string::npos)
                    token.text = std::string(1, c);
                else if (c == '!')
                    return fail(token.position, "unexpected '!'; write 'not' or '!='");
                else
                    return fail(token.position, "unexpected character '" + std::string(1, c) + "'");
                i += token.text.size();
            }
            m_tokens.push_back(std::move(token));
        }
        Token end;
        end.position = int(s.size()) + 1;
        m_tokens.push_back(end);
        return {};
    }

    common::Result parseHeader()
    {
        const Token& first = m_tokens[0];
        const bool named = first.kind == TokenKind::QuotedName
                || (first.kind == TokenKind::Name && !isKeyword(first.text));
        if (first.kind == TokenKind::End)
            return fail(first.position, "empty definition; expected 'name = expression'");
        if (!named)
            return fail(first.position, "expected a name before '='");
        if (m_tokens[1].text != "=" || m_tokens[1].kind != TokenKind::Symbol)
            return fail(m_tokens[1].position, "expected '=' after the name '" + first.text + "'");
        if (m_tokens[2].kind == TokenKind::End)
            return fail(m_tokens[2].position, "empty expression after '='");
        m_result.m_name = first.text;
        m_next = 2;
        return {};
    }

    const Token& peek() const { return m_tokens[m_next]; }
    const Token& take() { return m_tokens[m_next++]; }
    bool atSymbol(const char* symbol) const
    {
        return peek().kind == TokenKind::Symbol && peek().text == symbol;
    }
    bool atKeyword(const char* keyword) const
    {
        return peek().kind == TokenKind::Name && peek().text == keyword;
    }

    int add(Node node)
    {
        m_result.m_nodes.push_back(std::move(node));
        return int(m_result.m_nodes.size()) - 1;
    }
    int addBinary(BinaryOp op, int position, int left, int right)
    {
        Node node;
        node.kind = NodeKind::Binary;
        node.op = op;
        node.position = position;
        node.children = { left, right };
        return add(std::move(node));
    }

    // Guards every recursive rule so that "((((..." or "----...x" reports instead of crashing.
    struct DepthGuard
    {
        int& depth;
        explicit DepthGuard(int& d)
            : depth(++d)
        {}
        ~DepthGuard() { --depth; }
    };

    Expected<int> parseOr()
    {
        auto left = parseAnd();
        while (left && atKeyword("or")) {
            const int position = take().position;
            auto right = parseAnd();
            if (!right)
                return right;
            left = addBinary(BinaryOp::Or, position, *left, *right);
        }
        return left;
    }

    Expected<int> parseAnd()
    {
        auto left = parseNot();
        while (left && atKeyword("and")) {
            const int position = take().position;
            auto right = parseNot();
            if (!right)
                return right;
            left = addBinary(BinaryOp::And, position, *left, *right);
        }
        return left;
    }

    Expected<int> parseNot()
    {
        if (!atKeyword("not"))
            return parseComparison();
        DepthGuard guard(m_depth);
        if (m_depth > kDepthMax)
            return fail(peek().position, "expression nested too deeply");
        Node node;
        node.kind = NodeKind::Not;
        node.position = take().position;
        auto operand = parseNot();
        if (!operand)
            return operand;
        node.children = { *operand };
        return add(std::move(node));
    }

    Expected<int> parseComparison()
    {
        static const std::pair<const char*, BinaryOp> kOps[] = {
            { "<", BinaryOp::Lt },  { "<=", BinaryOp::Le }, { ">", BinaryOp::Gt },
            { ">=", BinaryOp::Ge }, { "==", BinaryOp::Eq }, { "!=", BinaryOp::Ne },
        };
        auto left = parseSum();
        while (left) {
            const auto* op = std::find_if(std::begin(kOps), std::end(kOps),
                                          [&](const auto& entry) { return atSymbol(entry.first); });
            if (op == std::end(kOps))
                break;
            const int position = take().position;
            auto right = parseSum();
            if (!right)
                return right;
            left = addBinary(op->second, position, *left, *right);
        }
        return left;
    }

    Expected<int> parseSum()
    {
        auto left = parseProduct();
        while (left && (atSymbol("+") || atSymbol("-"))) {
            const Token& op = take();
            auto right = parseProduct();
            if (!right)
                return right;
            left = addBinary(op.text == "+" ? BinaryOp::Add : BinaryOp::Sub, op.position, *left,
                             *right);
        }
        return left;
    }

    Expected<int> parseProduct()
    {
        auto left = parseUnary();
        while (left && (atSymbol("*") || atSymbol("/"))) {
            const Token& op = take();
            auto right = parseUnary();
            if (!right)
                return right;
            left = addBinary(op.text == "*" ? BinaryOp::Mul : BinaryOp::Div, op.position, *left,
                             *right);
        }
        return left;
    }

    Expected<int> parseUnary()
    {
        DepthGuard guard(m_depth);
        if (m_depth > kDepthMax)
            return fail(peek().position, "expression nested too deeply");
        if (!atSymbol("-"))
            return parsePower();
        Node node;
        node.kind = NodeKind::Negate;
        node.position = take().position;
        auto operand = parseUnary();
        if (!operand)
            return operand;
        node.children = { *operand };
        return add(std::move(node));
    }

    // The exponent is parsed as a unary so that 2^3^2 = 2^(3^2) and 2^-1 = 0.5.
    Expected<int> parsePower()
    {
        auto base = parsePrimary();
        if (!base || !atSymbol("^"))
            return base;
        const int position = take().position;
        auto exponent = parseUnary();
        if (!exponent)
            return exponent;
        return addBinary(BinaryOp::Pow, position, *base, *exponent);
    }

    Expected<int> parsePrimary()
    {
        const Token& token = peek();
        Node node;
        node.position = token.position;
        if (token.kind == TokenKind::Number) {
            node.number = take().number;
            return add(std::move(node));
        }
        const bool isName = token.kind == TokenKind::Name && !isKeyword(token.text);
        if (isName && m_tokens[m_next + 1].text == "("
            && m_tokens[m_next + 1].kind == TokenKind::Symbol)
            return parseCall();
        if (isName || token.kind == TokenKind::QuotedName) {
            node.kind = NodeKind::Column;
            node.column = take().text;
            return add(std::move(node));
        }
        if (atSymbol("(")) {
            take();
            auto inner = parseOr();
            if (!inner)
                return inner;
            if (!atSymbol(")"))
                return unclosed(token.position);
            take();
            return inner;
        }
        if (atSymbol("="))
            return fail(token.position, "unexpected '='; write '==' to compare");
        if (token.kind == TokenKind::End)
            return fail(token.position, "expected a value after " + describe(m_tokens[m_next - 1]));
        return fail(token.position, "expected a value, found " + describe(token));
    }

    Error unclosed(int openPosition) const
    {
        if (peek().kind == TokenKind::End)
            return fail(openPosition, "unclosed '('");
        return fail(peek().position, "expected ')' or an operator, found " + describe(peek()));
    }

    Expected<int> parseCall()
    {
        const Token& name = take();
        const int open = take().position;
        const auto* info = std::find_if(std::begin(kFunctions), std::end(kFunctions),
                                        [&](const auto& f) { return name.text == f.name; });
        if (info == std::end(kFunctions))
            return fail(name.position,
                        "unknown function '" + name.text
                                + "'; expected one of: log, exp, sqrt, abs, min, "
                                  "max, if");
        Node node;
        node.kind = NodeKind::Call;
        node.function = info->function;
        node.position = name.position;
        while (!atSymbol(")")) {
            if (!node.children.empty() && !atSymbol(","))
                return unclosed(open);
            if (!node.children.empty())
                take();
            auto argument = parseOr();
            if (!argument)
                return argument;
            node.children.push_back(*argument);
        }
        take();
        const int count = int(node.children.size());
        if (count < info->arityMin || (info->arityMax >= 0 && count > info->arityMax)) {
            const std::string takes = info->arityMax < 0 ? "at least " : "";
            return fail(name.position,
                        std::string(info->name) + "() takes " + takes
                                + std::to_string(info->arityMin) + " argument"
                                + (info->arityMin == 1 ? "" : "s") + ", got "
                                + std::to_string(count));
        }
        return add(std::move(node));
    }

    Expression m_result;
    std::vector<Token> m_tokens;
    size_t m_next = 0;
    int m_depth = 0;
};

Expected<Expression> parseDefinition(const std::string& text)
{
    return ExpressionParser(text).run();
}

} // namespace ts::data
