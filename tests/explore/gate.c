/*
 * gate.c - a plugin check built twice (tests/explore/meson.build): as
 * gate_pass.so it holds in every run, as gate_fail.so (-DGATE_FAIL) it fails
 * in every run. identity.sh swaps one for the other under the same file
 * name, as a user rebuilding a plugin does, and checks that an exploration
 * of the first is never reused for the second.
 */
#include <ldfi/stage.h>

int gate(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
	 struct ldfi_check_result *res);

int gate(struct ldfi_trace *tr, const struct ldfi_trace *ff, int check,
	 struct ldfi_check_result *res)
{
	(void)tr;
	(void)ff;
	(void)check;
#ifdef GATE_FAIL
	res->passed = 0;
#else
	res->passed = 1;
#endif
	return 0;
}
