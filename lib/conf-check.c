/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value checks of sysctr.conf and container.conf, run by libconfuse as
 * validation callbacks while it parses: a value is refused where it is
 * written, never later where it is used. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "conf.h"
#include "conf-check.h"
#include "conf-parse.h"
#include "conf-scan.h"
#include "error.h"
#include "names.h"
#include "util.h"

/* The least resources.memory (but 0, no limit) a container boots with. */
#define MEMORY_MIN ((int64_t)16 << 20)

/* Integer bounds, by key, for both files (their keys do not overlap). */
static const struct {
	const char *key;
	long min, max;
} ranges[] = {
	{ "autostart.order", -1000000, 1000000 },
	{ "autostart.delay", 0, 3600 },
	{ "autostart.timeout", 1, 3600 },
	{ "resources.pids", 0, 4194304 },
	{ "resources.cpu_weight", 0, 10000 },
	{ "resources.io_weight", 0, 10000 },
	{ "snapshots.keep_hourly", 0, 10000 },
	{ "snapshots.keep_daily", 0, 10000 },
	{ "snapshots.keep_weekly", 0, 10000 },
	{ "snapshots.keep_monthly", 0, 10000 },
	{ "timeouts.stop", 0, 3600 },
	{ "timeouts.start", 0, 3600 },
	{ "timeouts.lock", 0, 86400 },
	{ "idmap.base", 1, 4294967294L },
	{ "idmap.size", 1, 4294967295L },
};

bool sysctr_conf_range(const char *key, long *min, long *max)
{
	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++)
		if (strcmp(key, ranges[i].key) == 0) {
			*min = ranges[i].min;
			*max = ranges[i].max;
			return true;
		}
	return false;
}

bool sysctr_conf_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* The string value of opt, or NULL after reporting a control character
 * (a newline in a value would become a line of the liblxc config). */
static const char *text_of(cfg_t *cfg, cfg_opt_t *opt, unsigned i)
{
	const char *s = cfg_opt_getnstr(opt, i);

	if (s == NULL)
		return "";
	if (sysctr_conf_has_control(s)) {
		sysctr_conf_invalid(cfg, opt,
				    "control characters are not allowed");
		return NULL;
	}
	return s;
}

int sysctr_conf_v_text(cfg_t *cfg, cfg_opt_t *opt)
{
	return text_of(cfg, opt, 0) ? 0 : -1;
}

int sysctr_conf_v_range(cfg_t *cfg, cfg_opt_t *opt)
{
	cleanup_free char *key = sysctr_conf_key_of(cfg, opt->name);
	long n = cfg_opt_getnint(opt, 0);

	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++)
		if (strcmp(key, ranges[i].key) == 0 &&
		    (n < ranges[i].min || n > ranges[i].max))
			return sysctr_conf_invalid(
			    cfg, opt, "%ld is out of range (%ld to %ld)", n,
			    ranges[i].min, ranges[i].max);
	return 0;
}

static int choice(cfg_t *cfg, cfg_opt_t *opt, const char *const *choices,
		  size_t n, const char *hint)
{
	const char *s = text_of(cfg, opt, 0);

	if (s == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, choices[i]) == 0)
			return 0;
	return sysctr_conf_invalid(cfg, opt, "invalid value '%.40s': use %s", s,
				   hint);
}

int sysctr_conf_v_ct_mode(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const c[] = { "", "none", "bridge" };

	return choice(cfg, opt, c, ARRAY_SIZE(c),
		      "none or bridge (or \"\" for sysctr.conf's)");
}

/* Template, release and arch reach template scripts as arguments. */
int sysctr_conf_v_token(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = text_of(cfg, opt, 0);

	if (s == NULL)
		return -1;
	if (*s != '\0' && !sysctr_token_valid(s))
		return sysctr_conf_invalid(
		    cfg, opt,
		    "invalid name '%.40s': use lower-case letters, "
		    "digits, '.', '_' and '-'",
		    s);
	return 0;
}

bool sysctr_conf_valid_word(const char *s, size_t max)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

	return n > 0 && n <= max && s[n] == '\0';
}

int sysctr_conf_v_group(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = text_of(cfg, opt, 0);

	if (s == NULL)
		return -1;
	if (*s != '\0' && !sysctr_conf_valid_word(s, 63))
		return sysctr_conf_invalid(
		    cfg, opt,
		    "invalid group '%.40s': use letters, digits, "
		    "'_' and '-'",
		    s);
	return 0;
}

int sysctr_conf_v_after(cfg_t *cfg, cfg_opt_t *opt)
{
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *s = text_of(cfg, opt, i);

		if (s == NULL)
			return -1;
		if (!sysctr_name_valid(s))
			return sysctr_conf_invalid(
			    cfg, opt, "invalid container name '%.40s'", s);
	}
	return 0;
}

