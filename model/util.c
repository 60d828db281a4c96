/* util.c - small helpers every module uses (see util.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ldfi/ldfi.h"
#include "model/util.h"

int ldfi_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t c = *cap ? *cap : first ? first : 1;
	void *a, *p;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return LDFI_ENOMEM;
		c *= 2;
	}
	if (size && c > SIZE_MAX / size)
		return LDFI_ENOMEM;
	memcpy(&a, arr, sizeof(a));
	if (!(p = realloc(a, c * size)))
		return LDFI_ENOMEM;
	memcpy(arr, &p, sizeof(p));
	*cap = c;
	return 0;
}

uint32_t ldfi_hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

uint32_t ldfi_hash_ints(const int *v, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint32_t)v[i]) * 16777619u;
	return h;
}

uint64_t ldfi_hash64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

int ldfi_mkdir_p(const char *dir)
{
	char buf[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(buf)) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

int ldfi_hash_file(const char *path, uint64_t *h)
{
	char buf[65536];
	uint64_t x = LDFI_HASH64_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC), saved;
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto err_read;
		x = ldfi_hash64(x, buf, (size_t)n);
	}
	close(fd);
	*h = x;
	return 0;

err_read:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Append component `c` (n bytes) to the absolute path in buf, lexically:
 * "." is skipped, ".." drops the last component. */
static void push_component(char *buf, size_t len, const char *c, size_t n)
{
	size_t at = strlen(buf);

	if (n == 0 || (n == 1 && c[0] == '.'))
		return;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		char *slash = strrchr(buf, '/');

		if (slash)
			*(slash == buf ? slash + 1 : slash) = '\0';
		return;
	}
	snprintf(buf + at, len - at, "%s%.*s", at && buf[at - 1] == '/' ? "" : "/", (int)n, c);
}

/* `path` as an absolute path: its longest leading part that exists
 * resolved by realpath (symbolic links followed), the rest normalised
 * lexically. */
static void resolve_path(const char *path, char *buf, size_t len)
{
	char head[PATH_MAX];
	size_t cut = strlen(path);

	for (;;) {
		snprintf(head, sizeof(head), "%.*s", (int)cut, path);
		if (realpath(cut ? head : path[0] == '/' ? "/" : ".", buf))
			break;
		if (cut == 0) {
			snprintf(buf, len, "/");
			break;
		}
		while (cut > 0 && path[cut - 1] != '/')
			cut--;
		while (cut > 0 && path[cut - 1] == '/')
			cut--;
	}
	for (const char *p = path + cut; *p;) {
		size_t n = strcspn(p, "/");

		push_component(buf, len, p, n);
		p += n + (p[n] == '/');
	}
}

bool ldfi_same_file(const char *a, const char *b)
{
	char pa[PATH_MAX], pb[PATH_MAX];
	struct stat sa, sb;

	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	resolve_path(a, pa, sizeof(pa));
	resolve_path(b, pb, sizeof(pb));
	return strcmp(pa, pb) == 0;
}

void ldfi_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int ldfi_shell_split(const char *s, char ***argv, char *why, size_t whylen)
{
	size_t len = strlen(s), n = 0, cap = 0;
	char **v = NULL, *w = malloc(len + 1);
	int rc = LDFI_ENOMEM;

	*argv = NULL;
	if (!w)
		return LDFI_ENOMEM;
	for (const char *p = s;;) {
		size_t k = 0;
		bool word = false;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			word = true;
			if (*p == '\'') {
				const char *q = strchr(p + 1, '\'');

				if (!q) {
					snprintf(why, whylen, "unterminated ' quote");
					rc = LDFI_EINVAL;
					goto err_words;
				}
				memcpy(w + k, p + 1, (size_t)(q - p - 1));
				k += (size_t)(q - p - 1);
				p = q + 1;
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1] && strchr("\\\"$`\n", p[1]))
						p++;
					w[k++] = *p;
				}
				if (!*p) {
					snprintf(why, whylen, "unterminated \" quote");
					rc = LDFI_EINVAL;
					goto err_words;
				}
				p++;
			} else if (*p == '\\') {
				if (p[1])
					w[k++] = p[1], p += 2;
				else
					p++; /* a trailing backslash continues nothing */
			} else {
				w[k++] = *p++;
			}
		}
		if (!word)
			continue;
		if (ldfi_grow(&v, &cap, n + 2, sizeof(*v), 4))
			goto err_words;
		if (!(v[n] = malloc(k + 1)))
			goto err_words;
		memcpy(v[n], w, k);
		v[n][k] = 0;
		v[++n] = NULL;
	}
	if (!n) {
		snprintf(why, whylen, "no words");
		rc = LDFI_EINVAL;
		goto err_words;
	}
	free(w);
	*argv = v;
	return 0;

err_words:
	ldfi_argv_free(v);
	free(w);
	return rc;
}

char *ldfi_dir_of(const char *path)
{
	char *dir = realpath(path, NULL), *slash;

	if (dir && (slash = strrchr(dir, '/')))
		*slash = slash == dir ? (slash[1] = 0, '/') : 0;
	return dir;
}

int64_t ldfi_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
