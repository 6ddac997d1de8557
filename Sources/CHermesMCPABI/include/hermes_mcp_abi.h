/*
 * CHermesMCPABI: the opaque handle type of libhermesmcp's C API, for its Swift side (HermesMCPC).
 *
 * Complete only so that Swift spells a pointer to it UnsafeMutablePointer<hermes_mcp> (and the
 * generated HermesMCPC-Swift.h `hermes_mcp *`); none is ever allocated. The pointers handed out
 * are encoded ids, never dereferenced and never reused (HandleTable.swift in HermesOAuthC). C users
 * see an incomplete type (include/hermesmcp.h).
 */
#ifndef HERMES_MCP_ABI_H
#define HERMES_MCP_ABI_H

typedef struct hermes_mcp {
    unsigned char reserved;
} hermes_mcp;

#endif /* HERMES_MCP_ABI_H */
