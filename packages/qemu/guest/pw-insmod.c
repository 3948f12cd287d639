/*
 * pw-insmod FILE [PARAMS...]: load a module with a single finit_module(2), as kmod's insmod does.
 * busybox's insmod falls back to init_module(2) when finit_module fails, so a module that refuses to
 * load runs its init twice and the kernel logs its refusal twice: the selftests' logs would differ.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len = 1;
	char *params;
	int fd, i;

	if (argc < 2) {
		fprintf(stderr, "usage: pw-insmod FILE [PARAMS...]\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		len += strlen(argv[i]) + 1;
	params = calloc(1, len);
	if (!params)
		return 1;
	for (i = 2; i < argc; i++) {
		if (i > 2)
			strcat(params, " ");
		strcat(params, argv[i]);
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "pw-insmod: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (syscall(SYS_finit_module, fd, params, 0) != 0) {
		fprintf(stderr, "pw-insmod: could not insert %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}
