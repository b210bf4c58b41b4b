// The syntax tree of a parsed expression, shared by the parser (expression_parser.cpp) and the
// evaluator (expression.cpp). Internal to core/data.
#pragma once

#include <string>
#include <vector>

namespace ts::data {

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

} // namespace ts::data
