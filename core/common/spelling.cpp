#include "common/spelling.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace ts::common {

size_t editDistance(const std::string& a, const std::string& b)
{
    auto same = [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x))
                == std::tolower(static_cast<unsigned char>(y));
    };
    std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        previous[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            current[j] = std::min({ previous[j] + 1, current[j - 1] + 1,
                                    previous[j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1) });
        std::swap(previous, current);
    }
    return previous[b.size()];
}

std::string closestName(const std::string& name, const std::vector<std::string>& candidates,
                        size_t maxDistance)
{
    const std::string* best = nullptr;
    size_t bestDistance = std::numeric_limits<size_t>::max();
    for (const std::string& candidate : candidates) {
        const size_t distance = editDistance(name, candidate);
        if (distance < bestDistance) {
            best = &candidate;
            bestDistance = distance;
        }
    }
    return best && bestDistance <= maxDistance && bestDistance < name.size() ? *best
                                                                             : std::string();
}

} // namespace ts::common
