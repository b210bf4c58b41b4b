#include "agent/job_runner.h"

#include "cluster/data_roots.h"
#include "common/child_process.h"
#include "common/file_io.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

namespace ts::agent {

namespace {

constexpr auto KillAfter = std::chrono::seconds(10);

// The last line of a rank's log: what a crashed rank said last.
std::string lastLine(const std::string& path)
{
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line))
        if (!line.empty())
            last = line;
    return last.size() > 300 ? last.substr(last.size() - 300) : last;
}

// The agent's own lines in a rank's part of the job log are numbered from here, after any the
// rank itself could write: a replayed line is still stored once.
constexpr int64_t AgentLinesFrom = int64_t(1) << 29;

} // namespace

common::Expected<std::unique_ptr<JobRunner>> JobRunner::open(JobRunnerOptions options)
{
    std::error_code ec;
    std::filesystem::create_directories(options.workDir, ec);
    if (ec)
        return common::Error(common::ErrorKind::Io,
                             options.workDir
                                     + ": cannot create the agent's work folder: " + ec.message());
    const std::string lockPath = options.workDir + "/agent.lock";
    const int lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lockFd < 0)
        return common::Error(common::ErrorKind::Io, lockPath + ": " + std::strerror(errno));
    if (flock(lockFd, LOCK_EX | LOCK_NB) != 0) {
        close(lockFd);
        return common::Error(common::ErrorKind::InvalidInput,
                             "another agent already works in " + options.workDir
                                     + "; give this one a folder of its own with --work-dir, or "
                                       "another --id");
    }
    auto spool = Spool::open(options.spoolPath);
    auto cache = DataCache::open(options.workDir + "/data-cache");
    if (!spool || !cache) {
        close(lockFd);
        return !spool ? std::move(spool).error() : std::move(cache).error();
    }
    return std::unique_ptr<JobRunner>(
            new JobRunner(std::move(options), std::move(*spool), lockFd, std::move(*cache)));
}

JobRunner::JobRunner(JobRunnerOptions options, std::unique_ptr<Spool> spool, int lockFd,
                     std::unique_ptr<DataCache> cache)
    : m_options(std::move(options))
    , m_spool(std::move(spool))
    , m_lockFd(lockFd)
    , m_cache(std::move(cache))
{}

JobRunner::~JobRunner()
{
    if (m_lockFd >= 0)
        close(m_lockFd);
    for (const auto& [pid, rank] : m_ranks) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
}

void JobRunner::recordExit(const wire::Assign& assign, int code, const std::string& message)
{
    wire::Record record;
    record.set_job(assign.job());
    record.set_attempt(assign.attempt());
    record.set_rank(assign.rank());
    record.set_run(assign.run());
    record.mutable_exit()->set_exit_code(code);
    record.mutable_exit()->set_message(message);
    m_spoolMayHaveRecords = true;
    auto spooled = m_spool->append(record);
    if (spooled)
        m_unacknowledgedExits[{ assign.job(), assign.attempt() }] = *spooled;
    else
        m_options.log("cannot spool the exit of job " + std::to_string(assign.job()) + ": "
                      + spooled.error().message());
}

void JobRunner::recordLog(const wire::Assign& assign, int level, const std::string& text)
{
    wire::Record record;
    record.set_job(assign.job());
    record.set_attempt(assign.attempt());
    record.set_rank(assign.rank());
    record.set_run(assign.run());
    wire::Log& line = *record.mutable_log();
    line.set_level(level);
    line.set_text(text);
    line.set_time(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                          .count());
    line.set_line(AgentLinesFrom
                  + ++m_agentLines[{ assign.job(), assign.attempt(), assign.rank() }]);
    m_spoolMayHaveRecords = true;
    if (auto spooled = m_spool->append(record); !spooled)
        m_options.log("cannot spool a log line of job " + std::to_string(assign.job()) + ": "
                      + spooled.error().message());
    m_options.log("job " + std::to_string(assign.job()) + " rank " + std::to_string(assign.rank())
                  + ": " + text);
}

