/* buf: placeholder until written */
#include "buf.h"
