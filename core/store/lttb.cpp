#include "store/lttb.h"
