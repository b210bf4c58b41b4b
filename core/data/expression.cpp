// The expression language of derived columns: tokenizer, recursive-descent parser, binding and
// evaluation. The grammar and the NaN policy are documented in expression.h.
#include "data/expression.h"

#include "common/assert.h"

#include <algorithm>
#include <charconv> // for std::from_chars: locale-independent, unlike strtod
#include <cmath>
#include <limits>

namespace ts::data {

using common::Error;
using common::ErrorKind;
using common::Expected;

namespace expression_impl {

enum class NodeKind { Number, Column, Negate, Not, Binary, Call };
enum class BinaryOp { Add, Sub, Mul, Div, Pow, Lt, Le, Gt, Ge, Eq, Ne, And, Or };
enum class Function { Log, Exp, Sqrt, Abs, Min, Max, If };

struct Node
{
    NodeKind kind = NodeKind::Number;
    int position = 0; // 1-based character column in the definition, for bind() errors
    double number = 0;
    std::string column;   // NodeKind::Column: the name as written
    int columnIndex = -1; // set by bind()
    BinaryOp op = BinaryOp::Add;
    Function function = Function::Log;
    std::vector<int> children;
};

} // namespace expression_impl

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

std::string lowered(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

size_t editDistance(const std::string& a, const std::string& b)
{
    std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        previous[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            current[j] = std::min({ previous[j] + 1, current[j - 1] + 1,
                                    previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1) });
        std::swap(previous, current);
    }
    return previous[b.size()];
}

// "(did you mean 'weight'?)" for a near miss, else the list of names so the user can pick.
std::string unknownColumnHint(const std::string& name, const std::vector<std::string>& columns)
{
    if (columns.empty())
        return "; the data has no named columns";
    const std::string* best = nullptr;
    size_t bestDistance = std::numeric_limits<size_t>::max();
    for (const std::string& candidate : columns) {
        const size_t distance = editDistance(lowered(name), lowered(candidate));
        if (distance < bestDistance) {
            best = &candidate;
            bestDistance = distance;
        }
    }
    if (bestDistance <= std::max<size_t>(1, name.size() / 3) && bestDistance < name.size())
        return " (did you mean '" + *best + "'?)";
    std::string list;
    for (size_t i = 0; i < columns.size() && i < 8; ++i)
        list += (i ? ", " : "") + columns[i];
    return "; columns are: " + list + (columns.size() > 8 ? ", ..." : "");
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

Expression::Expression() = default;
Expression::~Expression() = default;
Expression::Expression(const Expression& other) = default;
Expression& Expression::operator=(const Expression& other) = default;
Expression::Expression(Expression&& other) noexcept = default;
Expression& Expression::operator=(Expression&& other) noexcept = default;

common::Result Expression::bind(const std::vector<std::string>& columnNames)
{
    m_bound = false;
    for (Node& node : m_nodes) {
        if (node.kind != NodeKind::Column)
            continue;
        const auto found = std::find(columnNames.begin(), columnNames.end(), node.column);
        if (found == columnNames.end())
            return Error(ErrorKind::InvalidInput,
                         m_text + ": column " + std::to_string(node.position) + ": unknown column '"
                                 + node.column + "'" + unknownColumnHint(node.column, columnNames));
        node.columnIndex = int(found - columnNames.begin());
    }
    m_bound = true;
    return {};
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Records the first cause of a row's NaN; later ones are consequences.
double invalid(EvalProblem& problem, EvalProblem cause)
{
    if (problem == EvalProblem::None)
        problem = cause;
    return kNaN;
}

class Evaluator
{
public:
    Evaluator(const std::vector<Node>& nodes, const float* row, EvalProblem& problem)
        : m_nodes(nodes)
        , m_row(row)
        , m_problem(problem)
    {}

    double eval(int index)
    {
        const Node& node = m_nodes[size_t(index)];
        switch (node.kind) {
        case NodeKind::Number:
            return node.number;
        case NodeKind::Column: {
            const double value = m_row[node.columnIndex];
            return std::isnan(value) ? invalid(m_problem, EvalProblem::NanInput) : value;
        }
        case NodeKind::Negate:
            return -eval(node.children[0]);
        case NodeKind::Not: {
            const double value = eval(node.children[0]);
            return std::isnan(value) ? kNaN : double(value == 0);
        }
        case NodeKind::Binary:
            return binary(node);
        case NodeKind::Call:
            return call(node);
        }
        return kNaN;
    }

private:
    double binary(const Node& node)
    {
        const double a = eval(node.children[0]);
        if (std::isnan(a))
            return kNaN;
        // Lazy: the right side of a decided `and`/`or` is never evaluated, so it cannot fail.
        if (node.op == BinaryOp::And && a == 0)
            return 0;
        if (node.op == BinaryOp::Or && a != 0)
            return 1;
        const double b = eval(node.children[1]);
        if (std::isnan(b))
            return kNaN;
        double result = kNaN;
        switch (node.op) {
        case BinaryOp::Add:
            result = a + b;
            break;
        case BinaryOp::Sub:
            result = a - b;
            break;
        case BinaryOp::Mul:
            result = a * b;
            break;
        case BinaryOp::Div:
            if (b == 0)
                return invalid(m_problem, EvalProblem::DivisionByZero);
            result = a / b;
            break;
        case BinaryOp::Pow:
            if (a == 0 && b < 0) // 0^-1 is 1/0
                return invalid(m_problem, EvalProblem::DivisionByZero);
            if (a < 0 && std::trunc(b) != b)
                return invalid(m_problem, EvalProblem::InvalidPower);
            result = std::pow(a, b);
            break;
        case BinaryOp::Lt:
            return double(a < b);
        case BinaryOp::Le:
            return double(a <= b);
        case BinaryOp::Gt:
            return double(a > b);
        case BinaryOp::Ge:
            return double(a >= b);
        case BinaryOp::Eq:
            return double(a == b);
        case BinaryOp::Ne:
            return double(a != b);
        case BinaryOp::And:
        case BinaryOp::Or:
            return double(b != 0);
        }
        return std::isnan(result) ? invalid(m_problem, EvalProblem::InvalidArithmetic) : result;
    }

    double call(const Node& node)
    {
        if (node.function == Function::If) {
            const double condition = eval(node.children[0]);
            if (std::isnan(condition))
                return kNaN;
            return eval(node.children[condition != 0 ? 1 : 2]);
        }
        if (node.function == Function::Min || node.function == Function::Max) {
            double result = eval(node.children[0]);
            for (size_t i = 1; i < node.children.size() && !std::isnan(result); ++i) {
                const double value = eval(node.children[i]);
                // std::fmin would drop a NaN argument and hide a bad row.
                if (std::isnan(value)
                    || (node.function == Function::Min ? value < result : value > result))
                    result = value;
            }
            return result;
        }
        const double x = eval(node.children[0]);
        if (std::isnan(x))
            return kNaN;
        switch (node.function) {
        case Function::Log:
            return x > 0 ? std::log(x) : invalid(m_problem, EvalProblem::LogOfNonPositive);
        case Function::Sqrt:
            return x >= 0 ? std::sqrt(x) : invalid(m_problem, EvalProblem::SqrtOfNegative);
        case Function::Exp:
            return std::exp(x);
        case Function::Abs:
            return std::fabs(x);
        default:
            return kNaN;
        }
    }

    const std::vector<Node>& m_nodes;
    const float* m_row;
    EvalProblem& m_problem;
};

} // namespace

double Expression::evaluate(const float* row, EvalProblem& problem) const
{
    TS_ASSERT(m_bound);
    EvalProblem first = EvalProblem::None;
    const double value = Evaluator(m_nodes, row, first).eval(m_root);
    if (std::isnan(value))
        problem = first == EvalProblem::None ? EvalProblem::InvalidArithmetic : first;
    return value;
}

double Expression::evaluate(const float* row) const
{
    EvalProblem ignored = EvalProblem::None;
    return evaluate(row, ignored);
}

std::string toString(EvalProblem problem)
{
    switch (problem) {
    case EvalProblem::None:
        return "no problem";
    case EvalProblem::DivisionByZero:
        return "division by zero";
    case EvalProblem::LogOfNonPositive:
        return "log of a non-positive number";
    case EvalProblem::SqrtOfNegative:
        return "sqrt of a negative number";
    case EvalProblem::InvalidPower:
        return "negative number to a fractional power";
    case EvalProblem::NanInput:
        return "NaN in an input column";
    case EvalProblem::InvalidArithmetic:
        return "undefined arithmetic";
    }
    return "unknown problem";
}

std::string DeriveReport::summary() const
{
    if (nanRows == 0)
        return {};
    return column + ": " + std::to_string(nanRows) + (nanRows == 1 ? " row" : " rows")
            + " gave NaN (first: row " + std::to_string(firstNanRow + 1) + ", "
            + toString(firstProblem) + ")";
}

Expected<DeriveReport> deriveColumn(Dataset& data, const Expression& expression)
{
    if (data.columnNames.empty() && data.cols > 0)
        return Error(ErrorKind::InvalidInput,
                     "cannot derive '" + expression.name()
                             + "': the data has no column names; only "
                               "tables with a header have them");
    if (int64_t(data.columnNames.size()) != data.cols)
        return Error(ErrorKind::Internal,
                     "dataset has " + std::to_string(data.cols) + " columns but "
                             + std::to_string(data.columnNames.size()) + " column names");
    const auto& names = data.columnNames;
    if (std::find(names.begin(), names.end(), expression.name()) != names.end())
        return Error(ErrorKind::InvalidInput,
                     expression.text() + ": column '" + expression.name()
                             + "' already exists; pick another name");
    Expression bound = expression;
    if (auto bindResult = bound.bind(names); !bindResult.ok())
        return std::move(bindResult).error();

    DeriveReport report;
    report.column = expression.name();
    const int64_t colsOut = data.cols + 1;
    std::vector<float> features(size_t(data.rows * colsOut));
    for (int64_t r = 0; r < data.rows; ++r) {
        const float* in = data.row(r);
        float* out = features.data() + r * colsOut;
        std::copy(in, in + data.cols, out);
        EvalProblem problem = EvalProblem::None;
        const double value = bound.evaluate(in, problem);
        out[data.cols] = float(value);
        if (std::isnan(value) && report.nanRows++ == 0) {
            report.firstNanRow = r;
            report.firstProblem = problem;
        }
    }
    data.features = std::move(features);
    data.cols = colsOut;
    data.columnNames.push_back(expression.name());
    if (!data.sampleShape.empty())
        data.sampleShape = { colsOut };
    return report;
}

} // namespace ts::data
