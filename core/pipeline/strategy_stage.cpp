// The "strategy" object of the train stage (pipeline_spec.h, StrategySpec).
#include "pipeline/stage_readers.h"

#include <algorithm>

namespace ts::pipeline {

namespace {

using detail::FieldError;
using detail::json;
using detail::ObjectReader;

struct NamedKind
{
    StrategySpec::Kind kind;
    std::string name;
};

const std::vector<NamedKind>& namedKinds()
{
    static const std::vector<NamedKind> kinds {
        { StrategySpec::Kind::Auto, "auto" },
        { StrategySpec::Kind::Local, "local" },
        { StrategySpec::Kind::AllReduce, "allreduce" },
        { StrategySpec::Kind::ParameterServer, "parameter_server" },
        { StrategySpec::Kind::Pipeline, "pipeline" },
    };
    return kinds;
}

const std::vector<std::string>& modeNames()
{
    static const std::vector<std::string> names { "sync", "async", "ssp" };
    return names;
}

dist::Consistency modeNamed(const std::string& name)
{
    return name == "async"  ? dist::Consistency::Async
            : name == "ssp" ? dist::Consistency::BoundedStaleness
                            : dist::Consistency::Sync;
}

// "mode" and, for ssp, "staleness" of the strategy object or of one schedule entry.
dist::ConsistencyPhase readPhase(ObjectReader& object)
{
    const std::string sync = "sync";
    dist::ConsistencyPhase phase;
    phase.mode = modeNamed(object.choice("mode", modeNames(), &sync));
    if (phase.mode == dist::Consistency::BoundedStaleness)
        phase.staleness = static_cast<int>(object.integer("staleness", 0, 1000, nullptr));
    else if (object.has("staleness"))
        throw FieldError { object.pathOf("staleness"), "applies to the mode \"ssp\" only" };
    return phase;
}

} // namespace

const std::vector<std::string>& strategyNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const NamedKind& k : namedKinds())
            out.push_back(k.name);
        return out;
    }();
    return names;
}

const std::string& nameOf(StrategySpec::Kind kind)
{
    for (const NamedKind& k : namedKinds())
        if (k.kind == kind)
            return k.name;
    return namedKinds().front().name;
}

namespace detail {

StrategySpec readStrategy(ObjectReader& train)
{
    StrategySpec spec;
    const json* value = train.optional("strategy");
    if (!value)
        return spec;
    ObjectReader object(*value, train.pathOf("strategy"));
    const std::string name = object.choice("type", strategyNames());
    spec.kind = std::find_if(namedKinds().begin(), namedKinds().end(), [&](const NamedKind& k) {
                    return k.name == name;
                })->kind;
    if (spec.kind == StrategySpec::Kind::Pipeline) {
        const int64_t four = 4;
        spec.microBatches = static_cast<int>(object.integer("microBatches", 1, 4096, &four));
    } else if (object.has("microBatches")) {
        throw FieldError { object.pathOf("microBatches"), "applies to \"pipeline\" only" };
    }
    if (spec.kind != StrategySpec::Kind::ParameterServer) {
        for (const char* key : { "servers", "mode", "staleness", "schedule" })
            if (object.has(key))
                throw FieldError { object.pathOf(key), "applies to \"parameter_server\" only" };
        object.finish();
        return spec;
    }
    const int64_t oneServer = 1;
    spec.servers = static_cast<int>(object.integer("servers", 1, 64, &oneServer));
    spec.consistency = { readPhase(object) };
    if (const json* schedule = object.optional("schedule")) {
        const std::string path = object.pathOf("schedule");
        if (!schedule->is_array())
            throw FieldError { path, "must be an array of { \"fromEpoch\", \"mode\" } objects" };
        for (size_t i = 0; i < schedule->size(); ++i) {
            ObjectReader entry((*schedule)[i], path + "[" + std::to_string(i) + "]");
            // Epochs count from 1 here, as the progress shows them; from 0 in the spec.
            const int previous = spec.consistency.back().fromEpoch + 1;
            const int64_t from = entry.integer("fromEpoch", previous + 1, 100000, nullptr);
            dist::ConsistencyPhase phase = readPhase(entry);
            phase.fromEpoch = static_cast<int>(from - 1);
            entry.finish();
            spec.consistency.push_back(phase);
        }
    }
    object.finish();
    return spec;
}

} // namespace detail

} // namespace ts::pipeline
