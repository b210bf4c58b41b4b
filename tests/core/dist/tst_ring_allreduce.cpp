// Ring all-reduce (dist/ring_allreduce.h) between ranks as threads, each with its own data plane
// on loopback secured with one job key pair: for 2, 3 and 4 ranks and buffers from empty to 1 M
// values (both the direct and the ring path), every rank ends with the sum of all ranks' buffers
// (within float rounding of the sum in double) and all ranks hold the same bits. A buffer whose
// size differs between ranks is refused with a message naming the rank.
#include "common/data_planes.h"
#include "common/random_values.h"
#include "dist/data_plane.h"
#include "dist/ring_allreduce.h"

#include <QtTest/QTest>

#include <cmath>
#include <cstring>
#include <thread>

using namespace ts;

namespace {

std::vector<float> randomBuffer(size_t n, int rank)
{
    return testing::uniformValues(n, uint32_t(1000 + rank));
}

} // namespace

class TestRingAllReduce final : public QObject
{
    Q_OBJECT

private slots:
    void sumsOnEveryRank_data()
    {
        QTest::addColumn<int>("ranks");
        QTest::addColumn<int>("values");
        QTest::addColumn<bool>("sameHost");
        for (int ranks : { 2, 3, 4 })
            for (int values : { 0, 1, 5, 1000, 4096, 65537, 1 << 20 })
                QTest::addRow("%d ranks, %d values (%s)", ranks, values,
                              size_t(values) * 4 < dist::SmallMessageBytes ? "direct" : "ring")
                        << ranks << values << true;
        // As between machines: TCP with CURVE.
        for (int values : { 5, 65537 })
            QTest::addRow("3 ranks over TCP and CURVE, %d values", values) << 3 << values << false;
    }
    void sumsOnEveryRank()
    {
        QFETCH(int, ranks);
        QFETCH(int, values);
        QFETCH(bool, sameHost);
        auto planes = testing::connectedPlanes(ranks, sameHost);
        QCOMPARE(int(planes.size()), ranks);
        for (const auto& plane : planes)
            QCOMPARE(plane->peersOnThisMachine(), sameHost ? ranks - 1 : 0);
        std::vector<std::vector<float>> buffers;
        std::vector<double> expected(static_cast<size_t>(values), 0.0);
        for (int rank = 0; rank < ranks; ++rank) {
            buffers.push_back(randomBuffer(size_t(values), rank));
            for (int i = 0; i < values; ++i)
                expected[size_t(i)] += double(buffers.back()[size_t(i)]);
        }
        std::vector<std::thread> threads;
        std::vector<std::string> errors(static_cast<size_t>(ranks));
        for (int rank = 0; rank < ranks; ++rank)
            threads.emplace_back([&, rank] {
                auto done =
                        dist::ringAllReduce(*planes[size_t(rank)], buffers[size_t(rank)], "test");
                if (!done)
                    errors[size_t(rank)] = done.error().message();
            });
        for (auto& t : threads)
            t.join();
        for (const std::string& error : errors)
            QVERIFY2(error.empty(), error.c_str());
        for (int i = 0; i < values; ++i) {
            const double got = buffers[0][size_t(i)];
            const double want = expected[size_t(i)];
            if (std::abs(got - want) > 1e-5 * std::max(1.0, std::abs(want)))
                QFAIL(qPrintable(QString("value %1: %2, the sum is %3").arg(i).arg(got).arg(want)));
        }
        for (int rank = 1; rank < ranks; ++rank)
            QVERIFY(values == 0
                    || std::memcmp(buffers[0].data(), buffers[size_t(rank)].data(),
                                   size_t(values) * sizeof(float))
                            == 0);
    }

    void whatARankSentBeforeClosingArrives()
    {
        // A worker's last message ("done", its last gradient chunk) is sent right before its
        // process ends: closing the data plane must not drop it. 20 rounds, 1 MB each.
        for (int round = 0; round < 20; ++round) {
            auto planes = testing::connectedPlanes(2);
            QCOMPARE(planes.size(), size_t(2));
            const std::vector<float> last(1 << 18, float(round));
            QVERIFY(planes[0]->send(1, "last", last));
            planes[0].reset(); // rank 0 ends at once
            auto got = planes[1]->receive(0, "last", std::chrono::seconds(20));
            QVERIFY2(got, got ? "" : got.error().message().c_str());
            QCOMPARE(got->values.size(), last.size());
            QCOMPARE(got->values.back(), float(round));
        }
    }

    void buffersOfDifferentSizesAreRefused()
    {
        auto planes = testing::connectedPlanes(2);
        QCOMPARE(planes.size(), size_t(2));
        std::vector<float> a(10, 1.0f), b(12, 1.0f);
        std::string errorA, errorB;
        std::thread other([&] {
            auto done = dist::ringAllReduce(*planes[1], b, "mismatch", std::chrono::seconds(5));
            errorB = done ? "" : done.error().message();
        });
        auto done = dist::ringAllReduce(*planes[0], a, "mismatch", std::chrono::seconds(5));
        errorA = done ? "" : done.error().message();
        other.join();
        QVERIFY2(errorA.find("rank 1 sent 12 values, 10 expected") != std::string::npos,
                 errorA.c_str());
        QVERIFY2(errorB.find("rank 0 sent 10 values, 12 expected") != std::string::npos,
                 errorB.c_str());
    }
};

QTEST_GUILESS_MAIN(TestRingAllReduce)
#include "tst_ring_allreduce.moc"
