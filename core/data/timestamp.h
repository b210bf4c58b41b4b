// Timestamps as text, the way CSV files and PostgreSQL write them, to microseconds since
// 1970-01-01 00:00 UTC and back.
//
// Accepted (ISO 8601 and PostgreSQL's text output):
//   2024-03-01                          midnight
//   2024-03-01 12:30   2024-03-01T12:30:05   2024-03-01 12:30:05.123456
//   any of them followed by Z, +HH, +HHMM or +HH:MM (or -): converted to UTC
// A time without a zone is taken as UTC: a table's times are compared with each other, and the
// machine's local zone must not change which rows a time split puts in the test set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ts::data {

// The microseconds since the epoch of `text` (spaces around it ignored), or nullopt when it is not
// one of the forms above or names an impossible date (2023-02-29, 24:00).
std::optional<int64_t> parseTimestamp(std::string_view text);

// "2024-03-01 12:30:05" (with ".123456" when there are microseconds), in UTC.
std::string formatTimestamp(int64_t micros);

} // namespace ts::data
