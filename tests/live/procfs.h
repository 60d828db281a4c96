/*
 * procfs.h - what a live test counts in /proc: this process's children
 * (zombies among them) and its open file descriptors. Header-only, for
 * test_supervisor.c and test_live_process.c.
 */
#ifndef LDFI_TESTS_LIVE_PROCFS_H
#define LDFI_TESTS_LIVE_PROCFS_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Children of this process, zombies included: how many, and how many are
 * zombies in *zombies (unless NULL). */
static int children(int *zombies)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (zombies)
		*zombies = 0;
	while ((e = readdir(d))) {
		char path[300], buf[512], *p, state;
		FILE *f;
		int ppid;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2, "%c %d", &state, &ppid) == 2 && ppid == getpid()) {
			n++;
			if (zombies)
				*zombies += state == 'Z';
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

#endif
