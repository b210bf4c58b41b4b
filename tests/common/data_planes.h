// Test support: the data planes of a job's ranks as threads of the test, on loopback, secured
// with one fresh job key pair (dist/data_plane.h), connected to each other: through the
// same-host Unix sockets, or with `sameHost` false over TCP with CURVE as between machines.
#pragma once

#include "dist/data_plane.h"

#include <QtCore/QtGlobal>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ts::testing {

// One connected data plane per rank; empty when something failed (with a warning).
inline std::vector<std::unique_ptr<dist::DataPlane>> connectedPlanes(int ranks,
                                                                     bool sameHost = true)
{
    auto keys = net::generateKeyPair();
    std::vector<std::unique_ptr<dist::DataPlane>> planes;
    std::vector<std::string> endpoints;
    for (int rank = 0; rank < ranks; ++rank) {
        auto plane = dist::DataPlane::bind("127.0.0.1", *keys, rank, ranks, sameHost);
        if (!plane) {
            qWarning("%s", plane.error().message().c_str());
            return {};
        }
        endpoints.push_back((*plane)->endpoint());
        planes.push_back(std::move(*plane));
    }
    std::vector<std::thread> threads;
    std::atomic<int> failures { 0 };
    for (auto& plane : planes)
        threads.emplace_back([&, p = plane.get()] {
            if (auto connected = p->connect(endpoints, std::chrono::seconds(20), nullptr);
                !connected) {
                qWarning("%s", connected.error().message().c_str());
                ++failures;
            }
        });
    for (auto& t : threads)
        t.join();
    if (failures > 0)
        planes.clear();
    return planes;
}

} // namespace ts::testing
