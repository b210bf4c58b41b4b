#include "store/metric_writer.h"
