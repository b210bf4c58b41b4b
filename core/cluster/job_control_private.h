// What job_control.cpp and job_control_records.cpp share. Internal to core/cluster.
#pragma once

#include "store/job_types.h"

#include <chrono>
#include <string>

namespace ts::cluster {

inline double unixNow()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
            .count();
}

inline std::string jobName(const store::JobRecord& job)
{
    return "job " + std::to_string(job.id);
}

} // namespace ts::cluster
