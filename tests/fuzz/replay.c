/*
 * replay.c - the replay driver of the fuzz targets: a main() that feeds
 * every file of the corpus directories (or files) named on the command line
 * to LLVMFuzzerTestOneInput(), once each, in name order. Linked with one
 * fuzz_*.c by any C compiler, it runs the saved corpus and regressions under
 * `meson test --suite fuzz` without libFuzzer (docs/fuzzing.md).
 *
 * Each input is read into a buffer of exactly its size, so that a sanitizer
 * sees any read past its end. When an input makes the target abort or die,
 * its path is printed on stderr. Exit status: 0 when every input ran, 1 when
 * a path cannot be read or holds no input, 2 for a usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Provided by the sanitizer runtimes (gcc's and clang's), absent otherwise. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static const char *current; /* the input being run */

static void say_current(void)
{
	static const char head[] = "replay: while running ";

	if (!current)
		return;
	if (write(2, head, sizeof(head) - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, "\n", 1) < 0)
		return;
}

static void on_signal(int sig)
{
	say_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	long size;
	char *buf;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	buf = malloc(size ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	current = path;
	LLVMFuzzerTestOneInput((const uint8_t *)buf, (size_t)size);
	current = NULL;
	free(buf);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of `dir` whose name does not start with '.'. */
static int run_dir(const char *dir, int *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, *path;
	size_t n = 0, cap = 0, i;
	struct stat st;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*v));

			if (!v) {
				rc = -1;
				break;
			}
			names = v;
		}
		if (!(names[n] = strdup(e->d_name))) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (names)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && !rc; i++) {
		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			rc = -1;
			break;
		}
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			rc = run_file(path);
			*count += !rc;
		}
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc)
		fprintf(stderr, "replay: %s: cannot list\n", dir);
	return rc;
}

int main(int argc, char **argv)
{
	struct stat st;
	int count, total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(say_current);
	signal(SIGABRT, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);
	for (int i = 1; i < argc; i++) {
		count = 0;
		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) : run_file(argv[i]))
			return 1;
		if (!S_ISDIR(st.st_mode))
			count = 1;
		printf("%s: %d input%s\n", argv[i], count, count == 1 ? "" : "s");
		total += count;
	}
	if (!total) {
		fprintf(stderr, "replay: no input\n");
		return 1;
	}
	printf("replayed %d inputs\n", total);
	return 0;
}
