/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/conf*.c: container.conf and sysctr.conf parsing, validation, error
 * text, `config get` and `config set`. */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "error.h"
#include "util.h"

static char tmpdir[] = "/tmp/sysctr-test-conf-XXXXXX";

static int setup(void **state)
{
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return rm_rf(tmpdir, NULL);
}

/* Write len bytes of data to a fresh file; the caller frees the path. */
static char *write_tmp(const char *base, const char *data, size_t len)
{
	static int n;
	char *path = xasprintf("%s/%s-%d", tmpdir, base, n++);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static char *write_str(const char *data)
{
	return write_tmp("container.conf", data, strlen(data));
}

static const char full_conf[] = "# web server\n"
				"template = \"debian\"\n"
				"release  = \"bookworm\"\n"
				"arch = amd64\n"
				"\n"
				"autostart {\n"
				"  enabled  = true\n"
				"  order    = 10   # lower first\n"
				"  delay    = 5\n"
				"  after    = {\"db1\", \"cache1\"}\n"
				"  ready    = \"tcp:80\"\n"
				"  timeout  = 90\n"
				"  group    = \"web\"\n"
				"}\n"
				"resources {\n"
				"  memory = \"512M\"\n"
				"  cpus   = \"0-1,3\"\n"
				"  pids   = 2048\n"
				"}\n"
				"network {\n"
				"  mode   = \"bridge\"\n"
				"  bridge = \"sysctr0\"\n"
				"  ipv4   = \"10.0.3.5/24\"\n"
				"  hwaddr = \"00:16:3e:aa:bb:cc\"\n"
				"}\n"
				"security {\n"
				"  privileged = false\n"
				"  nesting    = yes\n"
				"}\n"
				"mount \"data\" {\n"
				"  source = \"/srv/web1\"\n"
				"  path   = \"/srv\"\n"
				"  readonly = true\n"
				"}\n"
				"mount \"logs\" {\n"
				"  source = \"/var/log/web1\"\n"
				"  path   = \"/var/log/app\"\n"
				"}\n"
				"/* liblxc keys passed through */\n"
				"raw {\n"
				"  lxc.signal.halt = \"SIGURG\"\n"
				"  lxc.apparmor.profile = unconfined\n"
				"}\n";

static void test_full(void **state)
{
	cleanup_free char *path = write_str(full_conf);
	struct sysctr_ct_config *c = NULL;
	struct sysctr_error *err = NULL;

	assert_int_equal(sysctr_ct_config_load(path, &c, &err), 0);
	assert_null(err);
	assert_string_equal(c->template, "debian");
	assert_string_equal(c->release, "bookworm");
	assert_string_equal(c->arch, "amd64");
	assert_true(c->autostart.enabled);
	assert_int_equal(c->autostart.order, 10);
	assert_int_equal(c->autostart.delay, 5);
	assert_int_equal(strv_length(c->autostart.after), 2);
	assert_string_equal(c->autostart.after[0], "db1");
	assert_string_equal(c->autostart.after[1], "cache1");
	assert_string_equal(c->autostart.ready, "tcp:80");
	assert_int_equal(c->autostart.timeout, 90);
	assert_string_equal(c->autostart.group, "web");
	assert_int_equal(c->resources.memory, 512LL * 1024 * 1024);
	assert_string_equal(c->resources.cpus, "0-1,3");
	assert_int_equal(c->resources.pids, 2048);
	assert_string_equal(c->network.mode, "bridge");
	assert_string_equal(c->network.bridge, "sysctr0");
	assert_string_equal(c->network.ipv4, "10.0.3.5/24");
	assert_string_equal(c->network.hwaddr, "00:16:3e:aa:bb:cc");
	assert_false(c->security.privileged);
	assert_true(c->security.nesting);
	assert_int_equal(c->nmounts, 2);
	assert_string_equal(c->mounts[0].name, "data");
	assert_string_equal(c->mounts[0].source, "/srv/web1");
	assert_string_equal(c->mounts[0].path, "/srv");
	assert_true(c->mounts[0].readonly);
	assert_string_equal(c->mounts[1].name, "logs");
	assert_false(c->mounts[1].readonly);
	assert_int_equal(c->nraw, 2);
	assert_string_equal(c->raw_keys[0], "lxc.signal.halt");
	assert_string_equal(c->raw_values[0], "SIGURG");
	assert_string_equal(c->raw_keys[1], "lxc.apparmor.profile");
	assert_string_equal(c->raw_values[1], "unconfined");
	sysctr_ct_config_free(c);
}

static void test_defaults(void **state)
{
	struct sysctr_ct_config *c = NULL;
	struct sysctr_error *err = NULL;

	assert_int_equal(
	    sysctr_ct_config_parse("# nothing\n", "x.conf", &c, &err), 0);
	assert_string_equal(c->template, "");
	assert_false(c->autostart.enabled);
	assert_int_equal(c->autostart.order, 50);
	assert_int_equal(c->autostart.delay, 0);
	assert_non_null(c->autostart.after);
	assert_null(c->autostart.after[0]);
	assert_string_equal(c->autostart.ready, "systemd");
	assert_int_equal(c->autostart.timeout, 60);
	assert_string_equal(c->autostart.group, "");
	assert_int_equal(c->resources.memory, 0);
	assert_string_equal(c->resources.cpus, "");
	assert_int_equal(c->resources.pids, 0);
	assert_string_equal(c->network.mode, "");
	assert_string_equal(c->network.bridge, "");
	assert_string_equal(c->network.ipv4, "auto");
	assert_string_equal(c->network.hwaddr, "");
	assert_false(c->security.privileged);
	assert_false(c->security.nesting);
	assert_int_equal(c->nmounts, 0);
	assert_int_equal(c->nraw, 0);
	sysctr_ct_config_free(c);

	/* An empty text too. */
	assert_int_equal(sysctr_ct_config_parse("", "x.conf", &c, &err), 0);
	assert_int_equal(c->autostart.order, 50);
	sysctr_ct_config_free(c);
}

static void test_memory(void **state)
{
	static const struct {
		const char *text;
		int64_t bytes;
	} cases[] = {
		{ "", 0 },
		{ "0", 0 },
		{ "16777216", 16LL << 20 },
		{ "16384K", 16LL << 20 },
		{ "16384k", 16LL << 20 },
		{ "16M", 16LL << 20 },
		{ "512M", 512LL << 20 },
		{ "2G", 2LL << 30 },
		{ "1T", 1LL << 40 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cleanup_free char *text = xasprintf(
		    "resources {\n  memory = \"%s\"\n}\n", cases[i].text);
		struct sysctr_ct_config *c = NULL;
		struct sysctr_error *err = NULL;

		assert_int_equal(
		    sysctr_ct_config_parse(text, "m.conf", &c, &err), 0);
		assert_int_equal(c->resources.memory, cases[i].bytes);
		sysctr_ct_config_free(c);
	}
}

/* Every invalid file: exit class 2, one line naming file, line and key. */
static void expect_invalid(const char *text, unsigned line, const char *what)
{
	cleanup_free char *path = write_str(text);
	cleanup_free char *loc = xasprintf("%s:%u: ", path, line);
	struct sysctr_ct_config *c = NULL;
	struct sysctr_error *err = NULL;

	assert_int_equal(sysctr_ct_config_load(path, &c, &err), -1);
	assert_null(c);
	assert_non_null(err);
	if (strstr(err->msg, loc) == NULL || strstr(err->msg, what) == NULL)
		fail_msg("for:\n%s\ngot: %s\nwanted: %s ... %s", text, err->msg,
			 loc, what);
	assert_int_equal(err->kind, SYSCTR_E_USAGE);
	assert_null(strchr(err->msg, '\n'));
	sysctr_error_free(err);
}

static void test_invalid(void **state)
{
	expect_invalid("template = \"debian\"\nautostart {\n  bogus = 1\n}\n",
		       3, "autostart.bogus: unknown key");
	expect_invalid("colour = blue\n", 1, "colour: unknown key");
	expect_invalid("autostart {\n  order = \"abc\"\n}\n", 2,
		       "autostart.order: not an integer");
	expect_invalid("security {\n  privileged = maybe\n}\n", 2,
		       "security.privileged: not a boolean");
	expect_invalid("template = {\"a\"}\n", 1, "unexpected '{'");
	expect_invalid("autostart {\n  timeout = 0\n}\n", 2,
		       "autostart.timeout: 0 is out of range");
	expect_invalid("# x\n\n\n\n\nresources {\n  memory = \"lots\"\n}\n", 7,
		       "resources.memory: invalid size 'lots': use a number "
		       "with K, M, G or T");
	expect_invalid("resources {\n  memory = \"12Q\"\n}\n", 2,
		       "resources.memory");
	expect_invalid("resources {\n  memory = \"1M\"\n}\n", 2,
		       "resources.memory: 1M is too little: a container needs "
		       "at least 16M");
	expect_invalid("resources {\n  memory = \"16777215\"\n}\n", 2,
		       "resources.memory: 16777215 is too little");
	expect_invalid("resources {\n  cpus = \"1-0\"\n}\n", 2,
		       "resources.cpus: invalid cpuset");
	expect_invalid("resources {\n  cpu_max = \"half\"\n}\n", 2,
		       "resources.cpu_max: invalid CPU quota 'half'");
	expect_invalid("resources {\n  cpu_max = \"0.5%\"\n}\n", 2,
		       "resources.cpu_max: invalid CPU quota '0.5%': use a "
		       "share of one CPU (\"50%\") or a number of CPUs "
		       "(\"1.5\"), at least 1%");
	expect_invalid("resources {\n  cpu_weight = 10001\n}\n", 2,
		       "resources.cpu_weight: 10001 is out of range (0 to "
		       "10000)");
	expect_invalid("resources {\n  io_weight = -1\n}\n", 2,
		       "resources.io_weight: -1 is out of range");
	expect_invalid("resources {\n  memory_swap = \"some\"\n}\n", 2,
		       "resources.memory_swap: invalid size 'some'");
	expect_invalid("network {\n  ipv4 = \"10.0.0.300/24\"\n}\n", 2,
		       "network.ipv4: invalid address");
	expect_invalid("network {\n  ipv4 = \"10.0.0.3/33\"\n}\n", 2,
		       "network.ipv4");
	expect_invalid("network {\n  mode = \"wifi\"\n}\n", 2,
		       "network.mode: invalid value 'wifi'");
	expect_invalid("network {\n  bridge = \"a-very-long-bridge0\"\n}\n", 2,
		       "network.bridge");
	expect_invalid("network {\n  hwaddr = \"00:16:3e:aa:bb\"\n}\n", 2,
		       "network.hwaddr");
	expect_invalid("autostart {\n  ready = \"tcp:99999\"\n}\n", 2,
		       "autostart.ready");
	expect_invalid("autostart {\n  after = {\"db1\", \"-bad\"}\n}\n", 2,
		       "autostart.after");
	expect_invalid("template = \"../../bin/sh\"\n", 1, "template");
	expect_invalid("mount \"data\" {\n  source = \"/srv\"\n}\n", 1,
		       "mount.data.path: required");
	expect_invalid("mount \"data\" {\n  path = \"/srv\"\n}\n", 1,
		       "mount.data.source: required");
	expect_invalid(
	    "mount \"data\" {\n  source = \"/srv\"\n  path = \"srv\"\n}\n", 3,
	    "mount.data.path: 'srv' is not an absolute path");
	expect_invalid("mount \"data\" {\n  source = \"/srv\"\n"
		       "  path = \"/srv/../etc\"\n}\n",
		       3, "mount.data.path");
	expect_invalid("mount \"data\" {\n  source = \"/srv\"\n"
		       "  path = \"/\"\n}\n",
		       3, "mount.data.path: '/' is the container's root");
	expect_invalid("mount \"data\" {\n  source = \"/srv\"\n"
		       "  path = \"//./\"\n}\n",
		       3, "mount.data.path: '//./' is the container's root");
	expect_invalid("mount \"data\" {\n  source = \"/srv\"\n"
		       "  path = \"/my data\"\n}\n",
		       3, "mount.data.path: '/my data' has blanks");
	expect_invalid("mount \"data\" {\n  source = \"/srv/a b\"\n"
		       "  path = \"/x\"\n}\n",
		       2, "mount.data.source: '/srv/a b' has blanks");
	expect_invalid("mount \"data\" {\n  source = \"srv\"\n"
		       "  path = \"/x\"\n}\n",
		       2, "mount.data.source: 'srv' is not an absolute path");
	expect_invalid("mount \"data\" {\n  source = \"/srv\"\n"
		       "  path = \"/x\\ny\"\n}\n",
		       3, "mount.data.path: control characters");
	expect_invalid(
	    "mount \"a b\" {\n  source = \"/srv\"\n  path = \"/x\"\n}\n", 1,
	    "invalid mount name");
	expect_invalid("mount \"d\" {\n source = \"/a\"\n path = \"/b\"\n}\n"
		       "mount \"d\" {\n source = \"/a\"\n path = \"/b\"\n}\n",
		       5, "mount.d: defined twice");
	expect_invalid("raw {\n  foo.bar = \"x\"\n}\n", 2,
		       "raw.foo.bar: liblxc keys start with 'lxc.'");
	expect_invalid("raw {\n  lxc.signal.halt = \"SIGURG\"\n"
		       "  lxc.rootfs.path = \"/\"\n}\n",
		       3, "raw.lxc.rootfs.path: sysctr sets");
	expect_invalid("raw {\n  lxc.net.0.type = \"veth\"\n}\n", 2,
		       "raw.lxc.net.0.type: use network {}");
	expect_invalid("raw {\n  lxc.include = \"/etc/x\"\n}\n", 2,
		       "raw.lxc.include");
	expect_invalid(
	    "raw {\n  lxc.cap.drop = \"a\"\n  lxc.cap.drop = \"b\"\n}\n", 3,
	    "raw.lxc.cap.drop: set twice");
	expect_invalid("template = \"debian\"\ninclude(\"/etc/shadow\")\n", 2,
		       "include: include() of other files is not allowed");
	expect_invalid("raw {\n  include(\"/etc/shadow\")\n}\n", 2,
		       "raw.include");
	expect_invalid("template = \"d\"\nautostart {\n  order = 1\n", 2,
		       "autostart: '{' is never closed");
	expect_invalid("autostart {\n  after = {\"a\",\n", 2,
		       "autostart.after: '{' is never closed");
	expect_invalid("template = \"d\"\n}\n", 2, "unexpected '}'");
	expect_invalid("template = \"deb\nian = 1\n", 1, "unterminated string");
	expect_invalid("template = \"d\"\n/* comment\n", 2,
		       "unterminated comment");
	expect_invalid("release = \"${HOME}\"\n", 1, "${...} is not expanded");
	expect_invalid("release = ${HOME}\n", 1, "${...} is not expanded");
	expect_invalid("autostart {\n  group = \"a\\nb\"\n}\n", 2,
		       "autostart.group: control characters");
	expect_invalid(
	    "raw {\n  lxc.environment = \"A=1\\nlxc.rootfs.path=/\"\n}\n", 2,
	    "raw.lxc.environment: control characters");
	expect_invalid("template =\n", 2, "a value is missing");
	expect_invalid("template = \"d\"\n\"\" = 1\n", 2, "empty key");
}

static void test_hostile(void **state)
{
	cleanup_free char *big = xmalloc(1024 * 1024 + 64);
	cleanup_free char *path = NULL;
	cleanup_free char *bin_path = NULL;
	cleanup_free char *noise_path = NULL;
	unsigned char bin[4096];
	struct sysctr_ct_config *c = NULL;
	struct sysctr_error *err = NULL;
	unsigned seed = 1;

	memset(big, '#', 1024 * 1024 + 64);
	path = write_tmp("big.conf", big, 1024 * 1024 + 64);
	assert_int_equal(sysctr_ct_config_load(path, &c, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_USAGE);
	assert_non_null(strstr(err->msg, "larger than 1 MiB"));
	assert_non_null(strstr(err->msg, path));
	sysctr_error_free(err);
	err = NULL;

	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(rand_r(&seed) & 0xff);
	bin[100] = 0;
	bin_path = write_tmp("bin.conf", (const char *)bin, sizeof(bin));
	assert_int_equal(sysctr_ct_config_load(bin_path, &c, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_USAGE);
	assert_non_null(strstr(err->msg, "NUL"));
	sysctr_error_free(err);
	err = NULL;

	/* Binary noise without NUL: an error of one line, no crash. */
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof(bin); i++)
			bin[i] = (unsigned char)(1 + rand_r(&seed) % 255);
		noise_path =
		    write_tmp("noise.conf", (const char *)bin, sizeof(bin));
		if (sysctr_ct_config_load(noise_path, &c, &err) == 0) {
			sysctr_ct_config_free(c);
		} else {
			assert_null(strchr(err->msg, '\n'));
			sysctr_error_free(err);
			err = NULL;
		}
		free(noise_path);
		noise_path = NULL;
	}

	assert_int_equal(sysctr_ct_config_load(tmpdir, &c, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_USAGE);
	sysctr_error_free(err);
	err = NULL;
	assert_int_equal(sysctr_ct_config_load("/nonexistent/x.conf", &c, &err),
			 -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(err);
}

static void test_host_defaults(void **state)
{
	cleanup_free char *path = xasprintf("%s/missing.conf", tmpdir);
	struct sysctr_host_config *h = NULL;
	struct sysctr_error *err = NULL;

	assert_int_equal(sysctr_host_config_load(path, false, &h, &err), 0);
	assert_string_equal(h->log_level, "warn");
	assert_string_equal(h->paths.containers, "");
	assert_string_equal(h->paths.database, "");
	assert_string_equal(h->defaults.template, "debian");
	assert_string_equal(h->defaults.release, "");
	assert_int_equal(h->timeouts.stop, 30);
	assert_int_equal(h->timeouts.start, 30);
	assert_int_equal(h->timeouts.lock, 10);
	assert_string_equal(h->network.mode, "bridge");
	assert_string_equal(h->network.bridge, "sysctr0");
	assert_int_equal(h->idmap.base, 100000);
	assert_int_equal(h->idmap.size, 65536);
	/* No mirror by default: each template has its own. */
	assert_int_equal(h->n_mirrors, 0);
	assert_null(sysctr_host_config_mirror(h, "debian"));
	sysctr_host_config_free(h);

	assert_int_equal(sysctr_host_config_load(path, true, &h, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(err);
}

static char *host_file(const char *text)
{
	return write_tmp("sysctr.conf", text, strlen(text));
}

static void test_host_values(void **state)
{
	cleanup_free char *path = host_file(
	    "log_level = \"debug\"\n"
	    "paths {\n  containers = \"/data/ct\"\n}\n"
	    "defaults {\n  template = \"alpine\"\n  release = \"3.19\"\n}\n"
	    "timeouts {\n  stop = 60\n  lock = 0\n}\n"
	    "network {\n  mode = \"bridge\"\n  bridge = \"br0\"\n}\n"
	    "idmap {\n  base = 200000\n  size = 1000\n}\n"
	    "mirrors {\n  debian = \"file:///srv/mirror\"\n"
	    "  my-distro = \"https://example.org/m\"\n}\n");
	struct sysctr_host_config *h = NULL;
	struct sysctr_error *err = NULL;

	assert_int_equal(sysctr_host_config_load(path, true, &h, &err), 0);
	assert_string_equal(h->log_level, "debug");
	assert_string_equal(h->paths.containers, "/data/ct");
	assert_string_equal(h->paths.images, "");
	assert_string_equal(h->defaults.template, "alpine");
	assert_string_equal(h->defaults.release, "3.19");
	assert_int_equal(h->timeouts.stop, 60);
	assert_int_equal(h->timeouts.start, 30);
	assert_int_equal(h->timeouts.lock, 0);
	assert_string_equal(h->network.mode, "bridge");
	assert_string_equal(h->network.bridge, "br0");
	assert_int_equal(h->idmap.base, 200000);
	assert_int_equal(h->idmap.size, 1000);
	/* Keyed by any template's name. */
	assert_int_equal(h->n_mirrors, 2);
	assert_string_equal(sysctr_host_config_mirror(h, "debian"),
			    "file:///srv/mirror");
	assert_string_equal(sysctr_host_config_mirror(h, "my-distro"),
			    "https://example.org/m");
	assert_null(sysctr_host_config_mirror(h, "ubuntu"));
	sysctr_host_config_free(h);
}

static void expect_host_invalid(const char *text, unsigned line,
				const char *what)
{
	cleanup_free char *path = host_file(text);
	cleanup_free char *loc = xasprintf("%s:%u: ", path, line);
	struct sysctr_host_config *h = NULL;
	struct sysctr_error *err = NULL;

	assert_int_equal(sysctr_host_config_load(path, true, &h, &err), -1);
	if (strstr(err->msg, loc) == NULL || strstr(err->msg, what) == NULL)
		fail_msg("got: %s\nwanted: %s ... %s", err->msg, loc, what);
	assert_int_equal(err->kind, SYSCTR_E_USAGE);
	sysctr_error_free(err);
}

static void test_host_invalid(void **state)
{
	expect_host_invalid("timeouts {\n  stop = 4000\n}\n", 2,
			    "timeouts.stop: 4000 is out of range");
	expect_host_invalid("timeouts {\n  start = -1\n}\n", 2,
			    "timeouts.start");
	expect_host_invalid("timeouts {\n  lock = -5\n}\n", 2, "timeouts.lock");
	expect_host_invalid("timeouts {\n  stop = soon\n}\n", 2,
			    "timeouts.stop: not an integer");
	expect_host_invalid("log_level = \"loud\"\n", 1, "log_level");
	expect_host_invalid("network {\n  mode = \"\"\n}\n", 2, "network.mode");
	expect_host_invalid("idmap {\n  base = 0\n}\n", 2, "idmap.base");
	expect_host_invalid("idmap {\n  base = 4294967000\n  size = 65536\n}\n",
			    4, "idmap: base + size");
	expect_host_invalid("mirrors {\n  ubuntu = \"ftp://x\"\n}\n", 2,
			    "mirrors.ubuntu: invalid mirror");
	expect_host_invalid(
	    "mirrors {\n  debian = \"http://a b\"\n}\n", 2,
	    "mirrors.debian: invalid mirror 'http://a b': a URL "
	    "has no spaces");
	expect_host_invalid("mirrors {\n  debian = \"http://a\\nb\"\n}\n", 2,
			    "mirrors.debian: invalid mirror 'http://a?b'");
	/* The line of the bad key, not the section's end. */
	expect_host_invalid("mirrors {\n  debian = \"http://a\"\n"
			    "  other = \"gopher://x\"\n\n}\n",
			    3, "mirrors.other: invalid mirror");
	expect_host_invalid("paths {\n  cache = \"/x\"\n}\n", 2,
			    "paths.cache: unknown key");
}

/* create --mirror gets the check of sysctr.conf's mirrors. */
static void test_mirror_check(void **state)
{
	static const char *const bad[] = { "ftp://x",	     "http://",
					   "http://a b",     "http://a\nb",
					   "deb.debian.org", "" };
	struct sysctr_error *err = NULL;

	assert_int_equal(
	    sysctr_conf_check_mirror("--mirror", "https://a/b", &err), 0);
	assert_int_equal(
	    sysctr_conf_check_mirror("--mirror", "file:///srv/m", &err), 0);
	assert_null(err);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(
		    sysctr_conf_check_mirror("--mirror", bad[i], &err), -1);
		assert_int_equal(err->kind, SYSCTR_E_USAGE);
		assert_non_null(strstr(err->msg, "--mirror: invalid mirror"));
		assert_null(strchr(err->msg, '\n'));
		sysctr_error_free(err);
		err = NULL;
	}
}

static void expect_key(const char *path, const char *key, const char *want)
{
	cleanup_free char *value = NULL;
	struct sysctr_error *err = NULL;

	if (sysctr_ct_config_get_key(path, key, &value, &err) < 0)
		fail_msg("%s: %s", key, err->msg);
	assert_string_equal(value, want);
}

static void expect_key_error(const char *path, const char *key,
			     enum sysctr_err_kind kind, const char *what)
{
	cleanup_free char *value = NULL;
	struct sysctr_error *err = NULL;

	assert_int_equal(sysctr_ct_config_get_key(path, key, &value, &err), -1);
	assert_null(value);
	assert_int_equal(err->kind, kind);
	if (strstr(err->msg, what) == NULL)
		fail_msg("%s: got %s", key, err->msg);
	sysctr_error_free(err);
}

static void test_get_key(void **state)
{
	cleanup_free char *path = write_str(full_conf);

	expect_key(path, "template", "debian");
	expect_key(path, "autostart.order", "10");
	expect_key(path, "autostart.enabled", "true");
	expect_key(path, "autostart.after", "db1,cache1");
	expect_key(path, "resources.memory", "512M");
	expect_key(path, "resources.pids", "2048");
	expect_key(path, "mount.data.path", "/srv");
	expect_key(path, "mount.logs.readonly", "false");
	expect_key(path, "raw.lxc.signal.halt", "SIGURG");
	/* Known keys that the file does not set give their defaults. */
	expect_key(path, "security.privileged", "false");
	expect_key_error(path, "x.y", SYSCTR_E_USAGE, "unknown key 'x.y'");
	expect_key_error(path, "autostart.bogus", SYSCTR_E_USAGE,
			 "unknown key 'autostart.bogus'");
	expect_key_error(path, "autostart", SYSCTR_E_USAGE, "unknown key");
	expect_key_error(path, "mount.data", SYSCTR_E_USAGE, "unknown key");
	expect_key_error(path, "mount.nope.path", SYSCTR_E_NOT_FOUND,
			 "no mount \"nope\"");
	expect_key_error(path, "raw.lxc.rootfs.path", SYSCTR_E_USAGE,
			 "sysctr sets");
	expect_key_error(path, "raw.lxc.cap.drop", SYSCTR_E_NOT_FOUND,
			 "not set");
}

static char *apply(const char *text, const char *const *a, size_t n)
{
	char *out = NULL;
	struct sysctr_error *err = NULL;

	if (sysctr_ct_config_apply(text, "c.conf", a, n, &out, &err) < 0)
		fail_msg("apply: %s", err->msg);
	return out;
}

static const char edit_conf[] = "# my container\n"
				"template = \"debian\"   # the distro\n"
				"\n"
				"autostart {\n"
				"\tenabled = true  // boot with the host\n"
				"\torder = 10\n"
				"}\n"
				"/* limits\n"
				"   for web */\n"
				"resources {\n"
				"    memory = \"512M\"   # hard limit\n"
				"}\n";

static void test_apply_replace(void **state)
{
	const char *a[] = { "resources.memory=1G", "autostart.order=20",
			    "template=alpine" };
	cleanup_free char *out = apply(edit_conf, a, ARRAY_SIZE(a));

	assert_string_equal(out, "# my container\n"
				 "template = \"alpine\"   # the distro\n"
				 "\n"
				 "autostart {\n"
				 "\tenabled = true  // boot with the host\n"
				 "\torder = 20\n"
				 "}\n"
				 "/* limits\n"
				 "   for web */\n"
				 "resources {\n"
				 "    memory = \"1G\"   # hard limit\n"
				 "}\n");
}

static void test_apply_insert(void **state)
{
	const char *a[] = { "autostart.after=db1, cache1", "resources.pids=100",
			    "autostart.enabled=no", "release=bookworm" };
	cleanup_free char *out = apply(edit_conf, a, ARRAY_SIZE(a));

	assert_string_equal(out, "# my container\n"
				 "template = \"debian\"   # the distro\n"
				 "release = \"bookworm\"\n"
				 "\n"
				 "autostart {\n"
				 "\tenabled = false  // boot with the host\n"
				 "\torder = 10\n"
				 "\tafter = {\"db1\", \"cache1\"}\n"
				 "}\n"
				 "/* limits\n"
				 "   for web */\n"
				 "resources {\n"
				 "    memory = \"512M\"   # hard limit\n"
				 "    pids = 100\n"
				 "}\n");
}

static void test_apply_append(void **state)
{
	const char *a[] = {
		"security.nesting=true",      "mount.data.source=/srv/web1",
		"mount.data.path=/srv",	      "mount.data.readonly=on",
		"raw.lxc.signal.halt=SIGURG", "raw.lxc.environment=A=\"x$y\\z\""
	};
	cleanup_free char *out =
	    apply("template = \"debian\"", a, ARRAY_SIZE(a));
	struct sysctr_ct_config *c = NULL;
	struct sysctr_error *err = NULL;

	assert_string_equal(out,
			    "template = \"debian\"\n"
			    "\n"
			    "security {\n"
			    "  nesting = true\n"
			    "}\n"
			    "\n"
			    "mount \"data\" {\n"
			    "  source = \"/srv/web1\"\n"
			    "  path = \"/srv\"\n"
			    "  readonly = true\n"
			    "}\n"
			    "\n"
			    "raw {\n"
			    "  lxc.signal.halt = \"SIGURG\"\n"
			    "  lxc.environment = \"A=\\\"x\\$y\\\\z\\\"\"\n"
			    "}\n");
	assert_int_equal(sysctr_ct_config_parse(out, "c.conf", &c, &err), 0);
	assert_string_equal(c->raw_values[1], "A=\"x$y\\z\"");
	assert_true(c->mounts[0].readonly);
	sysctr_ct_config_free(c);
}

static void test_apply_top_level(void **state)
{
	const char *a[] = { "release=bookworm" };
	cleanup_free char *o1 = apply("autostart {\n  order = 1\n}\n", a, 1);
	cleanup_free char *o2 = apply("", a, 1);
	cleanup_free char *o3 = apply("# only a comment", a, 1);
	cleanup_free char *o4 = apply(
	    "raw {}\n", (const char *[]){ "raw.lxc.signal.halt=SIGURG" }, 1);
	cleanup_free char *o5 =
	    apply("autostart { enabled = true order = 1 }\n",
		  (const char *[]){ "autostart.order=2" }, 1);

	assert_string_equal(o1, "release = \"bookworm\"\n"
				"autostart {\n  order = 1\n}\n");
	assert_string_equal(o2, "release = \"bookworm\"\n");
	assert_string_equal(o3, "# only a comment\nrelease = \"bookworm\"\n");
	assert_string_equal(o4, "raw {\n  lxc.signal.halt = \"SIGURG\"\n}\n");
	assert_string_equal(o5, "autostart { enabled = true order = 2 }\n");
}

static void expect_apply_error(const char *text, const char *assignment,
			       const char *what)
{
	const char *a[] = { assignment };
	char *out = (char *)"untouched";
	struct sysctr_error *err = NULL;

	assert_int_equal(
	    sysctr_ct_config_apply(text, "c.conf", a, 1, &out, &err), -1);
	assert_string_equal(out, "untouched");
	assert_int_equal(err->kind, SYSCTR_E_USAGE);
	if (strstr(err->msg, what) == NULL)
		fail_msg("%s: got %s", assignment, err->msg);
	assert_null(strchr(err->msg, '\n'));
	sysctr_error_free(err);
}

static void test_apply_errors(void **state)
{
	expect_apply_error(edit_conf, "resources.memory=lots",
			   "c.conf:11: resources.memory: invalid size 'lots'");
	expect_apply_error(edit_conf, "network.ipv4=1.2.3.4",
			   "network.ipv4: invalid address");
	expect_apply_error(edit_conf, "mount.data.source=/srv",
			   "mount.data.path: required");
	expect_apply_error(edit_conf, "template=deb\nian",
			   "control characters");
	expect_apply_error(edit_conf, "template=deb\tian",
			   "control characters");
	expect_apply_error(edit_conf, "autostart.colour=red",
			   "unknown key 'autostart.colour'");
	expect_apply_error(edit_conf, "autostart.order=abc", "not an integer");
	expect_apply_error(edit_conf, "autostart.order=", "not an integer");
	expect_apply_error(edit_conf, "autostart.enabled=maybe",
			   "not a boolean");
	expect_apply_error(edit_conf, "autostart.after=a,,b", "empty item");
	expect_apply_error(edit_conf, "autostart", "use KEY=VALUE");
	expect_apply_error(edit_conf, "raw.lxc.rootfs.path=/", "sysctr sets");
	expect_apply_error(edit_conf, "mount.a/b.path=/x",
			   "invalid mount name");
	expect_apply_error(
	    "autostart {\n  after = {\"a\"}\n  after += {\"b\"}\n}\n",
	    "autostart.after=c",
	    "cannot edit autostart.after in c.conf "
	    "automatically: use config edit");
	expect_apply_error("autostart {\n", "autostart.order=1",
			   "never closed");
}

static void test_apply_values(void **state)
{
	const char *a[] = { "release=", "autostart.after=",
			    "autostart.group=web" };
	cleanup_free char *out = apply("release = \"x\"\nautostart {\n"
				       "  after = {\"a\",\n    \"b\"}\n}\n",
				       a, ARRAY_SIZE(a));

	assert_string_equal(out, "release = \"\"\nautostart {\n"
				 "  after = {}\n  group = \"web\"\n}\n");
}

/* The files `make install` ships must parse. Automake's test driver
 * exports srcdir; elsewhere the tree is found from this file's path. */
static char *shipped(const char *name)
{
	const char *srcdir = getenv("srcdir");
	const char *self = __FILE__;
	const char *tail = strstr(self, "tests/unit/test-conf.c");

	if (srcdir != NULL)
		return xasprintf("%s/config/%s", srcdir, name);
	if (tail == NULL)
		return NULL;
	return xasprintf("%.*sconfig/%s", (int)(tail - self), self, name);
}

static void test_shipped(void **state)
{
	cleanup_free char *ct = shipped("container.conf.example");
	cleanup_free char *host = shipped("sysctr.conf");
	struct sysctr_ct_config *c = NULL;
	struct sysctr_host_config *h = NULL;
	struct sysctr_error *err = NULL;

	if (ct == NULL || host == NULL || access(ct, R_OK) != 0 ||
	    access(host, R_OK) != 0)
		skip();
	if (sysctr_ct_config_load(ct, &c, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(c->nmounts, 2);
	assert_int_equal(c->nraw, 2);
	sysctr_ct_config_free(c);
	if (sysctr_host_config_load(host, true, &h, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(h->log_level, "warn");
	sysctr_host_config_free(h);
}

static void test_resources(void **state)
{
	struct sysctr_ct_config *c = NULL;
	struct sysctr_error *e = NULL;

	(void)state;
	assert_int_equal(sysctr_ct_config_parse("resources {\n"
						"  memory = \"256M\"\n"
						"  memory_swap = \"0\"\n"
						"  cpu_weight = 50\n"
						"  cpu_max = \"25%\"\n"
						"  io_weight = 500\n"
						"}\n",
						"t", &c, &e),
			 0);
	assert_int_equal(c->resources.memory, 256 << 20);
	assert_int_equal(c->resources.memory_swap, 0);
	assert_int_equal(c->resources.cpu_weight, 50);
	assert_int_equal(c->resources.cpu_max, 25000);
	assert_int_equal(c->resources.io_weight, 500);
	sysctr_ct_config_free(c);
	/* not set: the host's defaults */
	assert_int_equal(sysctr_ct_config_parse("", "t", &c, &e), 0);
	assert_int_equal(c->resources.memory_swap, -1);
	assert_int_equal(c->resources.cpu_weight, 0);
	assert_int_equal(c->resources.cpu_max, 0);
	assert_int_equal(c->resources.io_weight, 0);
	sysctr_ct_config_free(c);
}

static void test_same_at_start(void **state)
{
	struct sysctr_ct_config *a = NULL, *b = NULL;
	struct sysctr_error *e = NULL;

	(void)state;
	assert_int_equal(sysctr_ct_config_parse("autostart {\n  order = 1\n}\n",
						"a", &a, &e),
			 0);
	assert_int_equal(sysctr_ct_config_parse("resources {\n  pids = 9\n}\n"
						"snapshots {\n  keep_daily = "
						"1\n}\n",
						"b", &b, &e),
			 0);
	assert_true(sysctr_ct_config_same_at_start(a, b));
	sysctr_ct_config_free(b);
	assert_int_equal(sysctr_ct_config_parse("raw {\n  lxc.cap.drop = "
						"\"sys_time\"\n}\n",
						"b", &b, &e),
			 0);
	assert_false(sysctr_ct_config_same_at_start(a, b));
	sysctr_ct_config_free(b);
	assert_int_equal(
	    sysctr_ct_config_parse("mount \"d\" {\n  source = \"/\"\n  path "
				   "= \"/srv\"\n}\n",
				   "b", &b, &e),
	    0);
	assert_false(sysctr_ct_config_same_at_start(a, b));
	sysctr_ct_config_free(b);
	sysctr_ct_config_free(a);
}

/* What a file sets itself, told from what it leaves to the defaults (create
 * fills autostart.ready in only where the admin did not). */
static void test_text_sets(void **state)
{
	(void)state;
	assert_false(sysctr_ct_config_text_sets("", "autostart.ready"));
	assert_false(sysctr_ct_config_text_sets("autostart {\n order = 5\n}\n",
						"autostart.ready"));
	assert_true(sysctr_ct_config_text_sets(
	    "autostart {\n ready = \"started\"\n}\n", "autostart.ready"));
	/* set to the default's own value is still set */
	assert_true(sysctr_ct_config_text_sets(
	    "autostart {\n ready = \"systemd\"\n}\n", "autostart.ready"));
	assert_true(
	    sysctr_ct_config_text_sets("template = \"debian\"\n", "template"));
	assert_false(sysctr_ct_config_text_sets("", "template"));
	/* unknown keys, titled sections and broken text: not set */
	assert_false(sysctr_ct_config_text_sets("", "autostart.nosuch"));
	assert_false(sysctr_ct_config_text_sets("", "mount.data.path"));
	assert_false(
	    sysctr_ct_config_text_sets("autostart {", "autostart.ready"));
}

static void test_needs_restart(void **state)
{
	assert_false(sysctr_ct_config_key_needs_restart("autostart.order"));
	assert_false(sysctr_ct_config_key_needs_restart("autostart.after"));
	assert_false(sysctr_ct_config_key_needs_restart("snapshots.schedule"));
	assert_false(
	    sysctr_ct_config_key_needs_restart("snapshots.keep_daily"));
	/* written to the running container's cgroup */
	assert_false(sysctr_ct_config_key_needs_restart("resources.memory"));
	assert_false(sysctr_ct_config_key_needs_restart("resources.cpu_max"));
	assert_true(sysctr_ct_config_key_needs_restart("network.bridge"));
	assert_true(sysctr_ct_config_key_needs_restart("mount.data.path"));
	assert_true(sysctr_ct_config_key_needs_restart("template"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_host_defaults),
		cmocka_unit_test(test_host_values),
		cmocka_unit_test(test_host_invalid),
		cmocka_unit_test(test_mirror_check),
		cmocka_unit_test(test_get_key),
		cmocka_unit_test(test_apply_replace),
		cmocka_unit_test(test_apply_insert),
		cmocka_unit_test(test_apply_append),
		cmocka_unit_test(test_apply_top_level),
		cmocka_unit_test(test_apply_errors),
		cmocka_unit_test(test_apply_values),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_same_at_start),
		cmocka_unit_test(test_needs_restart),
		cmocka_unit_test(test_text_sets),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
