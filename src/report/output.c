/*
 * output.c - how every report file is written (report.h): into a temporary
 * file beside it, flushed to disk, then renamed over it, so that a reader,
 * a crash or a kill -9 never sees half a report and a good report is only
 * ever replaced by a complete one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldfi/ldfi.h"
#include "model/util.h"
#include "src/report/report.h"

/* Create the directories `path` lies in, when missing. 0 or -1 (errno). */
static int make_parent(const char *path)
{
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	int rc = 0;

	if (!dir) {
		errno = ENOMEM;
		return -1;
	}
	if (slash && slash != dir) {
		*slash = '\0';
		rc = ldfi_mkdir_p(dir);
	}
	free(dir);
	return rc;
}

int ldfi_report_write_file(const char *path, int (*write)(FILE *f, const void *arg),
			   const void *arg, char *err, size_t errlen)
{
	char *tmp;
	FILE *f = NULL;
	int fd, rc;

	if (make_parent(path)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return LDFI_EIO;
	}
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, ldfi_strerror(LDFI_ENOMEM));
		return LDFI_ENOMEM;
	}
	if ((fd = mkstemp(tmp)) < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return LDFI_EIO;
	}
	/* mkstemp makes it 0600; a report is as readable as any new file. */
	{
		mode_t mask = umask(0);

		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	errno = 0;
	if ((rc = write(f, arg))) {
		snprintf(err, errlen, "cannot write %s: %s", path, ldfi_strerror(rc));
		fclose(f);
	} else {
		int bad = fflush(f) || ferror(f) || fsync(fd), e = errno;

		if (fclose(f) && !bad) {
			bad = 1;
			e = errno;
		}
		if (bad || rename(tmp, path)) {
			snprintf(err, errlen, "cannot write %s: %s", path,
				 strerror(bad ? (e ? e : EIO) : errno));
			rc = LDFI_EIO;
		}
	}
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}
