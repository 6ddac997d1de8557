/*
 * CHermesOAuthABI: the C API's opaque handle type, for the Swift side of libhermesoauth (HermesOAuthC).
 *
 * Complete only so that Swift spells a pointer to it UnsafeMutablePointer<hermes_oauth> (and the
 * generated HermesOAuthC-Swift.h `hermes_oauth *`); none is ever allocated. The pointers
 * libhermesoauth hands out are encoded ids, never dereferenced and never reused (HandleTable.swift),
 * so a stale or foreign pointer is an error, never a crash. C users see it as an incomplete type
 * (include/hermesoauth.h).
 */
#ifndef HERMES_OAUTH_ABI_H
#define HERMES_OAUTH_ABI_H

typedef struct hermes_oauth {
    unsigned char reserved;
} hermes_oauth;

#endif /* HERMES_OAUTH_ABI_H */
