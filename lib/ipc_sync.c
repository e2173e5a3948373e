/* ipc_sync: placeholder until written */
#include "ipc_sync.h"
