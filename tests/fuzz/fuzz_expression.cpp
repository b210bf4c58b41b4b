// libFuzzer target: the expression language of derived columns on arbitrary text. Parsing
// gives an Expression or an Error naming a column; a parsed expression is bound to three columns
// and evaluated on a row (NaN allowed, crashes not).
#include "data/expression.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto expression = ts::data::parseDefinition(text);
    if (!expression) {
        if (expression.error().message().empty())
            __builtin_trap();
        return 0;
    }
    if (expression->bind({ "a", "b", "weight" })) {
        const float row[] = { 1.5f, -2.0f, 0.0f };
        (void)expression->evaluate(row);
    }
    return 0;
}
