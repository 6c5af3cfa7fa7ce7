#include "trace/trace-hw_misc_dsa.h"
