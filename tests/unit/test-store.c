/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/store.c on throwaway databases in a temp dir. The raw sqlite3
 * connections here only look at what the store wrote. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "error.h"
#include "store-sql.h"
#include "store.h"
#include "util.h"

struct fixture {
	char dir[64];
	char *path;
	struct sysctr_store *st;
};

static int setup_dir(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/sysctr-store-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	fx->path = xasprintf("%s/sysctr.db", fx->dir);
	*state = fx;
	return 0;
}

static int setup_open(void **state)
{
	struct fixture *fx;
	cleanup_error struct sysctr_error *err = NULL;

	if (setup_dir(state) < 0)
		return -1;
	fx = *state;
	if (sysctr_store_open(fx->path, &fx->st, &err) < 0) {
		fprintf(stderr, "open: %s\n", err->msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;

	sysctr_store_close(fx->st);
	if (rm_rf(fx->dir, &err) < 0)
		fprintf(stderr, "rm_rf: %s\n", err->msg);
	free(fx->path);
	free(fx);
	return 0;
}

/* One value from a separate connection; text is copied when asked. */
static int64_t raw_query(const char *path, const char *sql, char **text)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	assert_int_equal(
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW) {
		v = sqlite3_column_int64(s, 0);
		if (text != NULL)
			*text = xstrdup_or_null(
			    (const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(
	    sqlite3_open_v2(path, &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static mode_t file_mode(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 07777;
}

static void add_ct(struct sysctr_store *st, const char *name, int64_t image)
{
	cleanup_error struct sysctr_error *err = NULL;
	struct sysctr_ct_row row = {
		.name = (char *)name,
		.template = (char *)"debian",
		.release = (char *)"bookworm",
		.arch = (char *)"amd64",
		.image_id = image,
	};

	assert_int_equal(sysctr_store_ct_insert(st, &row, &err), 0);
	assert_null(err);
	assert_true(row.id > 0);
	assert_int_equal(row.owner, sysctr_store_host_id(st));
	assert_true(row.created > 0);
}

static void test_migrate_empty(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	cleanup_free char *mode = NULL;
	cleanup_free char *wal = xasprintf("%s-wal", fx->path);
	struct sysctr_ct_row row = {
		.name = (char *)"orphan",
		.template = (char *)"debian",
		.release = (char *)"bookworm",
		.arch = (char *)"amd64",
		.image_id = 9999,
	};

	assert_int_equal(sysctr_store_open(fx->path, &fx->st, &err), 0);
	assert_null(err);
	assert_true(sysctr_store_schema_version() >= 1);
	assert_int_equal(raw_query(fx->path, "PRAGMA user_version", NULL),
			 sysctr_store_schema_version());
	assert_int_equal(file_mode(fx->path), 0600);
	raw_query(fx->path, "PRAGMA journal_mode", &mode);
	assert_string_equal(mode, "wal");
	if (path_exists(wal))
		assert_int_equal(file_mode(wal), 0600);

	/* foreign_keys is per connection: only a violation shows it. */
	assert_int_equal(sysctr_store_ct_insert(fx->st, &row, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->kind, SYSCTR_E_FAILED);
	assert_non_null(strstr(err->msg, "FOREIGN KEY"));
	assert_int_equal(
	    raw_query(fx->path, "SELECT count(*) FROM containers", NULL), 0);
}

static void test_mode_tightened(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	FILE *f;

	f = fopen(fx->path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(fx->path, 0644), 0);

	assert_int_equal(sysctr_store_open(fx->path, &fx->st, &err), 0);
	assert_int_equal(file_mode(fx->path), 0600);
}

static void test_newer_schema(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;

	raw_exec(fx->path, "PRAGMA user_version = 99");
	assert_int_equal(sysctr_store_open(fx->path, &fx->st, &err), -1);
	assert_null(fx->st);
	assert_non_null(err);
	assert_int_equal(err->kind, SYSCTR_E_FAILED);
	assert_non_null(strstr(err->msg, "database schema version 99 is newer "
					 "than this sysctr supports"));
	/* Nothing was created in a database we do not understand. */
	assert_int_equal(
	    raw_query(fx->path, "SELECT count(*) FROM sqlite_master", NULL), 0);
}

static void test_open_missing_dir(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	cleanup_free char *path = xasprintf("%s/nodir/sysctr.db", fx->dir);

	assert_int_equal(sysctr_store_open(path, &fx->st, &err), -1);
	assert_null(fx->st);
	assert_non_null(err);
	assert_int_equal(err->kind, SYSCTR_E_FAILED);
	/* The registry's path once, at the start: the context of the store,
	 * added once. */
	assert_true(strncmp(err->msg, "open registry ", 14) == 0);
	assert_non_null(strstr(err->msg, path));
	assert_null(strstr(strstr(err->msg, path) + 1, path));
}

static void test_host_row(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *name = NULL;
	char host[256] = "";
	int64_t id = sysctr_store_host_id(fx->st);

	assert_true(id > 0);
	assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
	assert_int_equal(raw_query(fx->path, "SELECT id FROM hosts", &name),
			 id);
	free(name);
	name = NULL;
	raw_query(fx->path, "SELECT name FROM hosts", &name);
	assert_string_equal(name, host);
	assert_int_equal(
	    raw_query(fx->path, "SELECT count(*) FROM hosts", NULL), 1);
}

static void test_ct_crud(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	struct sysctr_ct_row row = { 0 };
	struct sysctr_ct_row *rows = NULL;
	const char *sorted[] = { "a1", "b2", "c3", "web1" };
	size_t n = 0;

	add_ct(fx->st, "web1", 0);
	add_ct(fx->st, "c3", 0);
	add_ct(fx->st, "a1", 0);
	add_ct(fx->st, "b2", 0);

	row = (struct sysctr_ct_row){ .name = (char *)"web1",
				      .template = (char *)"alpine",
				      .release = (char *)"3.19",
				      .arch = (char *)"amd64" };
	assert_int_equal(sysctr_store_ct_insert(fx->st, &row, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_STATE);
	assert_string_equal(err->msg, "container web1 already exists");
	sysctr_error_free(steal_ptr(&err));

	assert_int_equal(sysctr_store_ct_get(fx->st, "web1", &row, &err), 0);
	assert_string_equal(row.name, "web1");
	assert_string_equal(row.template, "debian");
	assert_string_equal(row.release, "bookworm");
	assert_string_equal(row.arch, "amd64");
	assert_string_equal(row.state, "STOPPED");
	assert_int_equal(row.image_id, 0);
	assert_int_equal(row.owner, sysctr_store_host_id(fx->st));
	sysctr_ct_row_clear(&row);
	/* image_id 0 is NULL in SQL. */
	assert_int_equal(raw_query(fx->path,
				   "SELECT count(*) FROM containers "
				   "WHERE image_id IS NULL",
				   NULL),
			 4);

	assert_int_equal(sysctr_store_ct_get(fx->st, "nope", &row, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(steal_ptr(&err));
	assert_int_equal(sysctr_store_ct_exists(fx->st, "web1", &err), 1);
	assert_int_equal(sysctr_store_ct_exists(fx->st, "nope", &err), 0);
	assert_null(err);

	assert_int_equal(sysctr_store_ct_list(fx->st, &rows, &n, &err), 0);
	assert_int_equal(n, ARRAY_SIZE(sorted));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(rows[i].name, sorted[i]);
	sysctr_ct_rows_free(rows, n);

	assert_int_equal(
	    sysctr_store_ct_set_state(fx->st, "web1", "RUNNING", &err), 0);
	assert_int_equal(sysctr_store_ct_get(fx->st, "web1", &row, &err), 0);
	assert_string_equal(row.state, "RUNNING");
	assert_true(row.state_time > 0);
	sysctr_ct_row_clear(&row);
	assert_int_equal(
	    sysctr_store_ct_set_state(fx->st, "nope", "RUNNING", &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(steal_ptr(&err));

	assert_int_equal(sysctr_store_ct_delete(fx->st, "web1", &err), 0);
	assert_int_equal(sysctr_store_ct_exists(fx->st, "web1", &err), 0);
	assert_int_equal(sysctr_store_ct_get(fx->st, "web1", &row, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(steal_ptr(&err));
	assert_int_equal(sysctr_store_ct_delete(fx->st, "web1", &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(steal_ptr(&err));

	assert_int_equal(sysctr_store_ct_list(fx->st, &rows, &n, &err), 0);
	assert_int_equal(n, 3);
	sysctr_ct_rows_free(rows, n);
}

/* Leases: the lowest free address, never the bridge's own, kept for a
 * container, unique on a bridge, gone with the container. */
static void test_leases(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	struct sysctr_lease_row a = { 0 }, b = { 0 }, again = { 0 };
	struct sysctr_lease_row *rows = NULL;
	/* 10.9.0.1 .. 10.9.0.3, the bridge at .1 */
	const uint32_t first = 0x0a090001, last = 0x0a090003, gw = 0x0a090001;
	size_t n = 0;

	add_ct(fx->st, "a", 0);
	add_ct(fx->st, "b", 0);
	add_ct(fx->st, "c", 0);
	assert_int_equal(sysctr_store_lease_take(fx->st, "a", "br0", first,
						 last, gw, &a, &err),
			 0);
	assert_string_equal(a.ipv4, "10.9.0.2");
	assert_int_equal(strlen(a.hwaddr), 17);
	assert_int_equal(sysctr_store_lease_take(fx->st, "b", "br0", first,
						 last, gw, &b, &err),
			 0);
	assert_string_equal(b.ipv4, "10.9.0.3");
	/* a keeps what it has */
	assert_int_equal(sysctr_store_lease_take(fx->st, "a", "br0", first,
						 last, gw, &again, &err),
			 0);
	assert_string_equal(again.ipv4, "10.9.0.2");
	assert_string_equal(again.hwaddr, a.hwaddr);
	free(again.container);
	free(again.ipv4);
	free(again.hwaddr);
	/* the subnet is full */
	assert_int_equal(sysctr_store_lease_take(fx->st, "c", "br0", first,
						 last, gw, &again, &err),
			 -1);
	assert_non_null(strstr(err->msg, "no free address"));
	sysctr_error_free(steal_ptr(&err));
	/* a destroyed container frees its address */
	assert_int_equal(sysctr_store_ct_delete(fx->st, "a", &err), 0);
	assert_int_equal(
	    sysctr_store_lease_list(fx->st, "br0", &rows, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].container, "b");
	sysctr_lease_rows_free(rows, n);
	assert_int_equal(sysctr_store_lease_take(fx->st, "c", "br0", first,
						 last, gw, &again, &err),
			 0);
	assert_string_equal(again.ipv4, "10.9.0.2");
	free(a.container);
	free(a.ipv4);
	free(a.hwaddr);
	free(b.container);
	free(b.ipv4);
	free(b.hwaddr);
	free(again.container);
	free(again.ipv4);
	free(again.hwaddr);
}

static void test_ct_list_empty(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	struct sysctr_ct_row *rows = (struct sysctr_ct_row *)1;
	size_t n = 42;

	assert_int_equal(sysctr_store_ct_list(fx->st, &rows, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(rows);
}

static void test_images(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	struct sysctr_image_row img = {
		.template = (char *)"debian",
		.release = (char *)"bookworm",
		.arch = (char *)"amd64",
		.path = (char *)"/var/cache/sysctr/images/debian-bookworm",
		.size = 123456,
		.init = (char *)"systemd",
	};
	struct sysctr_image_row img2 = {
		.template = (char *)"alpine",
		.release = (char *)"3.19",
		.arch = (char *)"amd64",
		.path = (char *)"/var/cache/sysctr/images/alpine-3.19",
	};
	struct sysctr_image_row dup = img;
	struct sysctr_image_row got = { 0 };
	struct sysctr_image_row *rows = NULL;
	size_t n = 0;

	assert_int_equal(sysctr_store_image_insert(fx->st, &img, &err), 0);
	assert_true(img.id > 0);
	assert_int_equal(sysctr_store_image_insert(fx->st, &img2, &err), 0);

	/* The same directory twice is refused. */
	dup = img2;
	dup.release = (char *)"3.20";
	assert_int_equal(sysctr_store_image_insert(fx->st, &dup, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_STATE);
	sysctr_error_free(steal_ptr(&err));

	/* A refreshed build of the same key is a second image; find gives
	 * the newest, the older one stays for the containers that use it. */
	dup = img;
	dup.path = (char *)"/var/cache/sysctr/images/debian-bookworm.2";
	dup.created = img.created + 10;
	dup.id = 0;
	assert_int_equal(sysctr_store_image_insert(fx->st, &dup, &err), 0);
	assert_int_equal(sysctr_store_image_find(fx->st, "debian", "bookworm",
						 "amd64", &got, &err),
			 0);
	assert_int_equal(got.id, dup.id);
	sysctr_image_row_clear(&got);
	assert_int_equal(sysctr_store_image_delete(fx->st, dup.id, &err), 0);
	/* The id of the removed newest image is not given again. */
	{
		struct sysctr_image_row again = dup;
		int64_t gone = dup.id;

		again.path =
		    (char *)"/var/cache/sysctr/images/debian-bookworm.3";
		again.id = 0;
		assert_int_equal(
		    sysctr_store_image_insert(fx->st, &again, &err), 0);
		assert_true(again.id > gone);
		assert_int_equal(
		    sysctr_store_image_delete(fx->st, again.id, &err), 0);
	}

	assert_int_equal(sysctr_store_image_find(fx->st, "debian", "bookworm",
						 "amd64", &got, &err),
			 0);
	assert_int_equal(got.id, img.id);
	assert_string_equal(got.path, img.path);
	assert_string_equal(got.init, "systemd");
	assert_null(got.hash);
	assert_int_equal(got.size, 123456);
	sysctr_image_row_clear(&got);

	assert_int_equal(sysctr_store_image_get(fx->st, img2.id, &got, &err),
			 0);
	assert_string_equal(got.template, "alpine");
	assert_null(got.init);
	sysctr_image_row_clear(&got);
	assert_int_equal(sysctr_store_image_get(fx->st, 4242, &got, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(steal_ptr(&err));
	assert_int_equal(sysctr_store_image_find(fx->st, "debian", "trixie",
						 "amd64", &got, &err),
			 -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(steal_ptr(&err));

	assert_int_equal(sysctr_store_image_list(fx->st, &rows, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].template, "alpine");
	assert_string_equal(rows[1].template, "debian");
	sysctr_image_rows_free(rows, n);

	add_ct(fx->st, "web2", img.id);
	add_ct(fx->st, "web1", img.id);
	{
		char **users = NULL;

		assert_int_equal(
		    sysctr_store_image_users(fx->st, img.id, &users, &err), 0);
		assert_int_equal(strv_length(users), 2);
		assert_string_equal(users[0], "web1");
		assert_string_equal(users[1], "web2");
		strv_free(users);
		assert_int_equal(
		    sysctr_store_image_users(fx->st, img2.id, &users, &err), 0);
		assert_null(users[0]);
		strv_free(users);
	}
	assert_int_equal(sysctr_store_image_delete(fx->st, img.id, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_STATE);
	assert_string_equal(err->msg, "image in use by 2 containers");
	sysctr_error_free(steal_ptr(&err));

	assert_int_equal(sysctr_store_ct_delete(fx->st, "web1", &err), 0);
	assert_int_equal(sysctr_store_ct_delete(fx->st, "web2", &err), 0);
	assert_int_equal(sysctr_store_image_delete(fx->st, img.id, &err), 0);
	assert_null(err);
	assert_int_equal(sysctr_store_image_find(fx->st, "debian", "bookworm",
						 "amd64", &got, &err),
			 -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(steal_ptr(&err));
	assert_int_equal(sysctr_store_image_delete(fx->st, img.id, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
}

static void add_history(struct sysctr_store *st, const char *ct,
			const char *detail)
{
	cleanup_error struct sysctr_error *err = NULL;

	assert_int_equal(
	    sysctr_store_history_add(st, ct, "start", "ok", detail, &err), 0);
	assert_null(err);
}

static void test_history(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	struct sysctr_history_row *rows = NULL;
	size_t n = 0;

	add_history(fx->st, "a", "a1");
	add_history(fx->st, "b", "b1");
	add_history(fx->st, "a", "a2");
	add_history(fx->st, NULL, "boot");
	add_history(fx->st, "a", "a3");
	add_history(fx->st, "b", "b2");
	add_history(fx->st, "a", "a4");

	assert_int_equal(
	    sysctr_store_history_list(fx->st, NULL, 0, &rows, &n, &err), 0);
	assert_int_equal(n, 7);
	for (size_t i = 1; i < n; i++)
		assert_true(rows[i - 1].id < rows[i].id);
	assert_string_equal(rows[0].detail, "a1");
	assert_null(rows[3].container);
	assert_string_equal(rows[3].detail, "boot");
	assert_string_equal(rows[6].action, "start");
	assert_string_equal(rows[6].outcome, "ok");
	assert_true(rows[6].time > 0);
	sysctr_history_rows_free(rows, n);

	/* The newest three of a, oldest first. */
	assert_int_equal(
	    sysctr_store_history_list(fx->st, "a", 3, &rows, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].detail, "a2");
	assert_string_equal(rows[1].detail, "a3");
	assert_string_equal(rows[2].detail, "a4");
	sysctr_history_rows_free(rows, n);

	assert_int_equal(
	    sysctr_store_history_list(fx->st, "b", 0, &rows, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].detail, "b1");
	assert_string_equal(rows[1].detail, "b2");
	sysctr_history_rows_free(rows, n);

	assert_int_equal(
	    sysctr_store_history_list(fx->st, NULL, 2, &rows, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].detail, "b2");
	assert_string_equal(rows[1].detail, "a4");
	sysctr_history_rows_free(rows, n);

	assert_int_equal(
	    sysctr_store_history_list(fx->st, "zz", 5, &rows, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(rows);

	/* Who ran it: this test's uid. */
	assert_int_equal(
	    sysctr_store_history_list(fx->st, "b", 1, &rows, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].uid, (int64_t)getuid());
	sysctr_history_rows_free(rows, n);

	/* By action and time: the rows older than an hour are not shown */
	assert_int_equal(
	    sysctr_store_history_add(fx->st, "b", "stop", "ok", "b3", &err), 0);
	raw_exec(fx->path, "UPDATE history SET time = time - 7200 WHERE "
			   "detail IN ('b1', 'a1')");
	{
		struct sysctr_store_history_filter f = { .action = "stop" };

		assert_int_equal(
		    sysctr_store_history_find(fx->st, &f, &rows, &n, &err), 0);
		assert_int_equal(n, 1);
		assert_string_equal(rows[0].detail, "b3");
		sysctr_history_rows_free(rows, n);
		f.action = NULL;
		f.container = "b";
		f.since = (int64_t)time(NULL) - 3600;
		assert_int_equal(
		    sysctr_store_history_find(fx->st, &f, &rows, &n, &err), 0);
		assert_int_equal(n, 2);
		assert_string_equal(rows[0].detail, "b2");
		assert_string_equal(rows[1].detail, "b3");
		sysctr_history_rows_free(rows, n);
		f.container = NULL;
		f.action = "start";
		f.limit = 2;
		assert_int_equal(
		    sysctr_store_history_find(fx->st, &f, &rows, &n, &err), 0);
		assert_int_equal(n, 2);
		assert_string_equal(rows[0].detail, "b2");
		assert_string_equal(rows[1].detail, "a4");
		sysctr_history_rows_free(rows, n);
	}

	/* History outlives its container. */
	add_ct(fx->st, "a", 0);
	assert_int_equal(sysctr_store_ct_delete(fx->st, "a", &err), 0);
	assert_int_equal(
	    sysctr_store_history_list(fx->st, "a", 0, &rows, &n, &err), 0);
	assert_int_equal(n, 4);
	sysctr_history_rows_free(rows, n);
	assert_null(err);
}

static void test_transaction(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	struct sysctr_ct_row row = { 0 };

	assert_false(sysctr_store_in_tx(fx->st));
	assert_int_equal(sysctr_store_begin(fx->st, &err), 0);
	assert_true(sysctr_store_in_tx(fx->st));
	add_ct(fx->st, "web1", 0);
	add_history(fx->st, "web1", "create");
	assert_int_equal(sysctr_store_ct_get(fx->st, "web1", &row, &err), 0);
	sysctr_ct_row_clear(&row);
	/* A second begin inside the first is refused. */
	assert_int_equal(sysctr_store_begin(fx->st, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_FAILED);
	sysctr_error_free(steal_ptr(&err));
	sysctr_store_rollback(fx->st);
	assert_false(sysctr_store_in_tx(fx->st));

	assert_int_equal(sysctr_store_ct_get(fx->st, "web1", &row, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(steal_ptr(&err));
	assert_int_equal(
	    raw_query(fx->path, "SELECT count(*) FROM history", NULL), 0);
	/* Rolling back with nothing open is harmless. */
	sysctr_store_rollback(fx->st);

	/* A failing statement inside leaves the transaction to its owner. */
	assert_int_equal(sysctr_store_begin(fx->st, &err), 0);
	add_ct(fx->st, "web2", 0);
	row = (struct sysctr_ct_row){ .name = (char *)"web2",
				      .template = (char *)"debian",
				      .release = (char *)"bookworm",
				      .arch = (char *)"amd64" };
	assert_int_equal(sysctr_store_ct_insert(fx->st, &row, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_STATE);
	sysctr_error_free(steal_ptr(&err));
	add_ct(fx->st, "web3", 0);
	assert_int_equal(sysctr_store_commit(fx->st, &err), 0);
	assert_null(err);
	assert_int_equal(
	    raw_query(fx->path, "SELECT count(*) FROM containers", NULL), 2);

	assert_int_equal(sysctr_store_commit(fx->st, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_FAILED);
}

/* The close keeps a short WAL (no fsync for a short command) and folds a
 * long one into the database, truncating it; nothing is lost either way. */
static off_t wal_size(const char *db)
{
	cleanup_free char *wal = xasprintf("%s-wal", db);
	struct stat sb;

	assert_int_equal(stat(wal, &sb), 0);
	return sb.st_size;
}

static void test_wal_checkpoint(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;

	for (int i = 0; i < 5; i++)
		add_history(fx->st, "web1", "start");
	sysctr_store_close(steal_ptr(&fx->st));
	assert_true(wal_size(fx->path) > 0);

	assert_int_equal(sysctr_store_open(fx->path, &fx->st, &err), 0);
	/* each commit appends at least one frame: past the threshold */
	for (int i = 0; i < 200; i++)
		add_history(fx->st, "web1", "stop");
	sysctr_store_close(steal_ptr(&fx->st));
	assert_int_equal(wal_size(fx->path), 0);

	assert_int_equal(sysctr_store_open(fx->path, &fx->st, &err), 0);
	assert_int_equal(
	    raw_query(fx->path, "SELECT count(*) FROM history", NULL), 205);
	{
		cleanup_free char *ok = NULL;

		raw_query(fx->path, "PRAGMA integrity_check", &ok);
		assert_string_equal(ok, "ok");
	}
}

/* A quick command leaves a short WAL for later; one that has already
 * run a while (a stop, a create) folds it before its first write, once. */
static void test_wal_fold_after_long_run(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	off_t before, folded;

	for (int i = 0; i < 3; i++)
		add_history(fx->st, "web1", "start");
	sysctr_store_close(steal_ptr(&fx->st));
	before = wal_size(fx->path);
	assert_true(before > 0);

	assert_int_equal(sysctr_store_open(fx->path, &fx->st, &err), 0);
	fx->st->opened -= 1.0; /* as if the command had run a second */
	add_history(fx->st, "web1", "stop");
	folded = wal_size(fx->path);
	/* emptied, then this one commit's frames after a new header */
	assert_true(folded > 0);
	assert_true(folded < before);
	assert_int_equal((folded - 32) % (4096 + 24), 0);
	/* once: the next write appends */
	add_history(fx->st, "web1", "stop");
	assert_true(wal_size(fx->path) > folded);
	sysctr_store_close(steal_ptr(&fx->st));
	assert_int_equal(
	    raw_query(fx->path, "SELECT count(*) FROM history", NULL), 5);
	assert_int_equal(sysctr_store_open(fx->path, &fx->st, &err), 0);
}

/* Not while the connection still steps a statement (a write inside a
 * loop over rows): the checkpoint would fail on its own reader. */
static void test_wal_fold_not_while_stepping(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	sqlite3_stmt *q = NULL;
	off_t before;

	for (int i = 0; i < 3; i++)
		add_history(fx->st, "web1", "start");
	before = wal_size(fx->path);
	fx->st->opened -= 1.0;
	assert_int_equal(sqlite3_prepare_v2(fx->st->db,
					    "SELECT id FROM history", -1, &q,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	add_history(fx->st, "web1", "stop");
	assert_false(fx->st->folded);
	assert_true(wal_size(fx->path) > before);
	sqlite3_finalize(q);
	/* the next write, with nothing stepped, folds */
	add_history(fx->st, "web1", "stop");
	assert_true(fx->st->folded);
	assert_true(wal_size(fx->path) < before);
	assert_null(err);
}

static char *read_whole(const char *path, size_t *len)
{
	char *buf = NULL;

	assert_int_equal(read_file(path, &buf, len, NULL), 0);
	return buf;
}

/* The WAL index (-shm) a registry's first connection finds is never
 * trusted: here it is a valid index of an older state of the same WAL,
 * which SQLite would use as it is (and miss the newer rows) were it not
 * reset. */
static void test_shm_stale(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	cleanup_free char *shm = xasprintf("%s-shm", fx->path);
	cleanup_free char *old = NULL;
	size_t len = 0;
	struct stat sb;

	for (int i = 0; i < 3; i++)
		add_history(fx->st, "web1", "start");
	sysctr_store_close(steal_ptr(&fx->st));
	old = read_whole(shm, &len);
	assert_true(len >= 32768);

	assert_int_equal(sysctr_store_open(fx->path, &fx->st, &err), 0);
	for (int i = 0; i < 2; i++)
		add_history(fx->st, "web1", "stop");
	sysctr_store_close(steal_ptr(&fx->st));
	assert_true(wal_size(fx->path) > 0);
	assert_int_equal(write_file_replace(shm, old, len, 0600, NULL), 0);

	assert_int_equal(sysctr_store_open(fx->path, &fx->st, &err), 0);
	assert_int_equal(
	    raw_query(fx->path, "SELECT count(*) FROM history", NULL), 5);
	/* reset in place: the file kept its size (and so its blocks) */
	assert_int_equal(stat(shm, &sb), 0);
	assert_int_equal(sb.st_size, (off_t)len);
}

/* store_shm_ftruncate(): a -shm file truncated to 3 bytes is zeroed in
 * place; any other file, or another size, is truncated. */
static void test_shm_ftruncate(void **state)
{
	struct fixture *fx = *state;
	cleanup_free char *shm = xasprintf("%s/x.db-shm", fx->dir);
	cleanup_free char *wal = xasprintf("%s/x.db-wal", fx->dir);
	char junk[32768];
	struct stat sb;

	memset(junk, 0xaa, sizeof(junk));
	assert_int_equal(
	    write_file_replace(shm, junk, sizeof(junk), 0600, NULL), 0);
	assert_int_equal(
	    write_file_replace(wal, junk, sizeof(junk), 0600, NULL), 0);
	{
		cleanup_close int fd = open(shm, O_RDWR | O_CLOEXEC);
		cleanup_free char *back = NULL;
		size_t len = 0;

		assert_true(fd >= 0);
		assert_int_equal(store_shm_ftruncate(fd, 3), 0);
		back = read_whole(shm, &len);
		assert_int_equal(len, sizeof(junk));
		for (size_t i = 0; i < len; i++)
			assert_int_equal(back[i], 0);
		/* another size is SQLite's own truncation */
		assert_int_equal(store_shm_ftruncate(fd, 4096), 0);
		assert_int_equal(fstat(fd, &sb), 0);
		assert_int_equal(sb.st_size, 4096);
	}
	{
		cleanup_close int fd = open(wal, O_RDWR | O_CLOEXEC);

		assert_true(fd >= 0);
		assert_int_equal(store_shm_ftruncate(fd, 3), 0);
		assert_int_equal(fstat(fd, &sb), 0);
		assert_int_equal(sb.st_size, 3);
	}
}

/* Layers, stacks and snapshots (store-snap.c). */
static char *joined(char **v)
{
	char *s = strv_join(v, ",");

	strv_free(v);
	return s;
}

static void test_snapshots(void **state)
{
	struct fixture *fx = *state;
	struct sysctr_error *err = NULL;
	struct sysctr_ct_row ct = { 0 };
	struct sysctr_snap_row s1 = { .name = (char *)"s1" };
	struct sysctr_snap_row s2 = { .name = (char *)"s2",
				      .comment = (char *)"c",
				      .kind = (char *)"auto" };
	struct sysctr_snap_row got = { 0 };
	struct sysctr_snap_row *rows = NULL;
	char *a_only[] = { (char *)"a", NULL };
	char *b_a[] = { (char *)"b", (char *)"a", NULL };
	char **v = NULL;
	char *owner = NULL, *text;
	size_t n = 0;

	add_ct(fx->st, "web1", 0);
	assert_int_equal(sysctr_store_ct_get(fx->st, "web1", &ct, &err), 0);
	assert_int_equal(sysctr_store_layer_insert(fx->st, "a", &err), 0);
	assert_int_equal(sysctr_store_layer_insert(fx->st, "b", &err), 0);
	/* a stack names registered layers only */
	assert_int_equal(sysctr_store_ct_set_layers(fx->st, ct.id, b_a, &err),
			 0);
	{
		char *bad[] = { (char *)"nope", NULL };

		assert_int_equal(
		    sysctr_store_ct_set_layers(fx->st, ct.id, bad, &err), -1);
		assert_non_null(err);
		sysctr_error_free(err);
		err = NULL;
	}
	assert_int_equal(sysctr_store_ct_layers(fx->st, ct.id, &v, &err), 0);
	text = joined(v);
	assert_string_equal(text, "b,a");
	free(text);

	assert_int_equal(
	    sysctr_store_snap_insert(fx->st, ct.id, &s1, a_only, &err), 0);
	assert_int_equal(
	    sysctr_store_snap_insert(fx->st, ct.id, &s2, b_a, &err), 0);
	assert_true(s1.id > 0 && s2.id > s1.id && s1.created > 0);
	s1.id = 0;
	assert_int_equal(
	    sysctr_store_snap_insert(fx->st, ct.id, &s1, a_only, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_STATE);
	sysctr_error_free(err);
	err = NULL;

	assert_int_equal(
	    sysctr_store_snap_get(fx->st, ct.id, "s2", &got, &v, &err), 0);
	assert_string_equal(got.comment, "c");
	assert_string_equal(got.kind, "auto");
	assert_string_equal(got.layer, "b");
	assert_int_equal(got.size, -1);
	text = joined(v);
	assert_string_equal(text, "b,a");
	free(text);
	sysctr_snap_row_clear(&got);
	assert_int_equal(sysctr_store_layer_set_size(fx->st, "b", 4096, &err),
			 0);
	assert_int_equal(sysctr_store_snap_list(fx->st, ct.id, &rows, &n, &err),
			 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].name, "s1");
	assert_string_equal(rows[0].kind, "manual");
	assert_int_equal(rows[1].size, 4096);
	sysctr_snap_rows_free(rows, n);
	assert_int_equal(
	    sysctr_store_snap_get(fx->st, ct.id, "s3", &got, NULL, &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(err);
	err = NULL;

	/* what a pending switch makes, and who */
	assert_int_equal(
	    sysctr_store_ct_set_pending(fx->st, ct.id, "freeze b", &err), 0);
	assert_int_equal(
	    sysctr_store_layer_pending_owner(fx->st, "b", &owner, &err), 1);
	assert_string_equal(owner, "web1");
	free(owner);
	assert_int_equal(
	    sysctr_store_layer_pending_owner(fx->st, "a", &owner, &err), 0);
	assert_int_equal(sysctr_store_ct_set_pending(fx->st, ct.id, NULL, &err),
			 0);

	/* a layer goes when nothing uses it any more, not before */
	assert_int_equal(sysctr_store_snap_delete(fx->st, ct.id, "s1", &err),
			 0);
	assert_int_equal(sysctr_store_layers_unused_take(fx->st, &v, &err), 0);
	assert_null(v[0]);
	strv_free(v);
	assert_int_equal(
	    sysctr_store_ct_set_layers(fx->st, ct.id, a_only, &err), 0);
	assert_int_equal(sysctr_store_snap_delete(fx->st, ct.id, "s2", &err),
			 0);
	assert_int_equal(sysctr_store_layers_unused_take(fx->st, &v, &err), 0);
	text = joined(v);
	assert_string_equal(text, "b");
	free(text);
	/* the container's row takes its stack (and snapshots) with it */
	assert_int_equal(sysctr_store_ct_delete(fx->st, "web1", &err), 0);
	assert_int_equal(sysctr_store_layers_unused_take(fx->st, &v, &err), 0);
	text = joined(v);
	assert_string_equal(text, "a");
	free(text);
	assert_int_equal(sysctr_store_layer_names(fx->st, &v, &err), 0);
	assert_null(v[0]);
	strv_free(v);
	assert_null(err);
	sysctr_ct_row_clear(&ct);
}

static void test_reopen(void **state)
{
	struct fixture *fx = *state;
	cleanup_error struct sysctr_error *err = NULL;
	struct sysctr_ct_row row = { 0 };
	int64_t host = sysctr_store_host_id(fx->st);

	add_ct(fx->st, "web1", 0);
	add_history(fx->st, "web1", "create");
	sysctr_store_close(steal_ptr(&fx->st));

	/* A re-run of step 1 would bring the index back (or fail on the
	 * tables that exist). */
	raw_exec(fx->path, "DROP INDEX history_container");

	assert_int_equal(sysctr_store_open(fx->path, &fx->st, &err), 0);
	assert_null(err);
	assert_int_equal(raw_query(fx->path,
				   "SELECT count(*) FROM sqlite_master "
				   "WHERE name = 'history_container'",
				   NULL),
			 0);
	assert_int_equal(raw_query(fx->path, "PRAGMA user_version", NULL),
			 sysctr_store_schema_version());
	assert_int_equal(sysctr_store_host_id(fx->st), host);
	assert_int_equal(
	    raw_query(fx->path, "SELECT count(*) FROM hosts", NULL), 1);
	assert_int_equal(sysctr_store_ct_get(fx->st, "web1", &row, &err), 0);
	assert_string_equal(row.template, "debian");
	sysctr_ct_row_clear(&row);
	assert_int_equal(
	    raw_query(fx->path, "SELECT count(*) FROM history", NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_empty, setup_dir,
						teardown),
		cmocka_unit_test_setup_teardown(test_mode_tightened, setup_dir,
						teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema, setup_dir,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_dir,
						setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_host_row, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_leases, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_ct_crud, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_ct_list_empty, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_images, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_history, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_transaction, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_snapshots, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_wal_checkpoint, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_wal_fold_after_long_run,
						setup_open, teardown),
		cmocka_unit_test_setup_teardown(
		    test_wal_fold_not_while_stepping, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_shm_stale, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_shm_ftruncate, setup_dir,
						teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup_open,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
