/* Prints the vpn.data key checks (sstp-keys.c key_specs) for the test that
 * compares them with the Swift option table (Tests/e2e/test_docs.py). */
#include "../sstp-keys.h"

int
main(void)
{
    sstp_key_specs_dump(stdout);
    return 0;
}
