/* main.c - entry point of the ldfi command. */
#include <malloc.h>

#include "src/cli/cli.h"

int main(int argc, char **argv)
{
	/* Each fill of the explorer's solver allocates and frees arrays of a
	 * few hundred KiB (one entry per fault variable: over ten thousand at
	 * 60 nodes). glibc's defaults hand such memory back to the kernel on
	 * free (heap trim, munmap) and fault it in again on the next fill:
	 * 36,000 brk calls in 15 s of a 63-node explore. Keep it for reuse:
	 * a third of the system time on 3 x 3, 5% more executions a minute
	 * at 63 nodes, for a peak up to a few MiB higher (docs/performance.md). */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	return ldfi_cli_main(argc, argv);
}
