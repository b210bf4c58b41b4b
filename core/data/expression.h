// Expression: the little language of derived feature columns in the data stage.
//
// A pipeline line such as `bmi = weight / (height / 100) ^ 2` is parsed once into a small tree,
// bound to the dataset's column names (names become indices) and evaluated row by row:
//
// @code
//     auto bmi = parseDefinition("bmi = weight / (height / 100) ^ 2");
//     if (!bmi)
//         return std::move(bmi).error();     // "...: column 16: unclosed '('"
//     auto report = deriveColumn(dataset, *bmi); // binds, appends the column, counts NaN rows
//     if (report && report->nanRows > 0)
//         warn(report->summary());               // "bmi: 3 rows gave NaN (first: row 17, ...)"
// @endcode
//
// Grammar, lowest precedence first (all binary operators are left-associative except ^):
//
//     definition := name '=' expr
//     expr       := and ('or' and)*
//     and        := not ('and' not)*
//     not        := 'not' not | comparison
//     comparison := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)*
//     sum        := product (('+' | '-') product)*
//     product    := unary (('*' | '/') unary)*
//     unary      := '-' unary | power
//     power      := primary ('^' unary)?          right-associative: 2^3^2 = 2^9, -2^2 = -4
//     primary    := number | column | function '(' expr (',' expr)* ')' | '(' expr ')'
//     name, column := [A-Za-z_][A-Za-z0-9_]* | `any text but a backquote`
//     function   := log | exp | sqrt | abs | min | max | if
//
// Comparisons, `and`, `or` and `not` yield 1 or 0; a value is true when it is non-zero. `and`,
// `or` and if() evaluate lazily, so `if(x != 0, y / x, 0)` never divides by zero.
//
// NaN policy: evaluation never fails. Division by zero (any numerator: we choose NaN over +-inf so
// that every invalid row is found by one test), log of a non-positive number, sqrt of a negative
// number and a negative base with a fractional exponent all give NaN. NaN then propagates through
// every operator, comparisons and min/max included, so a bad row is never silently turned into 0
// or 1. deriveColumn() counts the rows that end as NaN and names the first one and its cause.
//
// Errors name the character column (1-based) in the definition text:
// "bmi = wieght / 2: column 7: unknown column 'wieght' (did you mean 'weight'?)".
//
// THREAD SAFETY: a bound Expression is immutable; evaluate() may run on many threads at once.
#pragma once

#include "common/result.h" // for Expected, Result
#include "data/dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts::data {

// Why a row's value became NaN; the first cause met while evaluating that row.
enum class EvalProblem {
    None,
    DivisionByZero,
    LogOfNonPositive,
    SqrtOfNegative,
    InvalidPower,      // negative base with a fractional exponent
    NanInput,          // an input column already held NaN
    InvalidArithmetic, // inf - inf, 0 * inf and the like
};

// "division by zero", "log of a non-positive number", ...: the words of user messages.
std::string toString(EvalProblem problem);

namespace expression_impl {
struct Node; // the tree lives in expression.cpp
}

class Expression final
{
public:
    Expression();
    ~Expression();
    Expression(const Expression& other);
    Expression& operator=(const Expression& other);
    Expression(Expression&& other) noexcept;
    Expression& operator=(Expression&& other) noexcept;

    // The name left of '=' ("bmi").
    const std::string& name() const { return m_name; }
    // The whole definition as the user wrote it; error messages start with it.
    const std::string& text() const { return m_text; }
    bool isBound() const { return m_bound; }

    // Resolves every column name to its index in columnNames. Fails with InvalidInput naming the
    // column of the definition text and the closest existing name. May be called again to rebind
    // to another table.
    common::Result bind(const std::vector<std::string>& columnNames);

    // The column names the expression reads, each once, in the order they first appear.
    std::vector<std::string> columnsUsed() const;

    // The value for one row (columnNames.size() floats). The expression must be bound.
    double evaluate(const float* row) const;
    // The same, also reporting the first cause of a NaN (problem is left alone when none).
    double evaluate(const float* row, EvalProblem& problem) const;

private:
    friend class ExpressionParser;

    std::string m_name;
    std::string m_text;
    std::vector<expression_impl::Node> m_nodes; // m_nodes[m_root] is the top of the tree
    int m_root = -1;
    bool m_bound = false;
};

// Parses `name = expression`. Errors are InvalidInput and read "<text>: column N: <what>".
common::Expected<Expression> parseDefinition(const std::string& text);

// What deriveColumn() found while filling the new column.
struct DeriveReport
{
    std::string column;       // the new column's name
    int64_t nanRows = 0;      // rows whose value is NaN
    int64_t firstNanRow = -1; // 0-based index of the first of them, -1 when none
    EvalProblem firstProblem = EvalProblem::None; // why that row became NaN

    // "bmi: 3 rows gave NaN (first: row 17, division by zero)", rows counted from 1 as users
    // count them; empty when nanRows is 0.
    std::string summary() const;
};

// Binds a copy of the expression to data.columnNames and appends its value as a new last column:
// features become rows x (cols + 1), columnNames gains the name and a non-empty sampleShape
// becomes {cols + 1}. Fails (InvalidInput, data unchanged) when the table has no column names,
// a name is unknown or names a categorical column (expressions compute with numbers), or the new
// name already exists. A typed table's new column is Numeric.
common::Expected<DeriveReport> deriveColumn(Dataset& data, const Expression& expression);

} // namespace ts::data
