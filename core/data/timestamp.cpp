#include "data/timestamp.h"

#include <cstdio>

namespace ts::data {
namespace {

constexpr int64_t MicrosPerSecond = 1'000'000;
constexpr int64_t SecondsPerDay = 86'400;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civilFromDays(int64_t z, int64_t& y, int& m, int& d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    d = int(doy - (153 * mp + 2) / 5 + 1);
    m = int(mp < 10 ? mp + 3 : mp - 9);
    y = yoe + era * 400 + (m <= 2);
}

bool isLeap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int daysInMonth(int64_t y, int m)
{
    static constexpr int days[] { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && isLeap(y) ? 29 : days[m - 1];
}

// Reads exactly `width` digits at `pos`.
bool digits(std::string_view text, size_t& pos, int width, int& value)
{
    if (pos + size_t(width) > text.size())
        return false;
    value = 0;
    for (int i = 0; i < width; ++i) {
        const char c = text[pos + size_t(i)];
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + (c - '0');
    }
    pos += size_t(width);
    return true;
}

bool expect(std::string_view text, size_t& pos, char c)
{
    if (pos < text.size() && text[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

// Z, +HH, +HHMM, +HH:MM (or -) at `pos`, to seconds east of UTC.
bool zoneOffset(std::string_view text, size_t& pos, int64_t& seconds)
{
    if (expect(text, pos, 'Z') || expect(text, pos, 'z')) {
        seconds = 0;
        return true;
    }
    if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-'))
        return false;
    const int sign = text[pos++] == '-' ? -1 : 1;
    int hours = 0, minutes = 0;
    if (!digits(text, pos, 2, hours) || hours > 23)
        return false;
    if (pos < text.size()) {
        expect(text, pos, ':');
        if (!digits(text, pos, 2, minutes) || minutes > 59)
            return false;
    }
    seconds = sign * (hours * 3600 + minutes * 60);
    return true;
}

} // namespace

std::optional<int64_t> parseTimestamp(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    size_t pos = 0;
    int year = 0, month = 0, day = 0;
    if (!digits(text, pos, 4, year) || !expect(text, pos, '-') || !digits(text, pos, 2, month)
        || !expect(text, pos, '-') || !digits(text, pos, 2, day))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
        return std::nullopt;
    int hour = 0, minute = 0, second = 0;
    int64_t fraction = 0;
    if (pos < text.size() && (text[pos] == ' ' || text[pos] == 'T' || text[pos] == 't')) {
        ++pos;
        if (!digits(text, pos, 2, hour) || !expect(text, pos, ':') || !digits(text, pos, 2, minute))
            return std::nullopt;
        if (expect(text, pos, ':')) {
            if (!digits(text, pos, 2, second))
                return std::nullopt;
            if (expect(text, pos, '.')) {
                int64_t scale = 100'000;
                const size_t first = pos;
                for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
                    fraction += (text[pos] - '0') * scale; // digits past microseconds drop
                    scale /= 10;
                }
                if (pos == first)
                    return std::nullopt;
            }
        }
        if (hour > 23 || minute > 59 || second > 59)
            return std::nullopt;
    }
    int64_t offset = 0;
    if (pos < text.size() && !zoneOffset(text, pos, offset))
        return std::nullopt;
    if (pos != text.size())
        return std::nullopt;
    const int64_t seconds = daysFromCivil(year, month, day) * SecondsPerDay + hour * 3600
            + minute * 60 + second - offset;
    return seconds * MicrosPerSecond + fraction;
}

std::string formatTimestamp(int64_t micros)
{
    int64_t seconds = micros / MicrosPerSecond;
    int64_t fraction = micros % MicrosPerSecond;
    if (fraction < 0) {
        fraction += MicrosPerSecond;
        --seconds;
    }
    int64_t days = seconds / SecondsPerDay;
    int64_t inDay = seconds % SecondsPerDay;
    if (inDay < 0) {
        inDay += SecondsPerDay;
        --days;
    }
    int64_t year = 0;
    int month = 0, day = 0;
    civilFromDays(days, year, month, day);
    char text[48];
    int n = std::snprintf(
            text, sizeof text, "%04lld-%02d-%02d %02lld:%02lld:%02lld",
            static_cast<long long>(year), month, day, static_cast<long long>(inDay / 3600),
            static_cast<long long>(inDay / 60 % 60), static_cast<long long>(inDay % 60));
    if (fraction != 0)
        n += std::snprintf(text + n, sizeof text - size_t(n), ".%06lld",
                           static_cast<long long>(fraction));
    return std::string(text, size_t(n));
}

} // namespace ts::data
