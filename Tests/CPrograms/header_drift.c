/* Compiled together with the Swift-generated header: any declaration in include/hermesoauth.h
 * (or, with -DHERMES_MCP, include/hermesmcp.h) that disagrees with the Swift export of the same
 * name is a "conflicting types" error. */
#ifdef HERMES_MCP
#include <hermesmcp.h>
#include "HermesMCPC-Swift.h"
#else
#include <hermesoauth.h>
#include "HermesOAuthC-Swift.h"
#endif
