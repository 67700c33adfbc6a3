/* A plugin that check-symbols.sh must refuse: it calls glibc's error()
 * where pppd's was meant, uses a symbol pppd does not have, and exports
 * an extra function. Built only by `make test`, to show the check fails. */
#include <error.h>

extern void no_such_pppd_function(void);

char pppd_version[] = "2.4.9";

void plugin_init(void)
{
	error(0, 0, "this binds to error@GLIBC");
	no_such_pppd_function();
}

void extra_export(void)
{
}
