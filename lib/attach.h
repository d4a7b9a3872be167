/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec and shell: one command in a running container, cut off from the
 * caller's terminal, file descriptors and keyrings, with sysctr relaying
 * its input and output. A container module: the one liblxc call it makes
 * is c->attach(). */
#ifndef SYSCTR_ATTACH_H
#define SYSCTR_ATTACH_H

#include <lxc/lxccontainer.h>

#include "context.h"

/* Run argv in the running container c (name: its sysctr name, for the
 * log path) in cwd, with env as its whole environment, and wait for it.
 * The command runs in a session of its own with a new session keyring
 * and only fds 0-2 open: each of them is a pty from the container's
 * devpts where the caller's fd is a terminal, else a pipe that sysctr
 * relays. On 0, *status is the command's exit status (128+N if killed by
 * signal N). When the command could not be run, the call fails with the
 * reason and *status is still set: 127 not found, 126 not executable. */
int sysctr_attach_run(struct sysctr *s, const char *name,
		      struct lxc_container *c, char *const *argv,
		      const char *cwd, char **env, int *status,
		      struct sysctr_error **err);

#endif
