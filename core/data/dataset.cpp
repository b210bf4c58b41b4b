#include "data/dataset.h"

namespace ts::data {

const char* toString(ColumnKind kind)
{
    switch (kind) {
    case ColumnKind::Numeric:
        return "numeric";
    case ColumnKind::Categorical:
        return "categorical";
    case ColumnKind::Timestamp:
        return "timestamp";
    }
    return "?";
}

} // namespace ts::data
