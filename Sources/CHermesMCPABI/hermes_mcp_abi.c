/* SwiftPM builds a C target only from a source file; the type in the header needs no code. */
#include "hermes_mcp_abi.h"
