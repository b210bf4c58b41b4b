// ObjectReader: a JSON object of a pipeline file being validated. Internal to core/pipeline
// (its parsers include it; nlohmann/json stays out of every public header).
//
// It remembers its path ("stages[2].train") and the keys read, so leftovers (typos) are reported
// with a suggestion, and every mistake throws a FieldError naming the exact field.
#pragma once

#include "common/spelling.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace ts::pipeline::detail {

using nlohmann::json;

// Thrown inside the pipeline readers only, caught by parsePipeline: validation code reads straight
// down instead of checking a Result after every field.
struct FieldError
{
    std::string path;
    std::string message;
};

inline std::string joined(const std::vector<std::string>& words)
{
    std::string text;
    for (const auto& w : words)
        text += (text.empty() ? "" : ", ") + w;
    return text;
}

inline std::string typeName(const json& value)
{
    return value.is_number_integer() ? "an integer"
            : value.is_number()      ? "a number"
            : value.is_string()      ? "a string"
            : value.is_boolean()     ? "a boolean"
            : value.is_array()       ? "an array"
            : value.is_object()      ? "an object"
                                     : "null";
}

// A JSON object being validated: remembers its path ("stages[2].train") and the keys read, so
// leftovers (typos) are reported with a suggestion.
class ObjectReader
{
public:
    ObjectReader(const json& value, std::string path)
        : m_value(value)
        , m_path(std::move(path))
    {
        if (!value.is_object())
            throw FieldError { m_path, "must be an object, got " + typeName(value) };
    }

    std::string pathOf(const std::string& key) const
    {
        return m_path.empty() ? key : m_path + "." + key;
    }

    bool has(const std::string& key) const { return m_value.contains(key); }

    const json& required(const std::string& key)
    {
        m_seen.insert(key);
        if (!m_value.contains(key))
            throw FieldError { pathOf(key), "is required" };
        return m_value.at(key);
    }

    const json* optional(const std::string& key)
    {
        m_seen.insert(key);
        return m_value.contains(key) ? &m_value.at(key) : nullptr;
    }

    std::string string(const std::string& key, const std::string* fallback = nullptr)
    {
        const json* v = fallback ? optional(key) : &required(key);
        if (!v)
            return *fallback;
        if (!v->is_string() || v->get<std::string>().empty())
            throw FieldError { pathOf(key), "must be a non-empty string, got " + typeName(*v) };
        return v->get<std::string>();
    }

    std::string choice(const std::string& key, const std::vector<std::string>& allowed,
                       const std::string* fallback = nullptr)
    {
        const std::string value = string(key, fallback);
        if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
            throw FieldError {
                pathOf(key), "unknown value '" + value + "'; expected one of: " + joined(allowed)
            };
        return value;
    }

    int64_t integer(const std::string& key, int64_t min, int64_t max, const int64_t* fallback)
    {
        const json* v = fallback ? optional(key) : &required(key);
        if (!v)
            return *fallback;
        if (!v->is_number_integer())
            throw FieldError { pathOf(key), "must be an integer, got " + typeName(*v) };
        const auto n = v->get<int64_t>();
        if (n < min || n > max)
            throw FieldError { pathOf(key),
                               "must be between " + std::to_string(min) + " and "
                                       + std::to_string(max) + ", got " + std::to_string(n) };
        return n;
    }

    double number(const std::string& key, double min, double max, double fallback,
                  bool minExclusive = false)
    {
        const json* v = optional(key);
        if (!v)
            return fallback;
        if (!v->is_number())
            throw FieldError { pathOf(key), "must be a number, got " + typeName(*v) };
        const double x = v->get<double>();
        if (x < min || x > max || (minExclusive && x == min)) {
            std::ostringstream text;
            text << "must be " << (minExclusive ? "> " : ">= ") << min << " and <= " << max
                 << ", got " << x;
            throw FieldError { pathOf(key), text.str() };
        }
        return x;
    }

    // Every key must have been read: anything else is a typo or a field of a newer version.
    void finish() const
    {
        for (const auto& [key, value] : m_value.items()) {
            if (m_seen.count(key))
                continue;
            std::string hint;
            for (const auto& known : m_seen)
                if (common::editDistance(key, known) <= 2)
                    hint = " (did you mean '" + known + "'?)";
            if (hint.empty() && !m_seen.empty())
                hint = " (known fields: " + joined({ m_seen.begin(), m_seen.end() }) + ")";
            throw FieldError { pathOf(key), "unknown field" + hint };
        }
    }

private:
    const json& m_value;
    std::string m_path;
    std::set<std::string> m_seen;
};

inline bool readFlag(ObjectReader& object, const std::string& key, bool fallback)
{
    const json* value = object.optional(key);
    if (!value)
        return fallback;
    if (!value->is_boolean())
        throw FieldError { object.pathOf(key), "must be true or false, got " + typeName(*value) };
    return value->get<bool>();
}

} // namespace ts::pipeline::detail
