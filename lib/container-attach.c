/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec and shell. liblxc's attach alone hands the command whatever the
 * caller has: its terminal (a TIOCSTI from inside types into the host
 * shell), every open fd (a directory fd reaches the host's tree) and its
 * session keyring. So the attached process gets none of them: sysctr
 * passes it pipes (and /dev/null), relays them itself, and the process,
 * before its exec, closes every other fd, starts a session of its own
 * with a new session keyring and, where the caller has a terminal, opens
 * a pty from the container's own devpts as its controlling terminal. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#include "container-attach.h"
#include "error.h"
#include "util.h"

/* ---- inside: the attached process, from liblxc's setup to the exec --- */

/* What the attached process reports through a CLOEXEC pipe: that it runs
 * (liblxc's part went well), then the step that failed with its errno.
 * Nothing more arrives once the exec succeeded. */
enum step {
	STEP_STARTED = 0,
	STEP_FDS,
	STEP_SESSION,
	STEP_KEYRING,
	STEP_PTY,
	STEP_USER,
	STEP_NOUSER, /* not an errno: the user is not in /etc/passwd */
	STEP_CWD,
	STEP_EXEC,
};

static const char *const step_names[] = {
	[STEP_FDS] = "close inherited files",
	[STEP_SESSION] = "new session",
	[STEP_KEYRING] = "new session keyring",
	[STEP_PTY] = "terminal inside",
	[STEP_USER] = "switch user",
	[STEP_CWD] = "change to the working directory",
};

struct report {
	int step;
	int err;
};

struct child {
	char *const *argv;
	const char *user; /* a name or uid of the container's; NULL: root */
	const char *cwd;  /* NULL: the user's home, "/" without one */
	int report_fd;	  /* write end of the report pipe, CLOEXEC */
	int pty_sock;	  /* sends the pty's master to sysctr; -1: no pty */
	bool on_pty[3];	  /* which of fds 0-2 become the pty */
	bool have_tio, have_ws;
	struct termios tio; /* the caller's terminal, copied to the pty */
	struct winsize ws;
};

static void report(const struct child *a, int step, int e)
{
	struct report r = { step, e };
	ssize_t n;

	/* Smaller than PIPE_BUF: one write, whole or not at all. */
	n = write(a->report_fd, &r, sizeof(r));
	(void)n;
}

static int child_fail(const struct child *a, int step)
{
	int e = errno;

	report(a, step, e);
	if (step == STEP_EXEC)
		return e == ENOENT ? 127 : 126;
	return EXIT_FAILURE;
}

/* Close fds lo..hi, hi included. */
static int close_fds(unsigned int lo, unsigned int hi)
{
	long max;

	if (lo > hi)
		return 0;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0)
		max = 65536;
	for (unsigned long fd = lo; fd <= hi && fd < (unsigned long)max; fd++)
		close((int)fd);
	return 0;
}

/* Every fd above 2 but the two the process still needs, which are
 * CLOEXEC and go at the exec: liblxc 5.0 leaves the caller's open, and a
 * directory fd of the host would reach the host's tree from inside. */
static int close_other_fds(int a, int b)
{
	int keep[2] = { a < b ? a : b, a < b ? b : a };
	unsigned int lo = 3;

	for (int i = 0; i < 2; i++) {
		if (keep[i] < 3)
			continue;
		if (close_fds(lo, (unsigned int)keep[i] - 1) < 0)
			return -1;
		lo = (unsigned int)keep[i] + 1;
	}
	return close_fds(lo, ~0U);
}

/* A session keyring of its own, as liblxc gives a container's init: the
 * caller's (keys of an admin's login, of a sudo session) stays outside. */
static int new_session_keyring(void)
{
	int e;

	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) >= 0)
		return 0;
	e = errno;
	/* No keyrings in this kernel, or keyctl() refused outright by the
	 * container's seccomp policy (LXC's way is ENOSYS): then the command
	 * cannot reach the caller's keyring either. Anything else (a quota,
	 * an LSM) fails closed. */
	if (e == ENOSYS)
		return 0;
	if (syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING,
		    0) < 0 &&
	    errno == e)
		return 0;
	errno = e;
	return -1;
}

