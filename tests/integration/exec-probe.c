/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Run by exec-isolation.sh inside a busybox container, built static on
 * the host. What a hostile command would try from inside:
 *   tiocsti TEXT   push TEXT into the input of the terminal on fd 0
 *   key DESC       find the user key DESC from the session keyring and
 *                  print it (exit 0), or say it is not there (exit 1)
 *   fds            list the open fds above 2 ("none": exit 0) */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int tiocsti(const char *text)
{
	int pushed = 0, refused = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (ioctl(0, TIOCSTI, p) == 0)
			pushed++;
		else
			refused++;
	}
	printf("pushed %d, refused %d\n", pushed, refused);
	return EXIT_SUCCESS;
}

static int key(const char *desc)
{
	char buf[256] = { 0 };
	long id, n;

	id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING,
		     "user", desc, 0);
	if (id < 0) {
		printf("no key %s: %s\n", desc, strerror(errno));
		return EXIT_FAILURE;
	}
	n = syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof(buf) - 1);
	printf("key %s found: %s\n", desc, n > 0 ? buf : "(unreadable)");
	return EXIT_SUCCESS;
}

static int fds(void)
{
	int open_fds = 0;

	for (int fd = 3; fd < 4096; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		printf("%d\n", fd);
		open_fds++;
	}
	if (open_fds == 0)
		printf("none\n");
	return open_fds == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "tiocsti") == 0)
		return tiocsti(argv[2]);
	if (argc == 3 && strcmp(argv[1], "key") == 0)
		return key(argv[2]);
	if (argc == 2 && strcmp(argv[1], "fds") == 0)
		return fds();
	fprintf(stderr, "usage: exec-probe tiocsti TEXT | key DESC | fds\n");
	return 2;
}
