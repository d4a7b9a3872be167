/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Part of the container module (container.h): when a started container
 * is up. The checks of container.conf's autostart.ready:
 *   started      liblxc says RUNNING (start returns then already)
 *   systemd      `systemctl is-system-running` inside says running or
 *                degraded (its bus answers some time after the start:
 *                until then the check simply fails and is tried again)
 *   tcp:PORT     a TCP socket listens on PORT in the container's network
 *                namespace (/proc/PID/net/tcp{,6} of its init, read from
 *                the host: nothing runs inside)
 *   exec:COMMAND `sh -c COMMAND` inside exits 0
 * Each is tried every 200 ms until it passes or the timeout ends; a
 * container that stops meanwhile ends the wait at once. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "container.h"
#include "error.h"
#include "log.h"
#include "util.h"

#define PROBE_INTERVAL_NS (200 * 1000 * 1000)

/* Does a socket listen on port in the netns of pid? */
static bool tcp_listening(pid_t pid, long port)
{
	static const char *const files[] = { "tcp", "tcp6" };

	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *path =
		    xasprintf("/proc/%ld/net/%s", (long)pid, files[i]);
		cleanup_fclose FILE *f = fopen(path, "re");
		char line[512];

		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			char local[128], remote[128];
			unsigned st;
			char *colon;

			/* "  0: 0100007F:1F90 00000000:0000 0A ..." */
			if (sscanf(line, "%*s %127s %127s %x", local, remote,
				   &st) != 3)
				continue;
			colon = strrchr(local, ':');
			if (st == 0x0A && colon != NULL &&
			    strtol(colon + 1, NULL, 16) == port)
				return true;
		}
	}
	return false;
}

/* How a probe's child ends (its exit status). */
enum { PROBE_PASSED = 0, PROBE_FAILED = 1, PROBE_GONE = 3 };

/* Run script with sh inside, fds 0-2 on /dev/null (a probe reads no
 * terminal and prints nothing): 1 it exited 0, 0 not (or it could not
 * run yet), -1 the container is not running.
 *
 * The attach runs in a child of ours. liblxc 5.0's attach can end the
 * process that calls it (an _exit(1) with nothing said) when the
 * container dies in the middle of it: a `start --wait` or an `autostart
 * --boot` that polls then vanished with exit status 1, the boot of every
 * other container with it. In a child, that is one failed probe. */
static int probe_sh(struct sysctr *s, const char *name, const char *kind,
		    const char *script, struct sysctr_error **err)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)script,
			 NULL };
	int ws = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "fork");
	if (pid == 0) {
		struct sysctr_error *e = NULL;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int status = -1;

		for (int i = 0; null >= 0 && i < 3; i++)
			dup2(null, i);
		if (sysctr_ct_exec(s, name, argv, &status, &e) < 0)
			_exit(e != NULL && e->kind == SYSCTR_E_STATE
				  ? PROBE_GONE
				  : PROBE_FAILED);
		_exit(status == 0 ? PROBE_PASSED : PROBE_FAILED);
	}
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "wait for the ready check");
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == PROBE_GONE)
		return sysctr_err(err, SYSCTR_E_STATE, 0,
				  "stopped while waiting to be ready (%s)",
				  kind);
	return WIFEXITED(ws) && WEXITSTATUS(ws) == PROBE_PASSED ? 1 : 0;
}

int sysctr_ct_ready_probe(struct sysctr *s, const char *name, const char *kind,
			  struct sysctr_error **err)
{
	if (!sysctr_ct_is_active(s, name))
		return sysctr_err(err, SYSCTR_E_STATE, 0,
				  "stopped while waiting to be ready (%s)",
				  kind);
	if (strcmp(kind, "started") == 0)
		return 1;
	if (strcmp(kind, "systemd") == 0)
		return probe_sh(s, name, kind,
				"case $(systemctl is-system-running "
				"2>/dev/null) in running|degraded) exit 0;; "
				"esac; exit 1",
				err);
	if (str_starts_with(kind, "exec:"))
		return probe_sh(s, name, kind, kind + strlen("exec:"), err);
	if (str_starts_with(kind, "tcp:")) {
		struct sysctr_ct_live live = { 0 };
		bool up;

		sysctr_ct_live_read(s, name, 0, &live);
		up = live.pid > 1 &&
		     tcp_listening(live.pid, strtol(kind + 4, NULL, 10));
		sysctr_ct_live_clear(&live);
		return up ? 1 : 0;
	}
	return sysctr_err(err, SYSCTR_E_USAGE, 0,
			  "invalid ready check '%s': use started, systemd, "
			  "tcp:PORT or exec:COMMAND",
			  kind);
}

SYSCTR_PUBLIC bool sysctr_ready_check_valid(const char *k)
{
	char *end = NULL;
	long port;

	if (strcmp(k, "started") == 0 || strcmp(k, "systemd") == 0)
		return true;
	if (str_starts_with(k, "exec:"))
		return k[5] != '\0';
	if (!str_starts_with(k, "tcp:") || k[4] < '0' || k[4] > '9')
		return false;
	errno = 0;
	port = strtol(k + 4, &end, 10);
	return *end == '\0' && errno == 0 && port >= 1 && port <= 65535;
}

SYSCTR_PUBLIC int sysctr_ct_wait_ready(struct sysctr *s, const char *name,
				       const char *kind, int timeout_s,
				       struct sysctr_ready_result *res,
				       struct sysctr_error **err)
{
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	cleanup_free char *path = NULL;
	double t0 = now_monotonic(), deadline;
	int ret;

	memset(res, 0, sizeof(*res));
	if (sysctr_ct_must_exist(s, name, err) < 0)
		return -1;
	if (kind == NULL || timeout_s <= 0) {
		path = sysctr_ct_conf_path(s, name);
		if (sysctr_ct_config_load(path, &ct, err) < 0)
			return -1;
		if (kind == NULL)
			kind = ct->autostart.ready ? ct->autostart.ready
						   : "started";
		if (timeout_s <= 0)
			timeout_s = ct->autostart.timeout;
	}
	if (!sysctr_ready_check_valid(kind))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "invalid ready check '%s': use started, "
				  "systemd, tcp:PORT or exec:COMMAND",
				  kind);
	snprintf(res->kind, sizeof(res->kind), "%.*s",
		 (int)sizeof(res->kind) - 1, kind);
	deadline = t0 + timeout_s;
	for (;;) {
		struct timespec ts = { .tv_nsec = PROBE_INTERVAL_NS };

		ret = sysctr_ct_ready_probe(s, name, kind, err);
		if (ret < 0)
			return -1;
		res->seconds = now_monotonic() - t0;
		if (ret > 0)
			return 0;
		if (now_monotonic() >= deadline)
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "not ready after %d s (%s)",
					  timeout_s, kind);
		nanosleep(&ts, NULL);
	}
}
