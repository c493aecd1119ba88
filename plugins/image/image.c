/*
 * image: a still picture from a PNG file, for maps, logos and notices.
 *
 * Cairo decodes it into an ARGB32 surface, which is premultiplied BGRA in
 * memory on the machines the wall runs on, so the surface's pixels go to
 * the host as they are. Every frame pushed holds a reference on the
 * surface, so the picture lives until the host lets go of the last one,
 * even after the instance is destroyed.
 */
#include <cairo.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <wall/plugin.h>

struct image {
	const struct wall_host *host;
	struct wall_source *source;
	char *path;
	cairo_surface_t *surface;
	gint pushes;
};

static const struct wall_option options[] = {
	{
		.name = "path",
		.type = WALL_OPTION_PATH,
		.help = "the PNG file to show, relative to the layout file",
		.flags = WALL_OPTION_REQUIRED,
	},
	{0},
};

static void release_surface(void *data)
{
	cairo_surface_destroy(data);
}

static void push(struct image *image)
{
	cairo_surface_t *surface = image->surface;
	struct wall_frame frame = {
		.format = WALL_PIXEL_FORMAT_BGRA,
		.width_px = (uint32_t)cairo_image_surface_get_width(surface),
		.height_px = (uint32_t)cairo_image_surface_get_height(surface),
		.planes = {cairo_image_surface_get_data(surface)},
		.strides = {(uint32_t)cairo_image_surface_get_stride(surface)},
		.release = release_surface,
		.release_data = cairo_surface_reference(surface),
	};
	g_atomic_int_inc(&image->pushes);
	image->host->push_frame(image->source, &frame);
}

/*
 * Load path as an ARGB32 surface, or return NULL and set *reason (static
 * text) to say why in words a user can act on.
 */
static cairo_surface_t *load(const char *path, const char **reason)
{
	/*
	 * Cairo reports a missing or unreadable file only as a generic read
	 * error, so try the file first for the system's own words.
	 */
	FILE *file = g_fopen(path, "rb");
	if (file == NULL) {
		*reason = g_strerror(errno);
		return NULL;
	}
	fclose(file);

	cairo_surface_t *png = cairo_image_surface_create_from_png(path);
	cairo_status_t status = cairo_surface_status(png);
	if (status != CAIRO_STATUS_SUCCESS) {
		*reason = status == CAIRO_STATUS_READ_ERROR || status == CAIRO_STATUS_PNG_ERROR
				  ? "not a readable PNG image"
				  : cairo_status_to_string(status);
		cairo_surface_destroy(png);
		return NULL;
	}
	if (cairo_image_surface_get_format(png) == CAIRO_FORMAT_ARGB32) {
		return png;
	}

	/*
	 * Opaque and grey pictures come in other formats (RGB24 leaves its
	 * fourth byte undefined); painting them onto ARGB32 gives every
	 * pixel a real alpha.
	 */
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

static void *image_create(const struct wall_host *host, struct wall_source *source)
{
	const char *path = host->config_string(source, "path");
	if (path == NULL || *path == '\0') {
		host->log(source, WALL_LOG_ERROR, "no image path set");
		return NULL;
	}
	const char *reason = NULL;
	cairo_surface_t *surface = load(path, &reason);
	if (surface == NULL) {
		host->log(source, WALL_LOG_ERROR, "cannot read %s: %s", path, reason);
		return NULL;
	}

	struct image *image = g_new0(struct image, 1);
	image->host = host;
	image->source = source;
	image->path = g_strdup(path);
	image->surface = surface;
	push(image);
	return image;
}

static void image_destroy(void *instance)
{
	struct image *image = instance;
	if (image == NULL) {
		return;
	}
	/* Frames still with the host hold their own references. */
	cairo_surface_destroy(image->surface);
	g_free(image->path);
	g_free(image);
}

static void image_show(void *instance)
{
	push(instance);
}

static void image_status(void *instance, wall_status_fn add, void *user)
{
	struct image *image = instance;
	char text[32];
	add(user, "path", image->path);
	g_snprintf(text, sizeof(text), "%dx%d", cairo_image_surface_get_width(image->surface),
		   cairo_image_surface_get_height(image->surface));
	add(user, "size", text);
	g_snprintf(text, sizeof(text), "%d", g_atomic_int_get(&image->pushes));
	add(user, "frames", text);
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "image",
	.description = "a still PNG picture",
	.options = options,
	.create = image_create,
	.destroy = image_destroy,
	.show = image_show,
	.status = image_status,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
