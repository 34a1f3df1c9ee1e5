/*
 * rusage_run.c - run a command and report its wall time and peak RSS.
 *
 * usage: rusage_run [-o FILE] COMMAND [ARG...]
 * The command's stdout and stderr go to FILE (default /dev/null). Prints
 * one line on stdout:
 *   wall_s=SECONDS maxrss_kib=KIB exit=STATUS
 * (exit=sigN if it was killed). Exits 0 if the command ran, whatever its
 * status, 2 if it could not be started. /usr/bin/time may be absent, and
 * wait4() gives ru_maxrss of exactly this child.
 */
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: rusage_run [-o file] command [arg ...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *out = "/dev/null";
	struct rusage ru;
	double t0, t1;
	pid_t pid;
	int c, fd, status;

	while ((c = getopt(argc, argv, "+o:")) != -1) {
		if (c != 'o')
			usage();
		out = optarg;
	}
	if (optind >= argc)
		usage();
	t0 = now();
	if ((pid = fork()) == -1) {
		perror("rusage_run: fork");
		return 2;
	}
	if (pid == 0) {
		if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
		    dup2(fd, STDOUT_FILENO) == -1 ||
		    dup2(fd, STDERR_FILENO) == -1) {
			fprintf(stderr, "rusage_run: %s: %s\n", out,
			    strerror(errno));
			_exit(127);
		}
		close(fd);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "rusage_run: %s: %s\n", argv[optind],
		    strerror(errno));
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) == -1) {
		perror("rusage_run: wait4");
		return 2;
	}
	t1 = now();
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return 2;
	if (WIFSIGNALED(status))
		printf("wall_s=%.6f maxrss_kib=%ld exit=sig%d\n", t1 - t0,
		    ru.ru_maxrss, WTERMSIG(status));
	else
		printf("wall_s=%.6f maxrss_kib=%ld exit=%d\n", t1 - t0,
		    ru.ru_maxrss, WEXITSTATUS(status));
	return 0;
}