int sysctr_conf_v_ready(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = text_of(cfg, opt, 0);
	char *end = NULL;
	long port;

	if (s == NULL)
		return -1;
	if (strcmp(s, "started") == 0 || strcmp(s, "systemd") == 0)
		return 0;
	if (str_starts_with(s, "exec:") && s[5] != '\0')
		return 0;
	if (str_starts_with(s, "tcp:") && s[4] >= '0' && s[4] <= '9') {
		errno = 0;
		port = strtol(s + 4, &end, 10);
		if (*end == '\0' && errno == 0 && port >= 1 && port <= 65535)
			return 0;
	}
	return sysctr_conf_invalid(
	    cfg, opt,
	    "invalid ready check '%.40s': use started, systemd, "
	    "tcp:PORT or exec:COMMAND",
	    s);
}

int sysctr_conf_v_schedule(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = text_of(cfg, opt, 0);

	if (s == NULL)
		return -1;
	if (*s == '\0' || strcmp(s, "hourly") == 0 || strcmp(s, "daily") == 0 ||
	    strcmp(s, "weekly") == 0)
		return 0;
	return sysctr_conf_invalid(cfg, opt,
				   "invalid schedule '%.40s': use \"\", "
				   "hourly, daily or weekly",
				   s);
}

int sysctr_conf_parse_size(const char *s, int64_t *out)
{
	static const char suffixes[] = "KMGT";
	unsigned long long n;
	char *end = NULL;
	const char *p;
	unsigned shift = 0;

	if (*s == '\0') {
		*out = 0;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		p = strchr(suffixes, end[0] & ~0x20);
		if (p == NULL || end[1] != '\0')
			return -1;
		shift = 10 * (unsigned)(p - suffixes + 1);
	}
	if (n > ((unsigned long long)INT64_MAX >> shift))
		return -1;
	*out = (int64_t)(n << shift);
	return 0;
}

int sysctr_conf_v_memory(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = text_of(cfg, opt, 0);
	int64_t n;

	if (s == NULL)
		return -1;
	if (sysctr_conf_parse_size(s, &n) < 0)
		return sysctr_conf_invalid(
		    cfg, opt,
		    "invalid size '%.40s': use a number with K, M, "
		    "G or T",
		    s);
	/* Below this an init and a shell are killed by the OOM killer as
	 * they start, and the start fails with nothing said but liblxc's
	 * log. */
	if (n > 0 && n < MEMORY_MIN)
		return sysctr_conf_invalid(
		    cfg, opt,
		    "%.40s is too little: a container needs at least 16M "
		    "to boot (\"\" for no limit)",
		    s);
	return 0;
}

int sysctr_conf_v_swap(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = text_of(cfg, opt, 0);
	int64_t n;

	if (s == NULL)
		return -1;
	if (sysctr_conf_parse_size(s, &n) < 0)
		return sysctr_conf_invalid(
		    cfg, opt,
		    "invalid size '%.40s': use a number with K, M, G or T "
		    "(0 for no swap, \"\" for the host's default)",
		    s);
	return 0;
}

/* 1% of one CPU: the kernel's least quota is 1 ms per period. */
#define CPU_MAX_MIN 1000
#define CPU_MAX_MAX (1024LL * 100000)

int sysctr_conf_parse_cpu_max(const char *s, int64_t *out)
{
	/* CPUs in units of 1/100000, from digits with up to 5 decimals */
	int64_t whole = 0, frac = 0, scale = 100000;
	bool percent, digits = false;
	const char *p = s;

	*out = 0;
	if (*s == '\0')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++, digits = true) {
		whole = whole * 10 + (*p - '0');
		if (whole > CPU_MAX_MAX)
			return -1;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
			if (scale == 1)
				return -1;
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	percent = *p == '%';
	if (!digits || *(p + (percent ? 1 : 0)) != '\0')
		return -1;
	*out = whole * 100000 + frac;
	if (percent)
		*out /= 100;
	if (*out < CPU_MAX_MIN || *out > CPU_MAX_MAX)
		return -1;
	return 0;
}

int sysctr_conf_v_cpu_max(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = text_of(cfg, opt, 0);
	int64_t n;

	if (s == NULL)
		return -1;
	if (sysctr_conf_parse_cpu_max(s, &n) < 0)
		return sysctr_conf_invalid(
		    cfg, opt,
		    "invalid CPU quota '%.40s': use a share of one CPU "
		    "(\"50%%\") or a number of CPUs (\"1.5\"), at least 1%%",
		    s);
	return 0;
}

