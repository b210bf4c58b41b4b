#include "store/experiment_store.h"
