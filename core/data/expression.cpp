// The expression language of derived columns: binding and evaluation (the parser is in
// expression_parser.cpp). The grammar and the NaN policy are documented in expression.h.
#include "data/expression.h"

#include "common/assert.h"
#include "common/spelling.h"
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

// "(did you mean 'weight'?)" for a near miss, else the list of names so the user can pick.
std::string unknownColumnHint(const std::string& name, const std::vector<std::string>& columns)
{
    if (columns.empty())
        return "; the data has no named columns";
    const std::string closest =
            common::closestName(name, columns, std::max<size_t>(1, name.size() / 3));
    if (!closest.empty())
        return " (did you mean '" + closest + "'?)";
    std::string list;
    for (size_t i = 0; i < columns.size() && i < 8; ++i)
        list += (i ? ", " : "") + columns[i];
    return "; columns are: " + list + (columns.size() > 8 ? ", ..." : "");
}

} // namespace

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

std::vector<std::string> Expression::columnsUsed() const
{
    std::vector<std::string> names;
    for (const expression_impl::Node& node : m_nodes) {
        if (node.kind == expression_impl::NodeKind::Column
            && std::find(names.begin(), names.end(), node.column) == names.end())
            names.push_back(node.column);
    }
    return names;
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
    for (const std::string& used : bound.columnsUsed()) {
        const auto col = std::find(names.begin(), names.end(), used) - names.begin();
        if (data.kindOf(col) == ColumnKind::Categorical)
            return Error(ErrorKind::InvalidInput,
                         expression.text() + ": column '" + used
                                 + "' holds categories (text); expressions compute with numbers");
    }

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
    if (!data.columnTypes.empty())
        data.columnTypes.push_back({ ColumnKind::Numeric, {} });
    if (!data.sampleShape.empty())
        data.sampleShape = { colsOut };
    return report;
}

} // namespace ts::data
