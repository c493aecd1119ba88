/*
 * Who may use the web remote, and the session cookie that says who a
 * page belongs to.
 *
 * Users come from --web-users FILE (mode 0600, like --token-file): one
 * per line, "ROLE NAME TOKEN", ROLE being operator (may change the wall)
 * or viewer (sees everything, changes nothing); # starts a comment. The
 * --token-file token also logs in, as the operator "operator".
 *
 * A session is a cookie "NAME.EXPIRY.MAC", MAC being HMAC-SHA256 keyed
 * with the user's own token: nothing is kept on the server, a session
 * outlives a restart of the wall, and changing a user's token ends that
 * user's sessions.
 */
#ifndef WALL_CONTROL_WEB_USERS_H
#define WALL_CONTROL_WEB_USERS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

enum wall_web_role {
	WALL_WEB_ROLE_INVALID = 0,
	WALL_WEB_ROLE_VIEWER,
	WALL_WEB_ROLE_OPERATOR,
};

struct wall_web_user {
	char *name;
	enum wall_web_role role;
	char *token;
};

struct wall_web_users;

/**
 * Read path (NULL for none) and add operator_token (NULL for none) as the
 * operator "operator". NULL with error set, naming FILE:LINE, when the
 * file is unfit: others may read it, a line is not "ROLE NAME TOKEN", a
 * token is shorter than 8 characters, or a name or token comes twice.
 */
struct wall_web_users *wall_web_users_load(const char *path, const char *operator_token,
                                           GError **error);
/** Wipes the tokens. Accepts NULL. */
void wall_web_users_free(struct wall_web_users *users);

guint wall_web_users_count(const struct wall_web_users *users);
/** Every user's token, in order, for wall_auth_check_any(); owned by users. */
const char *const *wall_web_users_tokens(const struct wall_web_users *users);
const struct wall_web_user *wall_web_users_get(const struct wall_web_users *users, guint index);

/** "viewer" or "operator". */
const char *wall_web_role_name(enum wall_web_role role);

/** A session cookie's value for user, good until expires_s (Unix time). g_free it. */
char *wall_web_session_new(const struct wall_web_user *user, int64_t expires_s);
/** The user a session value belongs to, when its MAC holds and it has not expired at now_s. */
const struct wall_web_user *wall_web_session_check(const struct wall_web_users *users,
                                                   const char *value, int64_t now_s);

#endif
