/* Temporary: replaced by the real command in this session. */
#include "verify/cmd.h"
enum outcome
cmd_quote(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cmd_error("quote: under construction");
	return OUTCOME_ERROR;
}
