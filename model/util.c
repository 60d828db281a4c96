/* util.c - small helpers every module uses (see util.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
