// Broken invariants abort with file:line, as GGML_ASSERT does: they are our bugs, not user errors,
// and continuing would corrupt a model or a store.
#pragma once

#include <cstdio>
#include <cstdlib>

#define TS_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "%s:%d: TrainStudio internal error: assertion '%s' failed\n",     \
                         __FILE__, __LINE__, #cond);                                               \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)
