// Shared-memory all-reduce (dist/shared_memory_allreduce.h) between ranks as threads whose data
// planes are all on this machine: for 2, 3 and 4 ranks and buffers from empty to more than one
// piece of the segment's capacity, every rank ends with the sum of every rank's buffer (within
// float rounding of the sum in double) and all hold the same bits, call after call; ranks not
// all on one machine get no group; a rank that never arrives fails the others naming it; the
// segment's name is gone from /dev/shm once the group is joined; a segment /dev/shm has no room for
// gives no group (the ranks use the ring), not a crash later.
#include "common/data_planes.h"
#include "common/random_values.h"
#include "dist/data_plane.h"
#include "dist/shared_memory_allreduce.h"

#include <QtTest/QTest>

#include <sys/statvfs.h>

#include <cmath>
#include <filesystem>
#include <thread>

using namespace ts;

namespace {

std::vector<float> randomBuffer(size_t n, int rank, int call)
{
    return testing::uniformValues(n, uint32_t(1000 * call + rank));
}

size_t segmentsInDevShm()
{
    size_t n = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/dev/shm", ec))
        n += entry.path().filename().string().rfind("trainstudio-", 0) == 0;
    return n;
}

} // namespace

class TestSharedMemoryAllReduce final : public QObject
{
    Q_OBJECT

private slots:
    void sumsOnEveryRank_data()
    {
        QTest::addColumn<int>("ranks");
        QTest::addColumn<int>("values");
        QTest::addColumn<int>("capacity");
        for (int ranks : { 2, 3, 4 })
            for (int values : { 0, 1, 5, 1000, 65537 })
                QTest::addRow("%d ranks, %d values", ranks, values) << ranks << values << 65537;
        QTest::newRow("2 ranks, 3 pieces and a part") << 2 << 10000 << 3000;
        QTest::newRow("4 ranks, pieces of 7 values") << 4 << 100 << 7;
    }
    void sumsOnEveryRank()
    {
        QFETCH(int, ranks);
        QFETCH(int, values);
        QFETCH(int, capacity);
        auto planes = testing::connectedPlanes(ranks);
        QCOMPARE(int(planes.size()), ranks);
        const size_t before = segmentsInDevShm();
        std::vector<std::unique_ptr<dist::SharedMemoryAllReduce>> groups(
                static_cast<size_t>(ranks));
        std::vector<std::string> errors(static_cast<size_t>(ranks));
        std::vector<std::vector<std::vector<float>>> buffers(
                static_cast<size_t>(ranks)); // [rank][call]
        constexpr int Calls = 3;
        std::vector<std::thread> threads;
        for (int rank = 0; rank < ranks; ++rank)
            threads.emplace_back([&, rank] {
                auto group = dist::SharedMemoryAllReduce::join(
                        *planes[size_t(rank)], size_t(capacity), std::chrono::seconds(10));
                if (!group || !*group) {
                    errors[size_t(rank)] = group ? "no group" : group.error().message();
                    return;
                }
                for (int call = 0; call < Calls; ++call) {
                    std::vector<float> buffer = randomBuffer(size_t(values), rank, call);
                    if (auto done = (*group)->allReduce(buffer); !done) {
                        errors[size_t(rank)] = done.error().message();
                        return;
                    }
                    buffers[size_t(rank)].push_back(std::move(buffer));
                }
                groups[size_t(rank)] = std::move(*group);
            });
        for (auto& t : threads)
            t.join();
        for (const std::string& error : errors)
            QVERIFY2(error.empty(), error.c_str());
        QCOMPARE(segmentsInDevShm(), before); // the name went once all had mapped it
        for (int call = 0; call < Calls; ++call) {
            std::vector<double> expected(size_t(values), 0.0);
            for (int rank = 0; rank < ranks; ++rank) {
                const std::vector<float> mine = randomBuffer(size_t(values), rank, call);
                for (int i = 0; i < values; ++i)
                    expected[size_t(i)] += double(mine[size_t(i)]);
            }
            for (int rank = 0; rank < ranks; ++rank) {
                const std::vector<float>& sum = buffers[size_t(rank)][size_t(call)];
                QVERIFY(sum == buffers[0][size_t(call)]); // the same bits on every rank
                for (int i = 0; i < values; ++i)
                    QVERIFY2(std::abs(double(sum[size_t(i)]) - expected[size_t(i)]) <= 1e-6 * ranks,
                             qPrintable(QString("rank %1, call %2, value %3: %4, not %5")
                                                .arg(rank)
                                                .arg(call)
                                                .arg(i)
                                                .arg(sum[size_t(i)])
                                                .arg(expected[size_t(i)])));
            }
        }
    }

