/*
 * util.h - small helpers every module uses: growing arrays, hashing
 * strings, making directories. Private to ldfi (not installed).
 */
#ifndef LDFI_MODEL_UTIL_H
#define LDFI_MODEL_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Grow the array whose pointer is at `arr` (any object pointer type; its
 * elements `size` bytes, *cap of them) so that it holds at least `need`
 * elements, doubling from `first` (or from *cap). Returns 0, or
 * LDFI_ENOMEM with the array and *cap unchanged (also when the byte count
 * would overflow).
 */
int ldfi_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first);

/* FNV-1a hash of a NUL-terminated string (32 bits, for hash tables). */
uint32_t ldfi_hash_str(const char *s);

/* FNV-1a hash of n ints, a word at a time (32 bits, for hash tables of
 * variable sets and keys). */
uint32_t ldfi_hash_ints(const int *v, size_t n);

/* FNV-1a (64 bits) of n bytes, continuing from `h` (start with
 * LDFI_HASH64_INIT): for digests of file contents. */
#define LDFI_HASH64_INIT 1469598103934665603ull
uint64_t ldfi_hash64(uint64_t h, const void *p, size_t n);

/* mkdir -p: create `dir` and its missing parents (mode 0777 & ~umask).
 * Returns 0, or -1 with errno set (ENAMETOOLONG for a path over 4095
 * bytes, ENOENT for ""). */
int ldfi_mkdir_p(const char *dir);

#endif
