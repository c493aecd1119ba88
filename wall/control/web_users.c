#include "web_users.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Users' files are a few lines; anything larger is not one. */
#define MAX_USERS_FILE (64 * 1024)
#define MIN_TOKEN 8

struct wall_web_users {
	/* struct wall_web_user *. */
	GPtrArray *users;
	/* Their tokens, in the same order, NULL-terminated. */
	GPtrArray *tokens;
};

const char *wall_web_role_name(enum wall_web_role role)
{
	return role == WALL_WEB_ROLE_OPERATOR ? "operator" : "viewer";
}

static void user_free(void *data)
{
	struct wall_web_user *user = data;
	memset(user->token, 0, strlen(user->token));
	g_free(user->token);
	g_free(user->name);
	g_free(user);
}

void wall_web_users_free(struct wall_web_users *users)
{
	if (users == NULL) {
		return;
	}
	g_ptr_array_unref(users->tokens);
	g_ptr_array_unref(users->users);
	g_free(users);
}

static bool name_ok(const char *name)
{
	for (const char *p = name; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-') {
			return false;
		}
	}
	return name[0] != '\0' && strlen(name) <= 64;
}

static bool add_user(struct wall_web_users *users, enum wall_web_role role, const char *name,
                     const char *token, const char *where, GError **error)
{
	if (strlen(token) < MIN_TOKEN) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s: a token is one word of at least %d characters", where, MIN_TOKEN);
		return false;
	}
	for (guint i = 0; i < users->users->len; i++) {
		const struct wall_web_user *other = users->users->pdata[i];
		if (strcmp(other->name, name) == 0 || strcmp(other->token, token) == 0) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			            "%s: %s comes twice (each user needs a name and a token of "
			            "their own; the --token-file token is the user \"operator\")",
			            where,
			            strcmp(other->name, name) == 0 ? "the name" : "the token");
			return false;
		}
	}
	struct wall_web_user *user = g_new0(struct wall_web_user, 1);
	user->name = g_strdup(name);
	user->role = role;
	user->token = g_strdup(token);
	g_ptr_array_add(users->users, user);
	g_ptr_array_remove_index(users->tokens, users->tokens->len - 1);
	g_ptr_array_add(users->tokens, user->token);
	g_ptr_array_add(users->tokens, NULL);
	return true;
}

static char *read_private_file(const char *path, GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat info;
	if (fd < 0 || fstat(fd, &info) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "--web-users %s: %s", path, g_strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return NULL;
	}
	if ((info.st_mode & 077) != 0 || !S_ISREG(info.st_mode) || info.st_size > MAX_USERS_FILE) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
		            (info.st_mode & 077) != 0
		                    ? "--web-users %s: others can read it (mode %04o); it must be "
		                      "a file only its owner reads: chmod 600 %s"
		                    : "--web-users %s: not a users file (mode %04o) %s",
		            path, (unsigned)(info.st_mode & 07777), path);
		close(fd);
		return NULL;
	}
	char *text = g_malloc0((gsize)info.st_size + 1);
	ssize_t n = read(fd, text, (size_t)info.st_size);
	close(fd);
	if (n < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "--web-users %s: %s", path, g_strerror(errno));
		g_free(text);
		return NULL;
	}
	return text;
}

static bool parse_line(struct wall_web_users *users, char *line, const char *where, GError **error)
{
	char *hash = strchr(line, '#');
	if (hash != NULL) {
		*hash = '\0';
	}
	char **words = g_strsplit_set(g_strstrip(line), " \t", -1);
	GPtrArray *parts = g_ptr_array_new();
	for (char **w = words; *w != NULL; w++) {
		if (**w != '\0') {
			g_ptr_array_add(parts, *w);
		}
	}
	bool ok = true;
	if (parts->len == 0) {
		/* A blank line or a comment. */
	} else if (parts->len != 3 ||
	           (strcmp(parts->pdata[0], "operator") != 0 &&
	            strcmp(parts->pdata[0], "viewer") != 0) ||
	           !name_ok(parts->pdata[1])) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s: expected \"operator|viewer NAME TOKEN\" (NAME of letters, digits, "
		            "_ and -)",
		            where);
		ok = false;
	} else {
		enum wall_web_role role = strcmp(parts->pdata[0], "operator") == 0
		                                  ? WALL_WEB_ROLE_OPERATOR
		                                  : WALL_WEB_ROLE_VIEWER;
		ok = add_user(users, role, parts->pdata[1], parts->pdata[2], where, error);
	}
	g_ptr_array_unref(parts);
	for (char **w = words; *w != NULL; w++) {
		memset(*w, 0, strlen(*w));
	}
	g_strfreev(words);
	return ok;
}

