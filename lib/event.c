/* event: placeholder until written */
#include "event.h"
