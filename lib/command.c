/* command: placeholder until written */
#include "command.h"
