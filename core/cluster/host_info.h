// What an agent tells the coordinator about its machine when it registers: host name, the CPUs
// this process may use, memory, and, under Slurm, the SLURM_* variables of its allocation (so the
// studio can show which job and node an agent is). GPUs (name, memory total and free) are listed
// through the CUDA plugin when the machine has the plugin, a driver and a GPU.
#pragma once

#include "net/trainstudio.pb.h"

#include <string>

namespace ts::cluster {

// The REGISTER body of this machine for agent `agentId`.
wire::Register describeHost(const std::string& agentId);

} // namespace ts::cluster
