/*
 * cmd_global.c - options of dossier(1) that come before the subcommand
 * and are shared by the subcommands (see cmd.h).
 */
#include <stddef.h>

#include "verify/cmd.h"
#include "verify/store.h"

static const char *store_option;

void
cmd_set_store_option(const char *path)
{
	store_option = path;
}

const char *
cmd_store_path(void)
{
	return store_option;
}

int
cmd_store_open(int mode, struct store **out)
{
	char path[STORE_PATH_MAX];
	struct errbuf e;

	*out = NULL;
	if (store_resolve_path(store_option, path, sizeof(path), &e) == -1) {
		cmd_error("store: %s", e.msg);
		return -1;
	}
	if (store_open(path, (enum store_mode)mode, out, &e) == -1) {
		/* store_open() names the path itself. */
		cmd_error("%s", e.msg);
		return -1;
	}
	return 0;
}