void JobRunner::endUnstarted(const wire::Assign& assign, const std::string& status,
                             const std::string& error)
{
    if (!error.empty())
        recordLog(assign, 3, error);
    wire::Record record;
    record.set_job(assign.job());
    record.set_attempt(assign.attempt());
    record.set_rank(assign.rank());
    record.set_run(assign.run());
    record.mutable_end()->set_status(status);
    record.mutable_end()->set_error(error);
    m_spoolMayHaveRecords = true;
    (void)m_spool->append(record);
    recordExit(assign, status == "cancelled" ? 0 : 1, error);
}

void JobRunner::assign(const wire::Assign& received, std::span<const std::string_view> payloads)
{
    wire::Assign assign = received;
    const auto dir = std::filesystem::path(m_options.workDir)
            / ("job-" + std::to_string(assign.job()))
            / ("attempt-" + std::to_string(assign.attempt()))
            / ("rank-" + std::to_string(assign.rank()));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    common::Result written = ec
            ? common::Error(common::ErrorKind::Io, dir.string() + ": " + ec.message())
            : common::Result();
    if (written && assign.resume()) {
        written = payloads.empty()
                ? common::Error(common::ErrorKind::InvalidInput, "a resume without its checkpoint")
                : common::writeFileAtomically((dir / "resume.tsckpt").string(), payloads[0]);
    }
    if (!written) {
        recordExit(assign, 127, "cannot start the rank: " + written.error().message());
        return;
    }
    if (assign.data_files_size() == 0) {
        startRank(assign, dir.string());
        return;
    }
    // Its data files are looked for off this thread (hashing a large file would hold up the
    // heartbeats); poll() takes the answer.
    Locating& locating = m_locating.emplace_back();
    locating.located =
            std::async(std::launch::async,
                       [cache = m_cache.get(), roots = m_options.dataRoots,
                        files = assign.data_files()] { return locateData(*cache, roots, files); });
    locating.assign = std::move(assign);
    locating.dir = dir.string();
}

void JobRunner::startRank(const wire::Assign& assign, const std::string& dirPath)
{
    const std::filesystem::path dir(dirPath);
    if (common::Result written = common::writeFileAtomically((dir / "assign.pb").string(),
                                                             assign.SerializeAsString());
        !written) {
        recordExit(assign, 127, "cannot start the rank: " + written.error().message());
        return;
    }
    common::ChildOptions rank;
    rank.args = { m_options.executable, "--rank-dir",        dir.string(),           "--spool",
                  m_options.spoolPath,  "--data-plane-host", m_options.dataPlaneHost };
    for (const std::string& root : m_options.dataRoots) {
        rank.args.push_back("--data-root");
        rank.args.push_back(root);
    }
    rank.logPath = (dir / "rank.log").string();
    // The rank sees only its GPU ("cuda:N" -> CUDA_VISIBLE_DEVICES=N, its device 0), or none.
    const std::string& device = assign.device();
    rank.environment["CUDA_VISIBLE_DEVICES"] =
            device.rfind("cuda:", 0) == 0 ? device.substr(5) : "";
    auto pid = common::startChild(std::move(rank));
    if (!pid) {
        recordExit(assign, 127, "cannot start the rank: " + pid.error().message());
        return;
    }
    m_ranks[*pid] = { assign, dir.string() };
}

void JobRunner::cancel(int64_t job, int attempt, const std::string&)
{
    for (auto waiting = m_waiting.begin(); waiting != m_waiting.end();) {
        const wire::Assign& assign = waiting->assign;
        if (assign.job() != job || (attempt != 0 && assign.attempt() != attempt)) {
            ++waiting;
            continue;
        }
        recordLog(assign, 1, "cancelled while its data was on its way");
        endUnstarted(assign, "cancelled", {});
        waiting = m_waiting.erase(waiting);
    }
    for (Locating& locating : m_locating)
        if (locating.assign.job() == job && (attempt == 0 || locating.assign.attempt() == attempt))
            locating.cancelled = true; // ended once its data files are located
    // Transfers no rank waits for any more stop.
    std::set<std::string> wanted;
    for (const Waiting& waiting : m_waiting)
        wanted.insert(waiting.missing.begin(), waiting.missing.end());
    m_transfers.keepOnly(wanted);
    for (auto& [pid, rank] : m_ranks)
        if (rank.assign.job() == job && (attempt == 0 || rank.assign.attempt() == attempt)
            && !rank.cancelling) {
            kill(pid, SIGTERM);
            rank.cancelling = true;
            rank.cancelledAt = std::chrono::steady_clock::now();
        }
}

