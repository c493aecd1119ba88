#include "png_file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static cairo_status_t read_fd(void *closure, unsigned char *data, unsigned int length)
{
	int fd = *(int *)closure;
	while (length > 0) {
		ssize_t got = read(fd, data, length);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got <= 0) {
			return CAIRO_STATUS_READ_ERROR;
		}
		data += got;
		length -= (unsigned int)got;
	}
	return CAIRO_STATUS_SUCCESS;
}

static uint32_t big_endian(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The size in the IHDR chunk, which the PNG format puts first. */
static bool too_large(int fd)
{
	unsigned char header[24];
	bool large = pread(fd, header, sizeof(header), 0) == (ssize_t)sizeof(header) &&
		     memcmp(header + 12, "IHDR", 4) == 0 &&
		     (big_endian(header + 16) > PNG_FILE_MAX_SIDE_PX ||
		      big_endian(header + 20) > PNG_FILE_MAX_SIDE_PX);
	return large;
}

/*
 * Opaque and grey pictures come in other formats (RGB24 leaves its fourth
 * byte undefined); painting them onto ARGB32 gives every pixel a real
 * alpha.
 */
static cairo_surface_t *to_argb(cairo_surface_t *png, const char **reason)
{
	int width = cairo_image_surface_get_width(png);
	int height = cairo_image_surface_get_height(png);
	cairo_surface_t *argb = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
	cairo_t *cr = cairo_create(argb);
	cairo_set_source_surface(cr, png, 0, 0);
	cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
	cairo_paint(cr);
	cairo_destroy(cr);
	cairo_surface_destroy(png);
	cairo_surface_flush(argb);
	if (cairo_surface_status(argb) != CAIRO_STATUS_SUCCESS) {
		*reason = cairo_status_to_string(cairo_surface_status(argb));
		cairo_surface_destroy(argb);
		return NULL;
	}
	return argb;
}

cairo_surface_t *png_file_load(const char *path, const char **reason)
{
	/* O_NONBLOCK: opening a FIFO with no writer would wait forever. */
	int fd = g_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
	if (fd < 0) {
		*reason = g_strerror(errno);
		return NULL;
	}
	struct stat info;
	cairo_surface_t *png = NULL;
	if (fstat(fd, &info) != 0) {
		*reason = g_strerror(errno);
		goto out;
	}
	if (!S_ISREG(info.st_mode)) {
		*reason = "not a regular file";
		goto out;
	}
	if (too_large(fd)) {
		*reason = "larger than " G_STRINGIFY(PNG_FILE_MAX_SIDE_PX) " pixels on a side";
		goto out;
	}
	png = cairo_image_surface_create_from_png_stream(read_fd, &fd);
	cairo_status_t status = cairo_surface_status(png);
	if (status != CAIRO_STATUS_SUCCESS) {
		*reason = status == CAIRO_STATUS_READ_ERROR || status == CAIRO_STATUS_PNG_ERROR
				  ? "not a readable PNG image"
				  : cairo_status_to_string(status);
		cairo_surface_destroy(png);
		png = NULL;
	} else if (cairo_image_surface_get_format(png) != CAIRO_FORMAT_ARGB32) {
		png = to_argb(png, reason);
	}
out:
	close(fd);
	return png;
}