static bool cpu_number(const char **p, unsigned long *n)
{
	char *end = NULL;

	if (**p < '0' || **p > '9')
		return false;
	errno = 0;
	*n = strtoul(*p, &end, 10);
	*p = end;
	return errno == 0 && *n < 8192;
}

int sysctr_conf_v_cpus(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = text_of(cfg, opt, 0);
	const char *p = s;
	unsigned long a, b;

	if (s == NULL)
		return -1;
	if (*s == '\0')
		return 0;
	for (;;) {
		if (!cpu_number(&p, &a))
			break;
		b = a;
		if (*p == '-') {
			p++;
			if (!cpu_number(&p, &b) || b < a)
				break;
		}
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			break;
	}
	return sysctr_conf_invalid(
	    cfg, opt,
	    "invalid cpuset '%.40s': use CPU numbers and ranges such "
	    "as 0-1,3",
	    s);
}

/* As the kernel's dev_valid_name(). */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 16 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
	       strpbrk(s, "/: \t") == NULL;
}

static int bridge(cfg_t *cfg, cfg_opt_t *opt, bool may_be_empty)
{
	const char *s = text_of(cfg, opt, 0);

	if (s == NULL)
		return -1;
	if (*s == '\0' && may_be_empty)
		return 0;
	if (!valid_ifname(s))
		return sysctr_conf_invalid(
		    cfg, opt,
		    "invalid interface name '%.40s': 1 to 15 "
		    "characters, no '/', ':' or spaces",
		    s);
	return 0;
}

int sysctr_conf_v_ct_bridge(cfg_t *cfg, cfg_opt_t *opt)
{
	return bridge(cfg, opt, true);
}

static bool valid_ipv4(const char *s)
{
	const char *slash = strchr(s, '/');
	char addr[INET_ADDRSTRLEN];
	struct in_addr in;
	size_t n;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(addr))
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1)
		return false;
	n = strspn(slash + 1, "0123456789");
	return n >= 1 && n <= 2 && slash[1 + n] == '\0' &&
	       atoi(slash + 1) <= 32;
}

int sysctr_conf_v_ipv4(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = text_of(cfg, opt, 0);

	if (s == NULL)
		return -1;
	if (strcmp(s, "auto") == 0 || strcmp(s, "none") == 0 || valid_ipv4(s))
		return 0;
	return sysctr_conf_invalid(cfg, opt,
				   "invalid address '%.40s': use auto, none or "
				   "ADDRESS/PREFIX such as 10.0.3.5/24",
				   s);
}

/* sysctr.conf's network.ipv4: the managed bridge's address and prefix,
 * 8 to 30 bits (room for a gateway and containers). */
int sysctr_conf_v_subnet(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = text_of(cfg, opt, 0);
	const char *slash;

	if (s == NULL)
		return -1;
	slash = strchr(s, '/');
	if (valid_ipv4(s) && slash != NULL && atoi(slash + 1) >= 8 &&
	    atoi(slash + 1) <= 30)
		return 0;
	return sysctr_conf_invalid(cfg, opt,
				   "invalid subnet '%.40s': use the bridge's "
				   "ADDRESS/PREFIX such as 10.117.0.1/24 "
				   "(prefix 8 to 30)",
				   s);
}

int sysctr_conf_v_gateway(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = text_of(cfg, opt, 0);
	struct in_addr a;

	if (s == NULL)
		return -1;
	if (*s == '\0' || inet_pton(AF_INET, s, &a) == 1)
		return 0;
	return sysctr_conf_invalid(cfg, opt,
				   "invalid address '%.40s': use an IPv4 "
				   "address such as 10.0.3.1",
				   s);
}

int sysctr_conf_parse_forward(const char *s, unsigned *host_port,
			      unsigned *port, const char **proto)
{
	char *end = NULL;
	unsigned long a, b;

	if (*s < '1' || *s > '9')
		return -1;
	a = strtoul(s, &end, 10);
	if (*end != ':' || end[1] < '1' || end[1] > '9')
		return -1;
	b = strtoul(end + 1, &end, 10);
	if (a > 65535 || b > 65535)
		return -1;
	if (strcmp(end, "/tcp") == 0 || *end == '\0')
		*proto = "tcp";
	else if (strcmp(end, "/udp") == 0)
		*proto = "udp";
	else
		return -1;
	*host_port = (unsigned)a;
	*port = (unsigned)b;
	return 0;
}