struct wall_web_users *wall_web_users_load(const char *path, const char *operator_token,
                                           GError **error)
{
	struct wall_web_users *users = g_new0(struct wall_web_users, 1);
	users->users = g_ptr_array_new_with_free_func(user_free);
	users->tokens = g_ptr_array_new();
	g_ptr_array_add(users->tokens, NULL);
	if (operator_token != NULL && !add_user(users, WALL_WEB_ROLE_OPERATOR, "operator",
	                                        operator_token, "--token-file", error)) {
		goto err;
	}
	if (path == NULL) {
		return users;
	}
	char *text = read_private_file(path, error);
	if (text == NULL) {
		goto err;
	}
	char **lines = g_strsplit(text, "\n", -1);
	memset(text, 0, strlen(text));
	g_free(text);
	bool ok = true;
	for (guint i = 0; lines[i] != NULL && ok; i++) {
		char *where = g_strdup_printf("%s:%u", path, i + 1);
		ok = parse_line(users, lines[i], where, error);
		g_free(where);
	}
	for (guint i = 0; lines[i] != NULL; i++) {
		memset(lines[i], 0, strlen(lines[i]));
	}
	g_strfreev(lines);
	if (ok) {
		return users;
	}
err:
	wall_web_users_free(users);
	return NULL;
}

guint wall_web_users_count(const struct wall_web_users *users)
{
	return users->users->len;
}

const char *const *wall_web_users_tokens(const struct wall_web_users *users)
{
	return (const char *const *)users->tokens->pdata;
}

const struct wall_web_user *wall_web_users_get(const struct wall_web_users *users, guint index)
{
	return index < users->users->len ? users->users->pdata[index] : NULL;
}

static char *session_mac(const struct wall_web_user *user, int64_t expires_s)
{
	char *data = g_strdup_printf("wall-session:%s:%s:%" G_GINT64_FORMAT, user->name,
	                             wall_web_role_name(user->role), expires_s);
	char *mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256, (const guchar *)user->token,
	                                      strlen(user->token), data, -1);
	g_free(data);
	return mac;
}

char *wall_web_session_new(const struct wall_web_user *user, int64_t expires_s)
{
	char *mac = session_mac(user, expires_s);
	char *value = g_strdup_printf("%s.%" G_GINT64_FORMAT ".%s", user->name, expires_s, mac);
	g_free(mac);
	return value;
}

const struct wall_web_user *wall_web_session_check(const struct wall_web_users *users,
                                                   const char *value, int64_t now_s)
{
	char **parts = g_strsplit(value, ".", 4);
	const struct wall_web_user *found = NULL;
	gint64 expires_s = 0;
	if (g_strv_length(parts) == 3 &&
	    g_ascii_string_to_signed(parts[1], 10, 0, G_MAXINT64, &expires_s, NULL) &&
	    expires_s > now_s) {
		for (guint i = 0; i < users->users->len && found == NULL; i++) {
			const struct wall_web_user *user = users->users->pdata[i];
			if (strcmp(user->name, parts[0]) != 0) {
				continue;
			}
			char *mac = session_mac(user, expires_s);
			size_t n = strlen(mac);
			size_t m = strlen(parts[2]);
			unsigned diff = m != n;
			/* Constant time, so the MAC cannot be found byte by byte. */
			for (size_t j = 0; j < n; j++) {
				diff |= (unsigned char)mac[j] ^
				        (unsigned char)(j < m ? parts[2][j] : 0);
			}
			g_free(mac);
			found = diff == 0 ? user : NULL;
		}
	}
	g_strfreev(parts);
	return found;
}
