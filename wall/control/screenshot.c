#include "screenshot.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "limits.h"

char *wall_screenshot_default_dir(const char *state_path)
{
	char *dir = g_path_get_dirname(state_path);
	char *shots = g_build_filename(dir, "screenshots", NULL);
	g_free(dir);
	return shots;
}

int wall_screenshot_dir_open(const char *path, GError **error)
{
	if (g_mkdir_with_parents(path, 0700) != 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "--screenshot-dir %s: cannot create it: %s", path, g_strerror(errno));
		return -1;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		            "--screenshot-dir %s: %s", path, g_strerror(errno));
	}
	return fd;
}

bool wall_screenshot_name_ok(const char *name, char **why)
{
	size_t length = strlen(name);
	if (length == 0 || length > WALL_CONTROL_MAX_SCREENSHOT_NAME) {
		*why = g_strdup_printf("a screenshot's name has 1 to %d bytes",
		                       WALL_CONTROL_MAX_SCREENSHOT_NAME);
		return false;
	}
	if (strchr(name, '/') != NULL || name[0] == '.') {
		*why = g_strdup_printf("\"%s\" is not a file name: a screenshot goes into the "
		                       "screenshot folder by a name such as wall-1.png, with no "
		                       "'/' and no leading '.'",
		                       name);
		return false;
	}
	if (length < 5 || g_ascii_strcasecmp(name + length - 4, ".png") != 0) {
		*why = g_strdup_printf("\"%s\": a screenshot's name ends in .png", name);
		return false;
	}
	return true;
}

static cairo_status_t write_all(void *closure, const unsigned char *data, unsigned int length)
{
	int fd = *(int *)closure;
	while (length > 0) {
		ssize_t n = write(fd, data, length);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return CAIRO_STATUS_WRITE_ERROR;
		}
		data += n;
		length -= (unsigned int)n;
	}
	return CAIRO_STATUS_SUCCESS;
}

bool wall_screenshot_write(int dir_fd, const char *name, cairo_surface_t *picture, GError **error)
{
	char *why = NULL;
	if (!wall_screenshot_name_ok(name, &why)) {
		g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, why);
		g_free(why);
		return false;
	}
	struct stat info;
	if (fstatat(dir_fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(info.st_mode)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
		            "%s is there and is not a regular file (a link or a folder); it is "
		            "neither followed nor replaced",
		            name);
		return false;
	}
	/* A fresh file of our own: O_EXCL never opens what is already there. */
	char *temporary = g_strdup_printf(".wall-screenshot-%08x.tmp", g_random_int());
	int fd = openat(dir_fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	                0640);
	bool ok = fd >= 0;
	if (!ok) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", name,
		            g_strerror(errno));
		goto out;
	}
	cairo_status_t status = cairo_surface_write_to_png_stream(picture, write_all, &fd);
	ok = close(fd) == 0 && status == CAIRO_STATUS_SUCCESS;
	if (!ok) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_IO, "%s: cannot write it: %s", name,
		            status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(status)
		                                           : g_strerror(errno));
	} else if (renameat(dir_fd, temporary, dir_fd, name) != 0) {
		ok = false;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", name,
		            g_strerror(errno));
	}
	if (!ok) {
		unlinkat(dir_fd, temporary, 0);
	}
out:
	g_free(temporary);
	return ok;
}