void JobRunner::rendezvous(const wire::Rendezvous& table)
{
    const std::string bytes = table.SerializeAsString();
    for (const auto& [pid, rank] : m_ranks) {
        if (rank.assign.job() != table.job() || rank.assign.attempt() != table.attempt())
            continue;
        // Renamed into place: the rank, polling for it, never reads half a table.
        if (common::Result written =
                    common::writeFileAtomically(rank.dir + "/rendezvous.pb", bytes);
            !written)
            m_options.log(written.error().message());
    }
}

void JobRunner::poll()
{
    pollData();
    const auto now = std::chrono::steady_clock::now();
    for (auto& [pid, rank] : m_ranks)
        if (rank.cancelling && now - rank.cancelledAt > KillAfter)
            kill(pid, SIGKILL);
    for (;;) {
        int status = 0;
        const pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            return;
        auto found = m_ranks.find(pid);
        if (found == m_ranks.end())
            continue;
        const int code = WIFEXITED(status) ? WEXITSTATUS(status)
                : WIFSIGNALED(status)      ? -WTERMSIG(status)
                                           : -1;
        const Rank& rank = found->second;
        const std::string said = code == 0 ? std::string() : lastLine(rank.dir + "/rank.log");
        m_options.log(
                "job " + std::to_string(rank.assign.job()) + " rank "
                + std::to_string(rank.assign.rank()) + " exited ("
                + (code < 0 ? "signal " + std::to_string(-code) : "code " + std::to_string(code))
                + ")");
        recordExit(rank.assign, code, said);
        m_ranks.erase(found);
    }
}

uint32_t JobRunner::runningRanks() const
{
    return uint32_t(m_ranks.size() + m_locating.size() + m_waiting.size());
}

std::vector<wire::RunningJob> JobRunner::runningJobs() const
{
    std::set<std::pair<int64_t, int>> jobs;
    for (const auto& [pid, rank] : m_ranks)
        jobs.insert({ rank.assign.job(), rank.assign.attempt() });
    for (const Locating& locating : m_locating)
        jobs.insert({ locating.assign.job(), locating.assign.attempt() });
    for (const Waiting& waiting : m_waiting)
        jobs.insert({ waiting.assign.job(), waiting.assign.attempt() });
    for (const auto& [job, sequence] : m_unacknowledgedExits)
        jobs.insert(job);
    std::vector<wire::RunningJob> out;
    for (const auto& [id, attempt] : jobs) {
        wire::RunningJob& job = out.emplace_back();
        job.set_job(id);
        job.set_attempt(attempt);
    }
    return out;
}

common::Expected<cluster::RecordBatch> JobRunner::pendingRecords(size_t maxBytes)
{
    // An idle agent does not read its spool 20 times a second: only while ranks run, after one
    // exited, and once at start (records a previous run of the agent left).
    if (!m_spoolMayHaveRecords && m_ranks.empty() && m_locating.empty() && m_waiting.empty())
        return cluster::RecordBatch {};
    auto batch = m_spool->pending(maxBytes);
    if (batch && batch->records.records_size() == 0 && m_ranks.empty())
        m_spoolMayHaveRecords = false;
    return batch;
}

common::Result JobRunner::acknowledge(uint64_t sequence)
{
    TS_TRY(m_spool->acknowledge(sequence));
    std::erase_if(m_unacknowledgedExits,
                  [sequence](const auto& exit) { return exit.second <= sequence; });
    return {};
}

} // namespace ts::agent
