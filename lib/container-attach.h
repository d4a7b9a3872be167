/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec and shell: one command in a running container, cut off from the
 * caller's terminal, file descriptors and keyrings, with sysctr relaying
 * its input and output. Part of the container module (container.h): the
 * one liblxc call it makes is c->attach(). */
#ifndef SYSCTR_CONTAINER_ATTACH_H
#define SYSCTR_CONTAINER_ATTACH_H

#include "container-lxc.h"

/* Run argv in the running container c (log: its liblxc log, named in an
 * error) in cwd, with env as its whole environment, and wait for it; as
 * user (a name or uid from the container's /etc/passwd, its groups from
 * its /etc/group, HOME, USER and LOGNAME its own, in its home when cwd
 * is NULL) when user is not NULL; in "/" with neither. No such user:
 * SYSCTR_E_NOT_FOUND; a cwd it cannot enter fails the call.
 * The command runs in a session of its own with a new session keyring
 * and only fds 0-2 open: each of them is a pty from the container's
 * devpts where the caller's fd is a terminal, else a pipe that sysctr
 * relays. On 0, *status is the command's exit status (128+N if killed by
 * signal N). When the command could not be run, the call fails with the
 * reason and *status is still set: 127 not found, 126 not executable. */
int sysctr_attach_run(struct lxc_container *c, const char *log,
		      char *const *argv, const char *user, const char *cwd,
		      char **env, int *status, struct sysctr_error **err);

#endif
