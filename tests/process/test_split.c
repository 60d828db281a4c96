/*
 * test_split.c - ldfi_shell_split (model/util.c): the words of a process
 * stage's `command`, split as a POSIX shell would without running one.
 */
#include <stdlib.h>

#include "ldfi/ldfi.h"
#include "model/util.h"
#include "test.h"

/* Split `s` and compare with the words in `want` (NULL-terminated). */
static void same(const char *s, const char *const *want)
{
	char **v = NULL, why[100];
	int rc = ldfi_shell_split(s, &v, why, sizeof(why)), i;

	CHECK(rc == 0);
	for (i = 0; rc == 0 && want[i]; i++)
		CHECK_STR(v[i], want[i]);
	CHECK(rc != 0 || v[i] == NULL);
	ldfi_argv_free(v);
}

static void bad(const char *s, const char *reason)
{
	char **v = (char **)1, why[100] = "";

	CHECK(ldfi_shell_split(s, &v, why, sizeof(why)) == LDFI_EINVAL);
	CHECK(v == NULL);
	CHECK_STR(why, reason);
}

int main(void)
{
	same("python3 enrich.py", (const char *const[]){"python3", "enrich.py", NULL});
	same("  a \t b  ", (const char *const[]){"a", "b", NULL});
	same("'a b' \"c d\" e\\ f", (const char *const[]){"a b", "c d", "e f", NULL});
	same("'it''s' x\"y\"z", (const char *const[]){"its", "xyz", NULL});
	same("\"a \\\"q\\\" \\\\ \\n $HOME\"", (const char *const[]){"a \"q\" \\ \\n $HOME", NULL});
	same("'\\n' ''", (const char *const[]){"\\n", "", NULL});
	same("node --stack-size=100 s.js",
	     (const char *const[]){"node", "--stack-size=100", "s.js", NULL});
	same("a\\", (const char *const[]){"a", NULL});
	bad("python3 'enrich.py", "unterminated ' quote");
	bad("python3 \"enrich.py", "unterminated \" quote");
	bad("   ", "no words");
	bad("", "no words");
	return test_done();
}
