/* frame: placeholder until written */
#include "frame.h"