    void ranksNotAllOnThisMachineGetNoGroup()
    {
        auto planes = testing::connectedPlanes(2, false); // over TCP, as between machines
        QCOMPARE(int(planes.size()), 2);
        for (auto& plane : planes) {
            auto group = dist::SharedMemoryAllReduce::join(*plane, 100, std::chrono::seconds(1));
            QVERIFY(group);
            QVERIFY(!*group);
        }
    }

    void aSegmentThatDoesNotFitGivesNoGroup()
    {
        struct statvfs shm
        {};
        QVERIFY(statvfs("/dev/shm", &shm) == 0);
        const size_t freeBytes = size_t(shm.f_bavail) * shm.f_frsize;
        const size_t tooMany = freeBytes / sizeof(float); // (2 + 1) x that: three times too much
        auto planes = testing::connectedPlanes(2);
        QCOMPARE(int(planes.size()), 2);
        std::vector<int> gotGroup(2, -1);
        std::vector<std::thread> threads;
        for (int rank = 0; rank < 2; ++rank)
            threads.emplace_back([&, rank] {
                auto group = dist::SharedMemoryAllReduce::join(*planes[size_t(rank)], tooMany,
                                                               std::chrono::seconds(10));
                gotGroup[size_t(rank)] = group ? int(bool(*group)) : -2;
            });
        for (auto& t : threads)
            t.join();
        QCOMPARE(gotGroup, (std::vector<int> { 0, 0 })); // no error, no group: the ring it is
        QCOMPARE(segmentsInDevShm(), size_t(0));
    }

    void aMissingRankIsNamed()
    {
        auto planes = testing::connectedPlanes(3);
        QCOMPARE(int(planes.size()), 3);
        // Ranks 0 and 1 join and reduce; rank 2 joins, then never reduces.
        std::vector<std::unique_ptr<dist::SharedMemoryAllReduce>> groups(3);
        std::vector<std::thread> threads;
        for (int rank = 0; rank < 3; ++rank)
            threads.emplace_back([&, rank] {
                auto group = dist::SharedMemoryAllReduce::join(*planes[size_t(rank)], 16,
                                                               std::chrono::milliseconds(300));
                if (group)
                    groups[size_t(rank)] = std::move(*group);
            });
        for (auto& t : threads)
            t.join();
        for (const auto& group : groups)
            QVERIFY(group);
        std::vector<std::string> errors(2);
        threads.clear();
        for (int rank = 0; rank < 2; ++rank)
            threads.emplace_back([&, rank] {
                std::vector<float> buffer(16, 1.0f);
                if (auto done = groups[size_t(rank)]->allReduce(buffer); !done)
                    errors[size_t(rank)] = done.error().message();
            });
        for (auto& t : threads)
            t.join();
        for (int rank = 0; rank < 2; ++rank)
            QCOMPARE(QString::fromStdString(errors[size_t(rank)]),
                     QString("rank %1: rank(s) 2 did not reach the shared-memory all-reduce "
                             "within 300 ms")
                             .arg(rank));
    }
};

QTEST_GUILESS_MAIN(TestSharedMemoryAllReduce)
#include "tst_shared_memory_allreduce.moc"
