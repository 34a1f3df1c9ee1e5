/* fileio.c - see fileio.h. */
#include "format/fileio.h"

#include "format/escape.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A path as messages show it: escaped (format/escape.h), since a file
 * name may hold any byte but '/' and NUL. */
#define SHOWN_PATH_MAX	1024

static int
read_fd(int fd, const char *path, size_t max, uint8_t **out, size_t *len,
    struct errbuf *e)
{
	size_t cap = 0, n = 0;
	uint8_t *buf = NULL, *nb;
	ssize_t r;

	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			if (cap > max) {
				free(buf);
				return err_set(e, "%s: larger than the limit of %zu bytes",
				    path, max);
			}
			if (ncap > max + 1)
				ncap = max + 1;
			if ((nb = realloc(buf, ncap + 1)) == NULL) {
				free(buf);
				return err_set(e, "%s: out of memory", path);
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return err_set(e, "%s: %s", path, strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(buf);
			return err_set(e, "%s: larger than the limit of %zu bytes",
			    path, max);
		}
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return err_set(e, "%s: out of memory", path);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int
file_read(const char *path, size_t max, uint8_t **out, size_t *len,
    struct errbuf *e)
{
	char shown[SHOWN_PATH_MAX];
	int fd, rc;
	struct stat st;

	if (strcmp(path, "-") == 0)
		return read_fd(STDIN_FILENO, "<stdin>", max, out, len, e);
	esc_str(path, ESC_FIELD, shown, sizeof(shown));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(e, "%s: %s", shown, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, "%s: is a directory", shown);
	}
	rc = read_fd(fd, shown, max, out, len, e);
	close(fd);
	return rc;
}

int
fd_write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
file_write_atomic(const char *path, const uint8_t *data, size_t len,
    struct errbuf *e)
{
	char tmp[4096], dir[4096], shown[SHOWN_PATH_MAX];
	int fd, dfd;

	if (strcmp(path, "-") == 0) {
		if (fd_write_all(STDOUT_FILENO, data, len) != 0)
			return err_set(e, "<stdout>: %s", strerror(errno));
		return 0;
	}
	esc_str(path, ESC_FIELD, shown, sizeof(shown));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp))
		return err_set(e, "%s: path too long", shown);
	if ((fd = mkstemp(tmp)) < 0)
		return err_set(e, "%s: cannot create temporary file: %s", shown,
		    strerror(errno));
	if (fd_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		err_set(e, "%s.tmp: %s", shown, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		err_set(e, "%s: %s", shown, strerror(errno));
		unlink(tmp);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}
