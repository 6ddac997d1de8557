/* Prints every status constant of the public header, for comparison with the Swift side; with
 * -DHERMES_MCP through hermesmcp.h, linked with libhermesmcp.so. */
#ifdef HERMES_MCP
#include <hermesmcp.h>
#else
#include <hermesoauth.h>
#endif
#include <stdio.h>

int main(void) {
    printf("HERMES_OK=%d\n", HERMES_OK);
    printf("HERMES_EINVAL=%d\n", HERMES_EINVAL);
    printf("HERMES_ENOTFOUND=%d\n", HERMES_ENOTFOUND);
    printf("HERMES_ENEEDS_LOGIN=%d\n", HERMES_ENEEDS_LOGIN);
    printf("HERMES_ENETWORK=%d\n", HERMES_ENETWORK);
    printf("HERMES_EPROTOCOL=%d\n", HERMES_EPROTOCOL);
    printf("HERMES_EIO=%d\n", HERMES_EIO);
    printf("HERMES_ETIMEOUT=%d\n", HERMES_ETIMEOUT);
    printf("HERMES_EDENIED=%d\n", HERMES_EDENIED);
    return (int)sizeof(hermes_status) == 4 ? 0 : 1;
}
