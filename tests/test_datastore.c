/*
 * The table of pushed documents (wall/datastore.c): its key limits, and
 * deleting a key to make room.
 */
#include <glib.h>
#include <string.h>

#include "datastore.h"

static void test_key_limit(void)
{
	wall_data_clear();
	uint64_t refused = wall_data_refused();
	for (int i = 0; i < WALL_DATA_MAX_KEYS; i++) {
		char key[32];
		g_snprintf(key, sizeof(key), "district-%d", i);
		g_assert_true(wall_data_set(key, "{\"v\": 1}"));
	}
	g_assert_cmpuint(wall_data_count(), ==, WALL_DATA_MAX_KEYS);

	/* One more new key is refused, and says why. */
	const char *why = NULL;
	g_assert_false(wall_data_set_checked("one-too-many", "{}", &why));
	g_assert_nonnull(why);
	g_assert_nonnull(strstr(why, "1024 data keys"));
	g_assert_null(wall_data_get("one-too-many", NULL));
	g_assert_cmpuint(wall_data_refused(), ==, refused + 1);

	/* A key already there may still change. */
	uint64_t before = 0;
	g_free(wall_data_get("district-7", &before));
	g_assert_true(wall_data_set_checked("district-7", "{\"v\": 2}", &why));
	g_assert_null(why);
	uint64_t after = 0;
	char *json = wall_data_get("district-7", &after);
	g_assert_cmpstr(json, ==, "{\"v\": 2}");
	g_assert_cmpuint(after, >, before);
	g_free(json);

	/* Deleting a key makes room for a new one. */
	g_assert_true(wall_data_delete("district-3"));
	g_assert_false(wall_data_delete("district-3"));
	g_assert_null(wall_data_get("district-3", NULL));
	g_assert_true(wall_data_set("one-too-many", "{}"));
	g_assert_cmpuint(wall_data_count(), ==, WALL_DATA_MAX_KEYS);
	wall_data_clear();
	g_assert_cmpuint(wall_data_count(), ==, 0);
}

static void test_long_key(void)
{
	wall_data_clear();
	char *key = g_strnfill(WALL_DATA_MAX_KEY_BYTES + 1, 'k');
	const char *why = NULL;
	g_assert_false(wall_data_set_checked(key, "{}", &why));
	g_assert_nonnull(strstr(why, "longer than 256 bytes"));
	key[WALL_DATA_MAX_KEY_BYTES] = '\0';
	g_assert_true(wall_data_set_checked(key, "{}", &why));
	g_free(key);
	wall_data_clear();
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/datastore/key-limit", test_key_limit);
	g_test_add_func("/datastore/long-key", test_long_key);
	return g_test_run();
}
