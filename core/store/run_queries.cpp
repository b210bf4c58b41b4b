// ExperimentStore: the runs table, filtered and ordered by any parameter or final metric.
//
// A lab has thousands of runs, not millions: findRuns reads every run, its parameters and its
// final metrics in three queries of one snapshot and filters and sorts in C++, where "compare as
// numbers when both sides are numbers" is plain code instead of SQL CASE expressions.
#include "store/experiment_store.h"
#include "store/experiment_store_private.h"

#include <algorithm>
#include <charconv> // for from_chars, to_chars
#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace ts::store {
namespace {

// A value a run has for a key: its text, and its number when the text is one.
struct KeyValue
{
    std::string text;
    std::optional<double> number;
};

// The number `text` spells in full, if any ("1e-3" is, "3 epochs", "nan" and "" are not).
std::optional<double> parseNumber(const std::string& text)
{
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || stop != end || !std::isfinite(value))
        return std::nullopt;
    return value;
}

KeyValue numberValue(double number)
{
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, number);
    return { std::string(buffer, ec == std::errc() ? end : buffer), number };
}

KeyValue textValue(std::string text)
{
    auto number = parseNumber(text);
    return { std::move(text), number };
}

// A parsed key: "param:<name>", "metric:<name>" or a run field.
struct Key
{
    enum class Kind { Param, Metric, Id, Name, Experiment, Status, CreatedAt } kind;
    std::string name; // of the parameter or metric
};

common::Expected<Key> parseKey(const std::string& key)
{
    static const std::pair<const char*, Key::Kind> fields[] = {
        { "id", Key::Kind::Id },
        { "name", Key::Kind::Name },
        { "experiment", Key::Kind::Experiment },
        { "status", Key::Kind::Status },
        { "created_at", Key::Kind::CreatedAt },
    };
    for (const auto& [spelling, kind] : fields) {
        if (key == spelling)
            return Key { kind, {} };
    }
    for (const auto& [prefix, kind] :
         { std::pair { "param:", Key::Kind::Param }, std::pair { "metric:", Key::Kind::Metric } }) {
        const std::string_view p(prefix);
        if (key.size() > p.size() && key.compare(0, p.size(), p) == 0)
            return Key { kind, key.substr(p.size()) };
    }
    return common::Error(common::ErrorKind::InvalidInput,
                         "run query: unknown key '" + key
                                 + "'; use param:<name>, metric:<name>, id, name, experiment, "
                                   "status or created_at");
}

// The value of `key` for `run`; none when the run lacks the parameter or metric (a NaN final
// metric counts as lacking: it has no place in an order).
std::optional<KeyValue> valueOf(const RunDetails& run, const Key& key)
{
    switch (key.kind) {
    case Key::Kind::Param:
        for (const auto& [name, value] : run.params) {
            if (name == key.name)
                return textValue(value);
        }
        return std::nullopt;
    case Key::Kind::Metric: {
        const auto it = run.finalMetrics.find(key.name);
        if (it == run.finalMetrics.end() || std::isnan(it->second))
            return std::nullopt;
        return numberValue(it->second);
    }
    case Key::Kind::Id:
        return numberValue(double(run.id));
    case Key::Kind::Name:
        return textValue(run.name);
    case Key::Kind::Experiment:
        return textValue(run.experiment);
    case Key::Kind::Status:
        return textValue(toString(run.status));
    case Key::Kind::CreatedAt:
        return numberValue(run.createdAt);
    }
    return std::nullopt;
}

// <0, 0, >0 as `a` is before, with or after `b`: as numbers when both are, else as text.
int compare(const KeyValue& a, const KeyValue& b)
{
    if (a.number && b.number)
        return *a.number < *b.number ? -1 : *a.number > *b.number ? 1 : 0;
    return a.text.compare(b.text);
}

bool holds(const std::optional<KeyValue>& value, RunCondition::Op op, const KeyValue& wanted)
{
    if (!value)
        return false;
    if (op == RunCondition::Op::Contains)
        return value->text.find(wanted.text) != std::string::npos;
    const int order = compare(*value, wanted);
    switch (op) {
    case RunCondition::Op::Equal:
        return order == 0;
    case RunCondition::Op::NotEqual:
        return order != 0;
    case RunCondition::Op::Less:
        return order < 0;
    case RunCondition::Op::LessEqual:
        return order <= 0;
    case RunCondition::Op::Greater:
        return order > 0;
    case RunCondition::Op::GreaterEqual:
        return order >= 0;
    case RunCondition::Op::Contains:
        break;
    }
    return false;
}

