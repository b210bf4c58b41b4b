#include "common/heap_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ts::common {

void keepLargeBlocksInHeap(size_t keptBytes)
{
#if defined(__GLIBC__)
    // Blocks up to a quarter of what is kept come from the heap; the heap's top is returned to
    // the system only beyond keptBytes.
    mallopt(M_MMAP_THRESHOLD, int(keptBytes / 4));
    mallopt(M_TRIM_THRESHOLD, int(keptBytes));
#else
    (void)keptBytes;
#endif
}

} // namespace ts::common
