#include "agent/job_runner.h"

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
    if (!spool) {
        close(lockFd);
        return std::move(spool).error();
    }
    return std::unique_ptr<JobRunner>(new JobRunner(std::move(options), std::move(*spool), lockFd));
}

JobRunner::JobRunner(JobRunnerOptions options, std::unique_ptr<Spool> spool, int lockFd)
    : m_options(std::move(options))
    , m_spool(std::move(spool))
    , m_lockFd(lockFd)
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

void JobRunner::assign(const wire::Assign& assign, std::span<const std::string_view> payloads)
{
    const auto dir = std::filesystem::path(m_options.workDir)
            / ("job-" + std::to_string(assign.job()))
            / ("attempt-" + std::to_string(assign.attempt()))
            / ("rank-" + std::to_string(assign.rank()));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    common::Result written = ec
            ? common::Error(common::ErrorKind::Io, dir.string() + ": " + ec.message())
            : common::writeFileAtomically((dir / "assign.pb").string(), assign.SerializeAsString());
    if (written && assign.resume()) {
        written = payloads.empty()
                ? common::Error(common::ErrorKind::InvalidInput, "a resume without its checkpoint")
                : common::writeFileAtomically((dir / "resume.tsckpt").string(), payloads[0]);
    }
    if (!written) {
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
    return uint32_t(m_ranks.size());
}

std::vector<wire::RunningJob> JobRunner::runningJobs() const
{
    std::set<std::pair<int64_t, int>> jobs;
    for (const auto& [pid, rank] : m_ranks)
        jobs.insert({ rank.assign.job(), rank.assign.attempt() });
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
    if (!m_spoolMayHaveRecords && m_ranks.empty())
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
