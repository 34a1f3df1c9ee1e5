/* Temporary: replaced by the real command in this session. */
#include "verify/cmd.h"
enum outcome
cmd_ima(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cmd_error("ima: under construction");
	return OUTCOME_ERROR;
}
