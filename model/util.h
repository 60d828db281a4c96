/*
 * util.h - small helpers every module uses: growing arrays, hashing
 * strings, making directories. Private to ldfi (not installed).
 */
#ifndef LDFI_MODEL_UTIL_H
#define LDFI_MODEL_UTIL_H

#include <stdbool.h>
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

/* CLOCK_MONOTONIC in milliseconds: what the run deadlines of isolated runs,
 * process stages and the live engine are measured in. */
int64_t ldfi_now_ms(void);

/* FNV-1a hash of a NUL-terminated string (32 bits, for hash tables). */
uint32_t ldfi_hash_str(const char *s);

/* FNV-1a hash of n ints, a word at a time (32 bits, for hash tables of
 * variable sets and keys). */
uint32_t ldfi_hash_ints(const int *v, size_t n);

/* FNV-1a (64 bits) of n bytes, continuing from `h` (start with
 * LDFI_HASH64_INIT): for digests of file contents. */
#define LDFI_HASH64_INIT 1469598103934665603ull
uint64_t ldfi_hash64(uint64_t h, const void *p, size_t n);

/* ldfi_hash64 of the whole contents of the file at `path`, in *h. Returns 0,
 * or -1 with errno set. */
int ldfi_hash_file(const char *path, uint64_t *h);

/*
 * Whether `a` and `b` name the same file: the same device and inode when
 * both exist (symbolic links followed), else the same directory entry (the
 * real path of the parent directory and the last component equal; lexically
 * when a parent does not exist either). For refusing to write a report over
 * the provenance database.
 */
bool ldfi_same_file(const char *a, const char *b);

/* The absolute directory of the file at `path` ("/" for a file at the
 * root), malloc'd (the caller's), or NULL with errno set (no such file,
 * ENOMEM): where a conf's relative paths are taken from. */
char *ldfi_dir_of(const char *path);

/* mkdir -p: create `dir` and its missing parents (mode 0777 & ~umask).
 * Returns 0, or -1 with errno set (ENAMETOOLONG for a path over 4095
 * bytes, ENOENT for ""). */
int ldfi_mkdir_p(const char *dir);

/*
 * Split `s` into words as a POSIX shell would, without running one (no
 * expansion of variables, globs or ~; no operators): words are separated by
 * blanks; inside '...' every byte is literal; inside "..." a backslash
 * escapes only \ " $ ` and a newline; elsewhere a backslash escapes the
 * next byte. `s` has no comment: the conf reader removed what follows '#'.
 * On success stores a NULL-terminated array of at least one word in *argv
 * (free with ldfi_argv_free) and returns 0. Returns LDFI_EINVAL with the
 * reason in `why` ("unterminated quote", "no words"), or LDFI_ENOMEM;
 * *argv is then NULL.
 */
int ldfi_shell_split(const char *s, char ***argv, char *why, size_t whylen);

/* Free an array from ldfi_shell_split; NULL is accepted. */
void ldfi_argv_free(char **argv);

#endif
