/* vty: placeholder until written */
#include "vty.h"
