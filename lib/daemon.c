/* daemon: placeholder until written */
#include "daemon.h"