static int send_fd(int sock, int fd)
{
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* A pty from the container's own devpts becomes the controlling terminal
 * and those of fds 0-2 that are a terminal on the caller's side; its
 * master goes to sysctr, which relays it to the caller's terminal. A
 * TIOCSTI from the command lands in this pty's input, read by the
 * command itself. */
static int child_pty(const struct child *a)
{
	cleanup_close int master = -1;
	cleanup_close int peer = -1;
	int unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 && errno == ENOENT)
		master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return -1;
	/* From the master itself, never by a path (Linux 4.13). */
	peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (peer < 0)
		return -1;
	if (a->have_tio && tcsetattr(peer, TCSANOW, &a->tio) < 0)
		return -1;
	if (a->have_ws && ioctl(peer, TIOCSWINSZ, &a->ws) < 0)
		return -1;
	if (ioctl(peer, TIOCSCTTY, 0) < 0)
		return -1;
	if (send_fd(a->pty_sock, master) < 0)
		return -1;
	for (int fd = 0; fd < 3; fd++)
		if (a->on_pty[fd] && dup2(peer, fd) < 0)
			return -1;
	return 0;
}

/* The container's passwd entry of user (a name, or a uid that may have
 * none), read from its files with fgetpwent(): no NSS module of the
 * container is loaded into this process. */
static bool passwd_of(const char *user, struct passwd *out, char *buf,
		      size_t len)
{
	FILE *f = fopen("/etc/passwd", "re");
	char *end = NULL;
	unsigned long uid = strtoul(user, &end, 10);
	bool numeric = *user != '\0' && *end == '\0' && uid < UINT32_MAX;
	struct passwd *pw;
	bool found = false;

	while (f != NULL && (pw = fgetpwent(f)) != NULL)
		if (numeric ? pw->pw_uid == uid
			    : strcmp(pw->pw_name, user) == 0) {
			int n = snprintf(buf, len, "%s%c%s", pw->pw_name, 0,
					 pw->pw_dir);

			if (n < 0 || (size_t)n >= len)
				break;
			*out = *pw;
			out->pw_name = buf;
			out->pw_dir = buf + strlen(buf) + 1;
			found = true;
			break;
		}
	if (f != NULL)
		fclose(f);
	if (!found && numeric) {
		/* a bare uid: its own group, no home */
		snprintf(buf, len, "%s%c/", user, 0);
		memset(out, 0, sizeof(*out));
		out->pw_uid = out->pw_gid = (uid_t)uid;
		out->pw_name = buf;
		out->pw_dir = buf + strlen(buf) + 1;
		found = true;
	}
	return found;
}

/* Become user (its groups from the container's /etc/group), with HOME,
 * USER and LOGNAME its own, in its home unless a cwd was given. */
static int child_user(const struct child *a)
{
	char buf[4096];
	gid_t groups[64];
	size_t n = 0;
	struct passwd pw;
	struct group *gr;
	FILE *f;

	if (!passwd_of(a->user, &pw, buf, sizeof(buf))) {
		report(a, STEP_NOUSER, 0);
		return -2;
	}
	groups[n++] = pw.pw_gid;
	f = fopen("/etc/group", "re");
	while (f != NULL && (gr = fgetgrent(f)) != NULL && n < 64)
		for (char **m = gr->gr_mem; m && *m; m++)
			if (strcmp(*m, pw.pw_name) == 0 &&
			    gr->gr_gid != pw.pw_gid) {
				groups[n++] = gr->gr_gid;
				break;
			}
	if (f != NULL)
		fclose(f);
	if (setgroups(n, groups) < 0 || setgid(pw.pw_gid) < 0 ||
	    setuid(pw.pw_uid) < 0)
		return -1;
	if (setenv("HOME", pw.pw_dir, 0) < 0 ||
	    setenv("USER", pw.pw_name, 0) < 0 ||
	    setenv("LOGNAME", pw.pw_name, 0) < 0)
		return -1;
	if (a->cwd == NULL && chdir(pw.pw_dir) < 0 && chdir("/") < 0)
		return -1;
	return 0;
}

/* Runs in the container, after liblxc's setup; returns only on failure
 * (the exit status of the attached process). */
