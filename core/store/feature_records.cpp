// ExperimentStore: what a run knows of its data: the statistics of each split (feature_stats,
// label_counts), the reference that drift monitoring compares served data against, and the fitted
// preprocessing (fitted_preps) that turns raw rows into the model's input.
#include "store/experiment_store.h"

#include "store/experiment_store_private.h"
#include "store/sqlite_handles.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace ts::store {

namespace {

using nlohmann::json;

// JSON has no NaN: a feature without values stores null, read back as NaN.
json number(double value)
{
    return std::isnan(value) ? json(nullptr) : json(value);
}

double numberAt(const json& object, const char* key)
{
    const auto it = object.find(key);
    return it == object.end() || !it->is_number() ? std::numeric_limits<double>::quiet_NaN()
                                                  : it->get<double>();
}

std::string toJson(const data::FeatureStats& f)
{
    json j { { "count", f.count },         { "missing", f.missing },
             { "mean", number(f.mean) },   { "stddev", number(f.stddev) },
             { "min", number(f.min) },     { "max", number(f.max) },
             { "quantiles", f.quantiles }, { "binEdges", f.binEdges },
             { "binCounts", f.binCounts } };
    if (!f.categories.empty())
        j["categories"] = f.categories; // a categorical feature: binCounts per category
    return j.dump();
}

common::Expected<data::FeatureStats> fromJson(const std::string& name, const std::string& text)
{
    const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object())
        return common::Error(common::ErrorKind::Corrupt,
                             "feature_stats of '" + name + "' is not a JSON object");
    data::FeatureStats f;
    f.name = name;
    f.count = j.value("count", int64_t(0));
    f.missing = j.value("missing", int64_t(0));
    f.mean = numberAt(j, "mean");
    f.stddev = numberAt(j, "stddev");
    f.min = numberAt(j, "min");
    f.max = numberAt(j, "max");
    f.quantiles = j.value("quantiles", std::vector<double>());
    f.binEdges = j.value("binEdges", std::vector<double>());
    f.binCounts = j.value("binCounts", std::vector<int64_t>());
    f.categories = j.value("categories", std::vector<std::string>());
    return f;
}

} // namespace

common::Result ExperimentStore::saveDatasetStats(int64_t run, const std::string& split,
                                                 const data::DatasetStats& stats)
{
    const std::string what = split + " statistics of run " + std::to_string(run);
    sqlite3* db = d->db.get();
    Transaction transaction(db, d->path);
    TS_TRY(transaction.begin());
    for (const char* table : { "feature_stats", "label_counts" }) {
        auto clear = Statement::prepare(db, d->path,
                                        std::string("DELETE FROM ") + table
                                                + " WHERE run_id = ?1 AND split = ?2");
        TS_TRY(clear);
        TS_TRY(clear->bind(1, run).bind(2, split).run());
    }
    auto feature = Statement::prepare(db, d->path,
                                      "INSERT INTO feature_stats (run_id, split, feature, name, "
                                      "json) VALUES (?1, ?2, ?3, ?4, ?5)");
    TS_TRY(feature);
    for (size_t i = 0; i < stats.features.size(); ++i) {
        const data::FeatureStats& f = stats.features[i];
        feature->bind(1, run).bind(2, split).bind(3, int64_t(i)).bind(4, f.name);
        if (auto stored = feature->bind(5, toJson(f)).run(); !stored)
            return std::move(stored).error().wrap(what);
    }
    auto label = Statement::prepare(db, d->path,
                                    "INSERT INTO label_counts (run_id, split, label, count) "
                                    "VALUES (?1, ?2, ?3, ?4)");
    TS_TRY(label);
    for (size_t c = 0; c < stats.labelCounts.size(); ++c) {
        label->bind(1, run).bind(2, split).bind(3, int64_t(c)).bind(4, stats.labelCounts[c]);
        if (auto stored = label->run(); !stored)
            return std::move(stored).error().wrap(what);
    }
    return transaction.commit();
}

common::Expected<data::DatasetStats> ExperimentStore::datasetStats(int64_t run,
                                                                   const std::string& split)
{
    const std::string what = split + " statistics of run " + std::to_string(run);
    data::DatasetStats stats;
    auto features = Statement::prepare(d->db.get(), d->path,
                                       "SELECT name, json FROM feature_stats WHERE run_id = ?1 "
                                       "AND split = ?2 ORDER BY feature");
    TS_TRY(features);
    features->bind(1, run).bind(2, split);
    for (;;) {
        auto row = features->step();
        TS_TRY(row);
        if (!*row)
            break;
        auto f = fromJson(features->textAt(0), features->textAt(1));
        if (!f)
            return std::move(f).error().wrap(d->path + ": " + what);
        stats.features.push_back(std::move(*f));
    }
    auto labels = Statement::prepare(d->db.get(), d->path,
                                     "SELECT label, count FROM label_counts WHERE run_id = ?1 "
                                     "AND split = ?2 ORDER BY label");
    TS_TRY(labels);
    labels->bind(1, run).bind(2, split);
    int64_t labelled = 0;
    for (;;) {
        auto row = labels->step();
        TS_TRY(row);
        if (!*row)
            break;
        stats.labelCounts.resize(size_t(labels->int64At(0) + 1), 0);
        stats.labelCounts.back() = labels->int64At(1);
        labelled += labels->int64At(1);
    }
    if (stats.features.empty() && stats.labelCounts.empty())
        return common::Error(common::ErrorKind::NotFound,
                             "no " + what + " in " + d->path
                                     + " (runs stored before schema version 3 have none)");
    // Every row has one label; a set without labels still counts its rows in each feature.
    stats.rows =
            stats.features.empty() ? labelled : stats.features[0].count + stats.features[0].missing;
    return stats;
}

common::Result ExperimentStore::saveFittedPrep(int64_t run, const std::string& json)
{
    auto insert = Statement::prepare(d->db.get(), d->path,
                                     "INSERT OR REPLACE INTO fitted_preps (run_id, json) "
                                     "VALUES (?1, ?2)");
    TS_TRY(insert);
    if (auto stored = insert->bind(1, run).bind(2, json).run(); !stored)
        return std::move(stored).error().wrap("fitted prep of run " + std::to_string(run));
    return {};
}

common::Expected<std::string> ExperimentStore::fittedPrep(int64_t run)
{
    auto query = Statement::prepare(d->db.get(), d->path,
                                    "SELECT json FROM fitted_preps WHERE run_id = ?1");
    TS_TRY(query);
    query->bind(1, run);
    auto row = query->step();
    TS_TRY(row);
    if (!*row)
        return common::Error(common::ErrorKind::NotFound,
                             "no fitted prep of run " + std::to_string(run) + " in " + d->path);
    return query->textAt(0);
}

} // namespace ts::store
