/*
 * The web remote's users file and session cookies (wall/control/web_users.c),
 * on real files: mistakes named FILE:LINE, a file others can read refused,
 * and a session that cannot be forged, moved to another user or kept
 * past its time.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "control/web_users.h"
#include "support.h"

static char *users_file(const char *text, int mode)
{
	char *path = wall_test_temp_path("users");
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_assert_cmpint(g_chmod(path, mode), ==, 0);
	return path;
}

static void assert_refused(const char *text, int mode, const char *expected)
{
	char *path = users_file(text, mode);
	GError *error = NULL;
	g_assert_null(wall_web_users_load(path, NULL, &error));
	g_assert_nonnull(error);
	if (strstr(error->message, expected) == NULL) {
		g_error("\"%s\" does not say \"%s\"", error->message, expected);
	}
	g_error_free(error);
	g_free(path);
}

static void test_roles(void)
{
	char *path = users_file("# who may use the remote\n"
	                        "operator zhang zhang-token-1   # the duty officer\n"
	                        "\n"
	                        "viewer\thall\thall-token-1\n",
	                        0600);
	GError *error = NULL;
	struct wall_web_users *users = wall_web_users_load(path, "tcp-token-1", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(wall_web_users_count(users), ==, 3);
	const struct wall_web_user *first = wall_web_users_get(users, 0);
	g_assert_cmpstr(first->name, ==, "operator");
	g_assert_cmpint(first->role, ==, WALL_WEB_ROLE_OPERATOR);
	const struct wall_web_user *hall = wall_web_users_get(users, 2);
	g_assert_cmpstr(hall->name, ==, "hall");
	g_assert_cmpint(hall->role, ==, WALL_WEB_ROLE_VIEWER);
	const char *const *tokens = wall_web_users_tokens(users);
	g_assert_cmpstr(tokens[1], ==, "zhang-token-1");
	g_assert_null(tokens[3]);
	wall_web_users_free(users);
	g_free(path);
}

static void test_mistakes(void)
{
	assert_refused("operator zhang zhang-token-1\n", 0644, "chmod 600");
	assert_refused("operator zhang zhang-token-1\nadmin li li-token-123\n", 0600,
	               "users:2: expected \"operator|viewer NAME TOKEN\"");
	assert_refused("viewer hall short\n", 0600, "users:1: a token is one word of at least 8");
	assert_refused("viewer hall hall-token-1\noperator hall other-token-1\n", 0600,
	               "users:2: the name comes twice");
	assert_refused("viewer hall hall-token-1\noperator li hall-token-1\n", 0600,
	               "users:2: the token comes twice");
	assert_refused("viewer 大厅 hall-token-1\n", 0600, "NAME of letters, digits");
}

static void test_sessions(void)
{
	char *path = users_file("operator zhang zhang-token-1\nviewer hall hall-token-1\n", 0600);
	struct wall_web_users *users = wall_web_users_load(path, NULL, NULL);
	g_assert_nonnull(users);
	const struct wall_web_user *zhang = wall_web_users_get(users, 0);
	int64_t now_s = 1800000000;
	char *value = wall_web_session_new(zhang, now_s + 60);
	g_assert_true(wall_web_session_check(users, value, now_s) == zhang);
	/* Expired. */
	g_assert_null(wall_web_session_check(users, value, now_s + 61));

	/* Another user's name on zhang's MAC, a later expiry, a changed MAC: all refused. */
	char **parts = g_strsplit(value, ".", 3);
	char *as_hall = g_strdup_printf("hall.%s.%s", parts[1], parts[2]);
	g_assert_null(wall_web_session_check(users, as_hall, now_s));
	char *later = g_strdup_printf("zhang.%" G_GINT64_FORMAT ".%s", now_s + 999999, parts[2]);
	g_assert_null(wall_web_session_check(users, later, now_s));
	char *changed = g_strdup(value);
	changed[strlen(changed) - 1] = changed[strlen(changed) - 1] == '0' ? '1' : '0';
	g_assert_null(wall_web_session_check(users, changed, now_s));
	g_assert_null(wall_web_session_check(users, "zhang", now_s));
	g_assert_null(wall_web_session_check(users, "", now_s));

	/* A new token for zhang ends the sessions made under the old one. */
	char *path2 = users_file("operator zhang zhang-token-2\nviewer hall hall-token-1\n", 0600);
	struct wall_web_users *renewed = wall_web_users_load(path2, NULL, NULL);
	g_assert_null(wall_web_session_check(renewed, value, now_s));

	wall_web_users_free(renewed);
	g_free(path2);
	g_free(changed);
	g_free(later);
	g_free(as_hall);
	g_strfreev(parts);
	g_free(value);
	wall_web_users_free(users);
	g_free(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/web-users/roles", test_roles);
	g_test_add_func("/web-users/mistakes", test_mistakes);
	g_test_add_func("/web-users/sessions", test_sessions);
	return g_test_run();
}
