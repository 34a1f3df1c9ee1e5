/* Temporary: replaced by the real command in this session. */
#include "verify/cmd.h"
enum outcome
cmd_ekcert(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cmd_error("ekcert: under construction");
	return OUTCOME_ERROR;
}
