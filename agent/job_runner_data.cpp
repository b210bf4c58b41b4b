// JobRunner's data files (agent/job_runner.h): where a rank's files are found, which travel from
// the coordinator, and the ranks that wait for them. Reading whole files -- hashing the agent's own
// copy, a cached copy, a file that just arrived -- happens on threads of their own: the control
// thread keeps heartbeating while a gigabyte is hashed.
#include "agent/job_runner.h"

#include "cluster/data_roots.h"

#include <cstdio>
#include <filesystem>

namespace ts::agent {

namespace {

std::string sizeOf(uint64_t bytes)
{
    char text[32];
    if (bytes < 1000)
        std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
    else
        std::snprintf(text, sizeof text, bytes < 1000000 ? "%.1f kB" : "%.1f MB",
                      double(bytes) / (bytes < 1000000 ? 1e3 : 1e6));
    return text;
}

template <typename T> bool isReady(const std::future<T>& future)
{
    return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

} // namespace

std::vector<JobRunner::Located>
JobRunner::locateData(DataCache& cache, const std::vector<std::string>& roots,
                      const google::protobuf::RepeatedPtrField<wire::DataFile>& files)
{
    std::vector<Located> out;
    for (const wire::DataFile& file : files) {
        Located& located = out.emplace_back();
        auto confined = cluster::confineToRoots(file.path(), roots);
        if (confined && cache.holds(file.path(), file))
            continue; // its own copy, the same bytes
        located.why = !confined                        ? "outside this agent's data roots"
                : std::filesystem::exists(file.path()) ? "differs from the coordinator's"
                                                       : "not on this machine";
        located.cachedPath = cache.find(file);
        located.missing = located.cachedPath.empty();
    }
    return out;
}

void JobRunner::useLocated(Locating& locating, const std::vector<Located>& located)
{
    wire::Assign& assign = locating.assign;
    std::set<std::string> missing;
    const auto now = std::chrono::steady_clock::now();
    for (int i = 0; i < assign.data_files_size() && size_t(i) < located.size(); ++i) {
        wire::DataFile& file = *assign.mutable_data_files(i);
        const Located& where = located[size_t(i)];
        if (where.why.empty())
            continue;
        const std::string what = file.field() + ": " + file.path() + " is " + where.why + "; ";
        if (!where.missing) {
            file.set_local_path(where.cachedPath);
            recordLog(assign, 1,
                      what + "using the copy cached from the coordinator (SHA-256 "
                              + file.sha256().substr(0, 12) + "...)");
            continue;
        }
        recordLog(assign, 1,
                  what + "receiving it from the coordinator (" + sizeOf(file.size()) + ")");
        if (file.size() == 0) { // no chunk to ask for: an empty file is whole at once
            if (common::Result begun = m_cache->begin(file); begun)
                if (auto path = m_cache->finish(file)) {
                    file.set_local_path(*path);
                    continue;
                }
        }
        const bool checking =
                std::any_of(m_checking.begin(), m_checking.end(),
                            [&](const Checking& c) { return c.file.sha256() == file.sha256(); });
        if (!checking && !m_transfers.receiving(file.sha256()))
            if (common::Result wanted = m_transfers.want(file, now); !wanted) {
                endUnstarted(assign, "failed", file.field() + ": " + wanted.error().message());
                return;
            }
        missing.insert(file.sha256());
    }
    if (missing.empty())
        startRank(assign, locating.dir);
    else
        m_waiting.push_back({ std::move(assign), locating.dir, std::move(missing) });
}

std::vector<wire::FetchData> JobRunner::dataRequests(std::chrono::steady_clock::time_point now)
{
    return m_transfers.requests(now);
}

void JobRunner::dataChunk(const wire::DataChunk& chunk, std::string_view bytes)
{
    auto done = m_transfers.receive(chunk, bytes, std::chrono::steady_clock::now());
    if (!done)
        return;
    if (!done->error.empty()) {
        fileEnded(done->file, {}, done->error, done->seconds);
        return;
    }
    Checking& checking = m_checking.emplace_back();
    checking.file = done->file;
    checking.seconds = done->seconds;
    checking.kept = std::async(std::launch::async, [cache = m_cache.get(), file = done->file] {
        return cache->keep(file);
    });
}

void JobRunner::fileEnded(const wire::DataFile& ended, const std::string& path,
                          const std::string& error, double seconds)
{
    std::vector<Waiting> ready;
    for (auto waiting = m_waiting.begin(); waiting != m_waiting.end();) {
        if (!waiting->missing.erase(ended.sha256())) {
            ++waiting;
            continue;
        }
        if (!error.empty()) {
            endUnstarted(waiting->assign, "failed", error);
            waiting = m_waiting.erase(waiting);
            continue;
        }
        for (wire::DataFile& file : *waiting->assign.mutable_data_files())
            if (file.sha256() == ended.sha256())
                file.set_local_path(path);
        char rate[64];
        std::snprintf(rate, sizeof rate, " in %.2f s (%.0f MB/s)", seconds,
                      double(ended.size()) / 1e6 / std::max(seconds, 1e-3));
        recordLog(waiting->assign, 1,
                  ended.field() + ": received " + sizeOf(ended.size()) + rate
                          + ", checked and cached");
        if (waiting->missing.empty()) {
            ready.push_back(std::move(*waiting));
            waiting = m_waiting.erase(waiting);
        } else {
            ++waiting;
        }
    }
    for (const Waiting& rank : ready)
        startRank(rank.assign, rank.dir);
}

void JobRunner::pollData()
{
    for (auto checking = m_checking.begin(); checking != m_checking.end();) {
        if (!isReady(checking->kept)) {
            ++checking;
            continue;
        }
        const wire::DataFile file = checking->file;
        const double seconds = checking->seconds;
        auto kept = checking->kept.get();
        checking = m_checking.erase(checking);
        fileEnded(file, kept ? *kept : std::string(), kept ? std::string() : kept.error().message(),
                  seconds);
    }
    std::vector<Locating> located;
    for (auto locating = m_locating.begin(); locating != m_locating.end();) {
        if (isReady(locating->located)) {
            located.push_back(std::move(*locating));
            locating = m_locating.erase(locating);
        } else {
            ++locating;
        }
    }
    for (Locating& locating : located) {
        const std::vector<Located> where = locating.located.get();
        if (locating.cancelled) {
            recordLog(locating.assign, 1, "cancelled before its data files were found");
            endUnstarted(locating.assign, "cancelled", {});
            continue;
        }
        useLocated(locating, where);
    }
}

} // namespace ts::agent