// Ascending order for sorting. The pairwise rule of compare() is not transitive over a mix of
// numbers and text ("2" < "10" as numbers, "10" < "1a" < "2" as text), and std::sort needs a
// strict weak order: numbers come first, by value, then text, by text.
bool sortsBefore(const KeyValue& a, const KeyValue& b)
{
    if (a.number.has_value() != b.number.has_value())
        return a.number.has_value();
    return compare(a, b) < 0;
}

// A run that passed the conditions, with its value of the order key (none: it lacks the key).
using Candidate = std::pair<std::optional<KeyValue>, RunDetails*>;

// Runs without the key go last in either direction; ties by id, in the asked direction.
void sortRuns(std::vector<Candidate>& runs, bool descending)
{
    std::sort(runs.begin(), runs.end(), [descending](const Candidate& a, const Candidate& b) {
        if (a.first.has_value() != b.first.has_value())
            return a.first.has_value();
        if (a.first) {
            const KeyValue& left = descending ? *b.first : *a.first;
            const KeyValue& right = descending ? *a.first : *b.first;
            if (sortsBefore(left, right) || sortsBefore(right, left))
                return sortsBefore(left, right);
        }
        return descending ? a.second->id > b.second->id : a.second->id < b.second->id;
    });
}

} // namespace

common::Expected<std::vector<RunDetails>> ExperimentStore::findRuns(const RunQuery& query)
{
    // Bad keys fail before any reading, naming the key.
    std::vector<std::pair<Key, KeyValue>> conditions;
    for (const auto& condition : query.where) {
        auto key = parseKey(condition.key);
        TS_TRY(key);
        conditions.emplace_back(std::move(*key), textValue(condition.value));
    }
    auto orderKey = parseKey(query.orderBy);
    TS_TRY(orderKey);

    auto runs = d->loadRunsWithParams();
    TS_TRY(runs);

    // The order key's value is computed once per run rather than in every comparison.
    std::vector<Candidate> kept;
    for (RunDetails& run : *runs) {
        bool all = true;
        for (size_t i = 0; i < conditions.size() && all; ++i) {
            const auto& [key, wanted] = conditions[i];
            all = holds(valueOf(run, key), query.where[i].op, wanted);
        }
        if (all)
            kept.emplace_back(valueOf(run, *orderKey), &run);
    }
    sortRuns(kept, query.descending);

    const size_t count = query.limit ? std::min(query.limit, kept.size()) : kept.size();
    std::vector<RunDetails> found;
    found.reserve(count);
    for (size_t i = 0; i < count; ++i)
        found.push_back(std::move(*kept[i].second));
    return found;
}

common::Expected<std::vector<RunDetails>> ExperimentStore::Private::loadRunsWithParams()
{
    // Runs, parameters and metrics come from one snapshot, even while a run is writing.
    Transaction snapshot(db.get(), path, Transaction::Mode::Read);
    TS_TRY(snapshot.begin());

    auto query = Statement::prepare(db.get(), path, runQuery(false, "ORDER BY r.id"));
    TS_TRY(query);
    std::vector<RunDetails> runs;
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            break;
        auto run = readRun(*query, path);
        TS_TRY(run);
        runs.push_back(std::move(*run));
    }

    std::unordered_map<int64_t, RunDetails*> byId;
    std::unordered_map<int64_t, RunSummary*> summaries; // what loadFinalMetrics fills
    for (auto& run : runs) {
        byId[run.id] = &run;
        summaries[run.id] = &run;
    }
    // rowid order is insertion order: parameters come back as the pipeline listed them.
    auto params = Statement::prepare(
            db.get(), path, "SELECT run_id, key, value FROM params ORDER BY run_id, rowid");
    TS_TRY(params);
    for (;;) {
        auto row = params->step();
        TS_TRY(row);
        if (!*row)
            break;
        if (auto run = byId.find(params->int64At(0)); run != byId.end()) {
            run->second->params.emplace_back(params->textAt(1), params->textAt(2));
        }
    }
    TS_TRY(loadFinalMetrics(summaries, 0, std::numeric_limits<int64_t>::max()));
    return runs;
}

} // namespace ts::store
