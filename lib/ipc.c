/* ipc: placeholder until written */
#include "ipc.h"
