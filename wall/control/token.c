#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *wall_token_read(const char *path, GError **error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat info;
	if (fd < 0 || fstat(fd, &info) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "--token-file %s: %s", path, g_strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return NULL;
	}
	if ((info.st_mode & 077) != 0 || !S_ISREG(info.st_mode)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
		            "--token-file %s: others can read it (mode %04o); it must be a file "
		            "only its owner reads: chmod 600 %s",
		            path, (unsigned)(info.st_mode & 07777), path);
		close(fd);
		return NULL;
	}
	/* A token is a word: a few bytes are plenty to read. */
	char buffer[4096];
	ssize_t n = read(fd, buffer, sizeof(buffer) - 1);
	close(fd);
	if (n < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "--token-file %s: %s", path, g_strerror(errno));
		return NULL;
	}
	buffer[n] = '\0';
	char *text = g_strstrip(g_strdup(buffer));
	memset(buffer, 0, sizeof(buffer));
	if (strlen(text) < 8 || strpbrk(text, " \t\r\n") != NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		            "%s: a token is one word of at least 8 characters", path);
		g_free(text);
		return NULL;
	}
	return text;
}

void wall_token_free(char *token)
{
	if (token != NULL) {
		memset(token, 0, strlen(token));
	}
	g_free(token);
}
