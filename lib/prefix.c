/* prefix: placeholder until written */
#include "prefix.h"
