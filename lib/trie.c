/* trie: placeholder until written */
#include "trie.h"
