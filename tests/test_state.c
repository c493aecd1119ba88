/*
 * The state file (wall/control/state.c) on a real SQLite file: created
 * private, and a damaged one moved aside so the wall still starts.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "control/state.h"
#include "support.h"

static int file_mode(const char *path)
{
	struct stat info;
	g_assert_cmpint(g_stat(path, &info), ==, 0);
	return (int)(info.st_mode & 0777);
}

static void count_preset(void *user, int number, const char *name, const char *json)
{
	(*(int *)user)++;
}

static int preset_count(struct wall_state *state)
{
	int count = 0;
	wall_state_foreach_preset(state, count_preset, &count);
	return count;
}

/* The one PATH.corrupt-* file beside path, or NULL. g_free it. */
static char *moved_aside(const char *path)
{
	char *dir_path = g_path_get_dirname(path);
	char *base = g_path_get_basename(path);
	char *prefix = g_strconcat(base, ".corrupt-", NULL);
	g_free(base);
	GDir *dir = g_dir_open(dir_path, 0, NULL);
	g_assert_nonnull(dir);
	char *found = NULL;
	const char *name;
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_prefix(name, prefix) && !g_str_has_suffix(name, "-wal") &&
		    !g_str_has_suffix(name, "-shm")) {
			g_assert_null(found);
			found = g_build_filename(dir_path, name, NULL);
		}
	}
	g_dir_close(dir);
	g_free(prefix);
	g_free(dir_path);
	return found;
}

static void test_created_private(void)
{
	mode_t old = umask(022);
	char *path = wall_test_temp_path("private/state.sqlite");
	struct wall_state *state = wall_state_open(path, "/layout.yaml", NULL);
	umask(old);
	g_assert_nonnull(state);
	g_assert_true(wall_state_save_preset(state, 1, "one", "{\"scene\":\"a\"}"));
	g_assert_cmpint(file_mode(path), ==, 0600);
	char *wal = g_strconcat(path, "-wal", NULL);
	g_assert_cmpint(file_mode(wal), ==, 0600);
	g_free(wal);
	wall_state_close(state);
	g_free(path);
}

static void test_made_private(void)
{
	char *path = wall_test_temp_path("open/state.sqlite");
	struct wall_state *state = wall_state_open(path, "/layout.yaml", NULL);
	g_assert_nonnull(state);
	wall_state_close(state);
	g_assert_cmpint(g_chmod(path, 0644), ==, 0);
	state = wall_state_open(path, "/layout.yaml", NULL);
	g_assert_nonnull(state);
	g_assert_cmpint(file_mode(path), ==, 0600);
	wall_state_close(state);
	g_free(path);
}

static void check_starts_afresh(const char *path, const char *damaged, gsize damaged_size)
{
	GError *error = NULL;
	struct wall_state *state = wall_state_open(path, "/layout.yaml", &error);
	g_assert_no_error(error);
	g_assert_nonnull(state);
	g_assert_cmpint(preset_count(state), ==, 0);
	g_assert_null(wall_state_get_last(state));
	g_assert_true(wall_state_save_preset(state, 2, "two", "{\"scene\":\"b\"}"));
	g_assert_cmpint(preset_count(state), ==, 1);
	g_assert_cmpint(file_mode(path), ==, 0600);
	wall_state_close(state);

	/* The damaged file is kept, untouched, for whoever looks into it. */
	char *aside = moved_aside(path);
	g_assert_nonnull(aside);
	char *contents = NULL;
	gsize size = 0;
	g_assert_true(g_file_get_contents(aside, &contents, &size, NULL));
	g_assert_cmpuint(size, ==, damaged_size);
	g_assert_true(memcmp(contents, damaged, size) == 0);
	g_free(contents);
	g_free(aside);
}

static void test_garbage_moved_aside(void)
{
	char *path = wall_test_temp_path("garbage/state.sqlite");
	char *dir = g_path_get_dirname(path);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_free(dir);
	static const char garbage[] = "this is not a database, a power cut wrote it";
	g_assert_true(g_file_set_contents(path, garbage, sizeof(garbage), NULL));
	check_starts_afresh(path, garbage, sizeof(garbage));
	g_free(path);
}

static void test_damaged_pages_moved_aside(void)
{
	char *path = wall_test_temp_path("pages/state.sqlite");
	struct wall_state *state = wall_state_open(path, "/layout.yaml", NULL);
	g_assert_nonnull(state);
	/* Enough rows for several pages of the audit table and its index. */
	char *command = g_strnfill(300, 'x');
	for (int i = 0; i < 200; i++) {
		struct wall_audit_entry entry = {
			.time_us = i, .peer = "uid:0", .command = command, .result = "OK", .frame = 1};
		g_assert_true(wall_state_audit(state, &entry));
	}
	g_free(command);
	wall_state_close(state);

	char *contents = NULL;
	gsize size = 0;
	g_assert_true(g_file_get_contents(path, &contents, &size, NULL));
	g_assert_cmpuint(size, >, 8 * 4096);
	/* Scribble over the middle pages, as a torn write would. */
	for (gsize i = 3 * 4096; i < 6 * 4096; i++) {
		contents[i] = (char)(i * 7 + 13);
	}
	g_assert_true(g_file_set_contents(path, contents, (gssize)size, NULL));
	check_starts_afresh(path, contents, size);
	g_free(contents);
	g_free(path);
}

static void test_unreadable_folder_still_fails(void)
{
	/* Not damage: nothing is moved aside and the error says why. */
	GError *error = NULL;
	struct wall_state *state = wall_state_open("/proc/wall-no/state.sqlite", "/l.yaml", &error);
	g_assert_null(state);
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "/proc/wall-no/state.sqlite"));
	g_error_free(error);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/state/created-private", test_created_private);
	g_test_add_func("/state/made-private", test_made_private);
	g_test_add_func("/state/garbage-moved-aside", test_garbage_moved_aside);
	g_test_add_func("/state/damaged-pages-moved-aside", test_damaged_pages_moved_aside);
	g_test_add_func("/state/unreadable-folder-fails", test_unreadable_folder_still_fails);
	return g_test_run();
}
