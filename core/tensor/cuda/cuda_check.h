// CUDA_CHECK and CUBLAS_CHECK: abort with file:line, the failed call and the error's name, as
// ggml-cuda/common.cuh does. A failing CUDA call inside an op is a broken invariant (or a lost
// device): the training step cannot continue, and the message is what a bug report needs.
//
// Plain C++17: included by the host .cpp and by the .cu kernel files alike.
#pragma once

#include <cublas_api.h>       // for cublasStatus_t, cublasGetStatusName
#include <cuda_runtime_api.h> // for cudaError_t, cudaGetErrorName

#include <cstdio>
#include <cstdlib>

namespace ts::tensor::cuda_impl {

[[noreturn]] inline void abortOnCudaError(const char* call, const char* name, const char* text,
                                          const char* file, int line)
{
    int device = -1;
    cudaGetDevice(&device); // best effort: the device may be the thing that failed
    std::fprintf(stderr, "%s:%d: TrainStudio CUDA error on device %d: %s failed: %s (%s)\n", file,
                 line, device, call, name, text);
    std::abort();
}

} // namespace ts::tensor::cuda_impl

#define CUDA_CHECK(call)                                                                           \
    do {                                                                                           \
        const cudaError_t tsCudaError_ = (call);                                                   \
        if (tsCudaError_ != cudaSuccess)                                                           \
            ::ts::tensor::cuda_impl::abortOnCudaError(#call, cudaGetErrorName(tsCudaError_),       \
                                                      cudaGetErrorString(tsCudaError_), __FILE__,  \
                                                      __LINE__);                                   \
    } while (false)

#define CUBLAS_CHECK(call)                                                                         \
    do {                                                                                           \
        const cublasStatus_t tsBlasStatus_ = (call);                                               \
        if (tsBlasStatus_ != CUBLAS_STATUS_SUCCESS)                                                \
            ::ts::tensor::cuda_impl::abortOnCudaError(#call, cublasGetStatusName(tsBlasStatus_),   \
                                                      cublasGetStatusString(tsBlasStatus_),        \
                                                      __FILE__, __LINE__);                         \
    } while (false)

// Kernel launches report configuration errors only through cudaGetLastError.
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())