static int attached_main(void *data)
{
	const struct child *a = data;
	sigset_t none;

	report(a, STEP_STARTED, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (close_other_fds(a->report_fd, a->pty_sock) < 0)
		return child_fail(a, STEP_FDS);
	/* Away from the caller's session and controlling terminal. */
	if (setsid() < 0)
		return child_fail(a, STEP_SESSION);
	if (new_session_keyring() < 0)
		return child_fail(a, STEP_KEYRING);
	if (a->pty_sock >= 0 && child_pty(a) < 0)
		return child_fail(a, STEP_PTY);
	if (a->user != NULL) {
		int r = child_user(a);

		if (r == -2)
			return EXIT_FAILURE;
		if (r < 0)
			return child_fail(a, STEP_USER);
	}
	/* here, not by liblxc, which only warns when it cannot */
	if (a->cwd != NULL && chdir(a->cwd) < 0)
		return child_fail(a, STEP_CWD);
	execvp(a->argv[0], a->argv);
	return child_fail(a, STEP_EXEC);
}

/* ---- outside: sysctr relaying the caller's fds 0-2 ------------------- */

#define RELAY_BUF 16384

struct relay {
	pid_t pid;
	bool exited;
	int wstatus;
	int sig_fd;
	int master; /* the pty's master; -1 without a pty */
	int tty;    /* the caller's terminal, for its size; -1 */
	/* the caller's stdin to the command */
	int in_from, in_to;
	bool in_seekable, in_eof;
	size_t in_len, in_off;
	char in_buf[RELAY_BUF];
	/* the command's stdout and stderr pipes, its pty, to the caller */
	struct {
		int from, to;
	} out[3];
};

/* One attach: what sysctr holds from before liblxc's fork to the end. */
struct session {
	struct child child;
	struct relay relay;
	int child_fd[3]; /* the command's fds 0-2, given to liblxc */
	int report_rd;
	int sock; /* receives the pty's master */
	int sock_child;
	bool raw;
	struct termios saved; /* the caller's stdin before raw mode */
	sigset_t old_mask;
	struct sigaction old_pipe;
	bool signals_taken;
};

/* Forget one of the relay's fds; close it unless it is the caller's
 * (0-2) or the master, which serves two directions and is closed last. */
static void drop(struct relay *r, int *fd)
{
	if (*fd > 2 && *fd != r->master)
		close(*fd);
	*fd = -1;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

/* Whole buffer to one of the caller's fds, blocking as a direct write
 * would (it may be non-blocking: then wait for room). */
static void relay_in(struct relay *r, bool readable, bool writable)
{
	ssize_t n;

	if (r->in_len == 0 && readable) {
		n = read(r->in_from, r->in_buf, sizeof(r->in_buf));
		if (n > 0) {
			r->in_len = (size_t)n;
			r->in_off = 0;
			writable = true; /* non-blocking: just try */
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			/* EOF of the caller's stdin is the command's: its
			 * pipe closes, once read empty where the caller's
			 * input can seek (see relay_unread); a pty has no
			 * EOF to pass on. */
			r->in_from = -1;
			r->in_eof = true;
			if (!r->in_seekable)
				drop(r, &r->in_to);
		}
	}
	if (r->in_len > 0 && writable) {
		n = write(r->in_to, r->in_buf + r->in_off, r->in_len);
		if (n > 0) {
			r->in_off += (size_t)n;
			r->in_len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			/* The command closed its stdin: what is left stays
			 * unread. */
			r->in_from = -1;
			drop(r, &r->in_to);
		}
	}
}

static int pipe_queued(int fd)
{
	int queued = 0;

	if (fd < 0 || ioctl(fd, FIONREAD, &queued) < 0)
		return 0;
	return queued;
}

/* The relay reads ahead of the command. Where the caller's stdin is a
 * file, what the command did not read is given back by seeking, so that
 * `while read x; do sysctr exec ...; done <file` keeps its lines, as it
 * would if the command had the file itself. From a pipe, read ahead is
 * gone, as with ssh: such a loop gives exec </dev/null. */
static void relay_unread(struct relay *r)
{
	off_t back;

	if (!r->in_seekable)
		return;
	back = (off_t)r->in_len + pipe_queued(r->in_to);
	if (back > 0)
		lseek(0, -back, SEEK_CUR);
}

/* Read at most max bytes of output i and pass them on; returns the
 * number read, 0 when there is nothing (more). */
static size_t relay_out(struct relay *r, int i, size_t max)
{
	char buf[RELAY_BUF];
	ssize_t n;

	n = read(r->out[i].from, buf, max < sizeof(buf) ? max : sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		/* EOF, or EIO: nothing holds the pty's other end any more. */
		drop(r, &r->out[i].from);
		return 0;
	}
	if (r->out[i].to >= 0 && write_all(r->out[i].to, buf, (size_t)n) < 0) {
		/* The caller's end is gone (a closed pipe): the command's
		 * next write fails as it would without sysctr between. The
		 * pty is still read, and its output dropped, so that the
		 * command never blocks on it. */
		r->out[i].to = -1;
		if (r->out[i].from != r->master)
			drop(r, &r->out[i].from);
	}
	return (size_t)n;
}

static void relay_reap(struct relay *r)
{
	if (!r->exited && waitpid(r->pid, &r->wstatus, WNOHANG) == r->pid)
		r->exited = true;
}

static void relay_signals(struct relay *r)
{
	struct signalfd_siginfo si;
	struct winsize ws;

	while (read(r->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig == SIGCHLD) {
			relay_reap(r);
		} else if (sig == SIGWINCH) {
			if (r->tty >= 0 && r->master >= 0 &&
			    ioctl(r->tty, TIOCGWINSZ, &ws) == 0)
				ioctl(r->master, TIOCSWINSZ, &ws);
		} else if (!r->exited && r->pid > 1) {
			/* The command leads its own process group, as a
			 * job of the caller's shell would: the signal the
			 * caller got goes to that group; before its setsid
			 * there is none yet, then to the process. */
			if (kill(-r->pid, sig) < 0 && errno == ESRCH)
				kill(r->pid, sig);
		}
	}
}

/* The command has exited: what it wrote is in its pipes already and
 * is passed on; what a background process of its writes later is not
 * waited for, since that may hold the pipes open for ever. */
static void relay_drain(struct relay *r)
{
	for (int i = 0; i < 3; i++) {
		double deadline = now_monotonic() + 0.5;
		int avail = 0;

		if (r->out[i].from < 0)
			continue;
		if (r->out[i].from != r->master) {
			if (ioctl(r->out[i].from, FIONREAD, &avail) < 0)
				continue;
			while (avail > 0 && r->out[i].from >= 0) {
				size_t n = relay_out(r, i, (size_t)avail);

				if (n == 0)
					break;
				avail -= (int)n;
			}
			continue;
		}
		/* A pty hands output to its master through a kernel work
		 * queue, a moment after the write: wait briefly for the
		 * rest. Once nothing holds its other end, the master reads
		 * EIO after the last byte and nothing is waited for. */
		while (r->out[i].from >= 0 && now_monotonic() < deadline) {
			struct pollfd p = { .fd = r->master, .events = POLLIN };

			if (poll(&p, 1, 50) <= 0)
				break;
			relay_out(r, i, RELAY_BUF);
		}
	}
}

static void relay_loop(struct relay *r)
{
	relay_reap(r);
	while (!r->exited) {
		struct pollfd p[6];
		int ix_in = -1, ix_to = -1, ix_out[3] = { -1, -1, -1 };
		int timeout = -1;
		nfds_t n = 0;

		/* After EOF of a seekable stdin, the command's pipe closes
		 * once it is read empty: a pipe tells no one when that is,
		 * so look every 20 ms. */
		if (r->in_eof && r->in_to >= 0 && r->in_len == 0) {
			if (pipe_queued(r->in_to) == 0)
				drop(r, &r->in_to);
			else
				timeout = 20;
		}

		p[n++] = (struct pollfd){ .fd = r->sig_fd, .events = POLLIN };
		if (r->in_from >= 0 && r->in_len == 0) {
			ix_in = (int)n;
			p[n++] = (struct pollfd){ .fd = r->in_from,
						  .events = POLLIN };
		}
		if (r->in_to >= 0 && r->in_len > 0) {
			ix_to = (int)n;
			p[n++] = (struct pollfd){ .fd = r->in_to,
						  .events = POLLOUT };
		}
		for (int i = 0; i < 3; i++) {
			if (r->out[i].from < 0)
				continue;
			ix_out[i] = (int)n;
			p[n++] = (struct pollfd){ .fd = r->out[i].from,
						  .events = POLLIN };
		}
		if (poll(p, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return; /* the caller waits without relaying */
		}
		if (p[0].revents != 0)
			relay_signals(r);
		if ((ix_in >= 0 && p[ix_in].revents != 0) ||
		    (ix_to >= 0 && p[ix_to].revents != 0))
			relay_in(r, ix_in >= 0 && p[ix_in].revents != 0,
				 ix_to >= 0 && p[ix_to].revents != 0);
		for (int i = 0; i < 3; i++)
			if (ix_out[i] >= 0 && p[ix_out[i]].revents != 0 &&
			    r->out[i].from >= 0)
				relay_out(r, i, RELAY_BUF);
	}
	relay_drain(r);
}

/* ---- one attach, step by step ---------------------------------------- */

static void session_init(struct session *ss, char *const *argv)
{
	memset(ss, 0, sizeof(*ss));
	ss->child.argv = argv;
	ss->child.report_fd = -1;
	ss->child.pty_sock = -1;
	ss->report_rd = ss->sock = ss->sock_child = -1;
	ss->relay.pid = -1;
	ss->relay.sig_fd = ss->relay.master = ss->relay.tty = -1;
	ss->relay.in_from = ss->relay.in_to = -1;
	for (int i = 0; i < 3; i++) {
		ss->child_fd[i] = -1;
		ss->relay.out[i].from = ss->relay.out[i].to = -1;
	}
}

/* The caller's stdout and stderr are one (2>&1)? */
static bool same_output(void)
{
	struct stat a, b;

	return fstat(1, &a) == 0 && fstat(2, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino && fcntl(1, F_GETFL) == fcntl(2, F_GETFL);
}

/* The pipe for the command's fd i, not a terminal on the caller's side. */
static int session_pipe(struct session *ss, int i, struct sysctr_error **err)
{
	struct relay *r = &ss->relay;
	int p[2];

	/* Where the caller's stdout and stderr are one, so are the
	 * command's: its lines keep the order it wrote them in, which two
	 * pipes relayed one after the other would not. */
	if (i == 2 && !ss->child.on_pty[1] && same_output()) {
		ss->child_fd[2] = fcntl(ss->child_fd[1], F_DUPFD_CLOEXEC, 3);
		if (ss->child_fd[2] < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno, "dup");
		return 0;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "pipe");
	ss->child_fd[i] = p[i == 0 ? 0 : 1];
	if (i == 0) {
		r->in_from = 0;
		r->in_to = p[1];
		r->in_seekable = lseek(0, 0, SEEK_CUR) >= 0;
	} else {
		r->out[i - 1].from = p[0];
		r->out[i - 1].to = i;
	}
	if (set_nonblock(p[i == 0 ? 1 : 0]) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "pipe");
	return 0;
}

/* The caller's side of the command's fds 0-2: where the caller has a
 * terminal, the pty (and /dev/null until the pty replaces it inside);
 * else a pipe, whose other end is sysctr's. Output that goes to a file
 * or a pipe thus never passes a pty: no \r\n for \n, no echo in it, no
 * need to clear ONLCR/OPOST inside, and the command sees a terminal
 * exactly where its caller has one. */
static int session_fds(struct session *ss, struct sysctr_error **err)
{
	bool any = false;
	int p[2];

	for (int i = 0; i < 3; i++) {
		if (fcntl(i, F_GETFD) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "fd %d of sysctr", i);
		ss->child.on_pty[i] = isatty(i);
		any = any || ss->child.on_pty[i];
	}
	for (int i = 0; i < 3; i++) {
		if (!ss->child.on_pty[i]) {
			if (session_pipe(ss, i, err) < 0)
				return -1;
			continue;
		}
		ss->child_fd[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (ss->child_fd[i] < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "/dev/null");
	}
	if (any && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "socketpair");
	if (any) {
		ss->sock = p[0];
		ss->sock_child = ss->child.pty_sock = p[1];
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "pipe");
	ss->report_rd = p[0];
	ss->child.report_fd = p[1];
	return 0;
}

/* The pty takes the caller's terminal settings and size. */
static void session_tty(struct session *ss)
{
	for (int i = 0; i < 3; i++) {
		if (!ss->child.on_pty[i])
			continue;
		ss->relay.tty = i;
		ss->child.have_tio = tcgetattr(i, &ss->child.tio) == 0;
		ss->child.have_ws = ioctl(i, TIOCGWINSZ, &ss->child.ws) == 0;
		break;
	}
}

static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return -1;
	c = n < 0 ? NULL : CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -2;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (!isatty(fd) || set_nonblock(fd) < 0) {
		close(fd);
		return -2;
	}
	return fd;
}

/* The pty's master, once the attached process has made it: -1 if it
 * ended before (its report says why), -2 if what came is no terminal. */
static int session_pty(struct session *ss)
{
	struct relay *r = &ss->relay;
	int master = recv_fd(ss->sock);

	if (master < 0)
		return master;
	r->master = master;
	if (ss->child.on_pty[0]) {
		r->in_from = 0;
		r->in_to = master;
	}
	/* The pty's output goes to the caller's terminal, whichever of its
	 * fds that is (echo included, when only stdin is one). */
	for (int i = 1; i <= 3; i++) {
		if (ss->child.on_pty[i % 3]) {
			r->out[2].from = master;
			r->out[2].to = i % 3;
			break;
		}
	}
	/* Keys go to the pty as they are typed; its own line discipline
	 * echoes and edits, and turns Ctrl-C into SIGINT inside. */
	if (ss->child.on_pty[0] && tcgetattr(0, &ss->saved) == 0) {
		struct termios raw = ss->saved;

		cfmakeraw(&raw);
		ss->raw = tcsetattr(0, TCSADRAIN, &raw) == 0;
	}
	return 0;
}

/* From here on signals are the relay's: SIGCHLD ends it, SIGWINCH
 * resizes the pty, the others are passed on to the command. */
static int session_signals(struct session *ss, struct sysctr_error **err)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &set, &ss->old_mask) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "sigprocmask");
	/* A closed pipe of the caller's is an error to handle, not death. */
	sigaction(SIGPIPE, &ign, &ss->old_pipe);
	ss->signals_taken = true;
	ss->relay.sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (ss->relay.sig_fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "signalfd");
	return 0;
}

/* Close what is left, give the terminal and the signals back. */
static void session_end(struct session *ss)
{
	struct relay *r = &ss->relay;

	if (ss->raw)
		tcsetattr(0, TCSADRAIN, &ss->saved);
	if (ss->signals_taken) {
		sigaction(SIGPIPE, &ss->old_pipe, NULL);
		sigprocmask(SIG_SETMASK, &ss->old_mask, NULL);
	}
	drop(r, &r->in_to);
	for (int i = 0; i < 3; i++) {
		drop(r, &r->out[i].from);
		close_p(&ss->child_fd[i]);
	}
	close_p(&r->master);
	close_p(&r->sig_fd);
	close_p(&ss->report_rd);
	close_p(&ss->child.report_fd);
	close_p(&ss->sock);
	close_p(&ss->sock_child);
}

/* The fds the command got through liblxc are its own now. */
static void session_attached(struct session *ss)
{
	for (int i = 0; i < 3; i++)
		close_p(&ss->child_fd[i]);
	close_p(&ss->child.report_fd);
	close_p(&ss->sock_child);
	ss->child.pty_sock = -1;
}

static int session_outcome(struct session *ss, const char *log, int *status,
			   struct sysctr_error **err)
{
	struct report rep[2], got = { -1, 0 };
	const char *cmd = ss->child.argv[0];
	size_t have = 0;
	int ws = ss->relay.wstatus;

	for (;;) {
		ssize_t n =
		    read(ss->report_rd, (char *)rep + have, sizeof(rep) - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	if (have >= sizeof(rep[0]))
		got = rep[have / sizeof(rep[0]) - 1];
	if (got.step < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "attach: liblxc failed (log: %s)", log);
	if (got.step == STEP_EXEC) {
		*status = got.err == ENOENT ? 127 : 126;
		if (got.err == ENOENT && strchr(cmd, '/') == NULL)
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "%s: command not found", cmd);
		return sysctr_err(err, SYSCTR_E_FAILED, got.err, "%s", cmd);
	}
	if (got.step == STEP_NOUSER)
		return sysctr_err(err, SYSCTR_E_NOT_FOUND, 0,
				  "cannot start %s: no user \"%s\" in the "
				  "container's /etc/passwd",
				  cmd, ss->child.user);
	if (got.step != STEP_STARTED)
		return sysctr_err(err, SYSCTR_E_FAILED, got.err,
				  "cannot start %s: %s", cmd,
				  step_names[got.step]);
	if (WIFEXITED(ws))
		*status = WEXITSTATUS(ws);
	else if (WIFSIGNALED(ws))
		*status = 128 + WTERMSIG(ws);
	else
		*status = EXIT_FAILURE;
	return 0;
}

/* liblxc 5.0's attach runs its first steps in the calling process, and
 * when one fails because the container died under it (its cgroup gone)
 * it ends that process: exit_group(1), nothing said. So the attach runs
 * in a helper child that only hands back the attached process's pid; the
 * attached process (liblxc clones it as the helper's child) comes to us
 * when the helper exits, as we are a subreaper for that moment. -1 when
 * liblxc failed or ended the helper. */
static pid_t attach_guarded(struct lxc_container *c, struct child *child,
			    lxc_attach_options_t *opts)
{
	pid_t pid = -1, helper;
	int was = 0, p[2];
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	prctl(PR_GET_CHILD_SUBREAPER, &was);
	if (!was)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	fflush(stdout);
	fflush(stderr);
	helper = fork();
	if (helper == 0) {
		pid_t got = -1;

		close(p[0]);
		if (c->attach(c, attached_main, child, opts, &got) < 0)
			got = -1;
		n = write(p[1], &got, sizeof(got));
		_exit(n == (ssize_t)sizeof(got) ? 0 : 1);
	}
	close(p[1]);
	if (helper > 0) {
		do
			n = read(p[0], &pid, sizeof(pid));
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(pid))
			pid = -1;
		while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
			;
	}
	close(p[0]);
	if (!was)
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	return pid;
}

static int session_run(struct session *ss, struct lxc_container *c,
		       const char *log, lxc_attach_options_t *opts, int *status,
		       struct sysctr_error **err)
{
	struct relay *r = &ss->relay;
	pid_t pid = -1;
	bool bad_pty;

	if (session_fds(ss, err) < 0)
		return -1;
	session_tty(ss);
	opts->stdin_fd = ss->child_fd[0];
	opts->stdout_fd = ss->child_fd[1];
	opts->stderr_fd = ss->child_fd[2];
	pid = attach_guarded(c, &ss->child, opts);
	if (pid <= 0)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "attach: liblxc failed (log: %s)", log);
	r->pid = pid;
	session_attached(ss);
	bad_pty = ss->sock >= 0 && session_pty(ss) == -2;
	if (bad_pty || session_signals(ss, err) < 0) {
		/* Not left running unrelayed. It is our child, not yet
		 * reaped, so the pid is still its own. */
		if (pid > 1)
			kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (bad_pty)
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "the command got no terminal inside");
		return -1;
	}
	relay_loop(r);
	relay_unread(r);
	while (!r->exited) {
		if (waitpid(pid, &r->wstatus, 0) == pid)
			r->exited = true;
		else if (errno != EINTR)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "wait for the command");
	}
	return session_outcome(ss, log, status, err);
}

int sysctr_attach_run(struct lxc_container *c, const char *log,
		      char *const *argv, const char *user, const char *cwd,
		      char **env, int *status, struct sysctr_error **err)
{
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	struct session *ss = xmalloc(sizeof(*ss));
	int ret;

	session_init(ss, argv);
	ss->child.user = user;
	ss->child.cwd = cwd != NULL ? cwd : user != NULL ? NULL : "/";
	/* The host's environment stays on the host. */
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.extra_env_vars = env;
	/* The host's working directory means nothing inside; the one asked
	 * for is entered by the command itself, as the user it runs as. */
	opts.initial_cwd = (char *)"/";
	ret = session_run(ss, c, log, &opts, status, err);
	session_end(ss);
	free(ss);
	return ret;
}