int sysctr_conf_v_forward(cfg_t *cfg, cfg_opt_t *opt)
{
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *s = text_of(cfg, opt, i);
		unsigned hp, p;
		const char *proto;

		if (s == NULL)
			return -1;
		if (sysctr_conf_parse_forward(s, &hp, &p, &proto) < 0)
			return sysctr_conf_invalid(
			    cfg, opt,
			    "invalid forward '%.40s': use HOSTPORT:PORT/tcp "
			    "or /udp, ports 1 to 65535, such as 8080:80/tcp",
			    s);
	}
	return 0;
}

int sysctr_conf_v_hwaddr(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char hex[] = "0123456789abcdefABCDEF";
	const char *s = text_of(cfg, opt, 0);
	bool ok;

	if (s == NULL)
		return -1;
	if (*s == '\0')
		return 0;
	ok = strlen(s) == 17;
	for (size_t i = 0; ok && i < 17; i++)
		ok = i % 3 == 2 ? s[i] == ':' : strchr(hex, s[i]) != NULL;
	if (!ok)
		return sysctr_conf_invalid(cfg, opt,
					   "invalid MAC address '%.40s': use "
					   "xx:xx:xx:xx:xx:xx",
					   s);
	return 0;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') &&
		    (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* "/", "//", "/./": every component empty or ".". path is absolute. */
static bool is_root(const char *path)
{
	for (const char *p = path; *p; p++)
		if (*p != '/' && !(*p == '.' && (p[1] == '/' || p[1] == '\0') &&
				   p[-1] == '/'))
			return false;
	return true;
}

/* Why path cannot be a mount's source (or, with target, its path), or
 * NULL. liblxc reads a mount entry as fstab does, fields split at
 * blanks: a blank in a path would cut the entry, so none is allowed. */
static const char *mount_path_problem(const char *path, bool target)
{
	if (path[0] != '/')
		return "is not an absolute path";
	if (has_dotdot(path))
		return "must not contain '..'";
	if (strpbrk(path, " \t") != NULL)
		return "has blanks: liblxc cannot mount such a path";
	if (target && is_root(path))
		return "is the container's root: mount below it";
	return NULL;
}

static int v_mount_path(cfg_t *cfg, cfg_opt_t *opt, bool target)
{
	const char *s = text_of(cfg, opt, 0);
	const char *why;

	if (s == NULL)
		return -1;
	why = mount_path_problem(s, target);
	if (why != NULL)
		return sysctr_conf_invalid(cfg, opt, "'%.40s' %s", s, why);
	return 0;
}

int sysctr_conf_v_mount_source(cfg_t *cfg, cfg_opt_t *opt)
{
	return v_mount_path(cfg, opt, false);
}

int sysctr_conf_v_mount_target(cfg_t *cfg, cfg_opt_t *opt)
{
	return v_mount_path(cfg, opt, true);
}

int sysctr_conf_v_log_level(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const c[] = { "error", "warn", "info", "debug" };

	return choice(cfg, opt, c, ARRAY_SIZE(c), "error, warn, info or debug");
}

int sysctr_conf_v_host_mode(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const c[] = { "none", "bridge" };

	return choice(cfg, opt, c, ARRAY_SIZE(c), "none or bridge");
}

int sysctr_conf_v_host_bridge(cfg_t *cfg, cfg_opt_t *opt)
{
	return bridge(cfg, opt, false);
}

/* Why s cannot be a mirror, or NULL. It reaches a template script as one
 * argument, and from there apt's or apk's sources. */
static const char *url_problem(const char *s)
{
	static const char *const schemes[] = { "http://", "https://",
					       "file://" };

	if (sysctr_conf_has_control(s))
		return "control characters are not allowed";
	if (strchr(s, ' ') != NULL)
		return "a URL has no spaces";
	for (size_t i = 0; i < ARRAY_SIZE(schemes); i++)
		if (str_starts_with(s, schemes[i]) &&
		    s[strlen(schemes[i])] != '\0')
			return NULL;
	return "use an http://, https:// or file:// URL";
}

int sysctr_conf_v_url(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = cfg_opt_getnstr(opt, 0);
	cleanup_free char *shown = xstrdup(s ? s : "");
	const char *why = url_problem(shown);

	if (why == NULL)
		return 0;
	sysctr_conf_printable(shown);
	return sysctr_conf_invalid(cfg, opt, "invalid mirror '%.40s': %s",
				   shown, why);
}

int sysctr_conf_check_mirror(const char *what, const char *url,
			     struct sysctr_error **err)
{
	cleanup_free char *shown = xstrdup(url);
	const char *why = url_problem(url);

	if (why == NULL)
		return 0;
	sysctr_conf_printable(shown);
	return sysctr_err(err, SYSCTR_E_USAGE, 0,
			  "%s: invalid mirror '%.40s': %s", what, shown, why);
}
