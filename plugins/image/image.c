/*
 * image: a still picture from a PNG file, for maps, logos and notices.
 *
 * Cairo decodes it, on a thread of its own, into an ARGB32 surface, which
 * is premultiplied BGRA in memory on the machines the wall runs on, so the
 * surface's pixels go to the host as they are. Every frame pushed holds a
 * reference on the surface, so the picture lives until the host lets go
 * of the last one, even after the instance is destroyed.
 */
#include <glib.h>
#include <wall/plugin.h>

#include "png_file.h"

/*
 * One picture being read. The instance and the reading thread each hold a
 * reference: destroy() never waits for a slow disk or a big decode.
 */
struct load {
	gint refs;
	char *path;
	GMutex lock;
	/* Set by destroy(): the thread then tells the host nothing more. */
	bool cancelled;
	const struct wall_host *host;
	struct wall_source *source;
	/* The picture once read; NULL before, or when it could not be. */
	cairo_surface_t *surface;
	gint pushes;
};

struct image {
	struct load *load;
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

static void load_unref(struct load *load)
{
	if (!g_atomic_int_dec_and_test(&load->refs)) {
		return;
	}
	if (load->surface != NULL) {
		cairo_surface_destroy(load->surface);
	}
	g_mutex_clear(&load->lock);
	g_free(load->path);
	g_free(load);
}

static void release_surface(void *data)
{
	cairo_surface_destroy(data);
}

/* Under load->lock, with the picture read and the instance alive. */
static void push_locked(struct load *load)
{
	cairo_surface_t *surface = load->surface;
	struct wall_frame frame = {
		.format = WALL_PIXEL_FORMAT_BGRA,
		.width_px = (uint32_t)cairo_image_surface_get_width(surface),
		.height_px = (uint32_t)cairo_image_surface_get_height(surface),
		.planes = {cairo_image_surface_get_data(surface)},
		.strides = {(uint32_t)cairo_image_surface_get_stride(surface)},
		.release = release_surface,
		.release_data = cairo_surface_reference(surface),
	};
	g_atomic_int_inc(&load->pushes);
	load->host->push_frame(load->source, &frame);
}

/*
 * The reading thread: the file is opened and decoded here, never on the
 * render thread. Until the picture comes, the tile shows its slate.
 */
static void *read_picture(void *data)
{
	struct load *load = data;
	const char *reason = NULL;
	cairo_surface_t *surface = png_file_load(load->path, &reason);
	g_mutex_lock(&load->lock);
	load->surface = surface;
	if (!load->cancelled && surface != NULL) {
		push_locked(load);
	} else if (!load->cancelled) {
		char *why = g_strdup_printf("cannot read %s: %s", load->path, reason);
		load->host->log(load->source, WALL_LOG_ERROR, "%s", why);
		load->host->set_state(load->source, WALL_SOURCE_STATE_ERROR, why);
		g_free(why);
	}
	g_mutex_unlock(&load->lock);
	load_unref(load);
	return NULL;
}

static void *image_create(const struct wall_host *host, struct wall_source *source)
{
	const char *path = host->config_string(source, "path");
	if (path == NULL || *path == '\0') {
		host->log(source, WALL_LOG_ERROR, "no image path set");
		return NULL;
	}
	struct load *load = g_new0(struct load, 1);
	load->refs = 2;
	load->path = g_strdup(path);
	load->host = host;
	load->source = source;
	g_mutex_init(&load->lock);
	GError *error = NULL;
	GThread *thread = g_thread_try_new("image-read", read_picture, load, &error);
	if (thread == NULL) {
		host->log(source, WALL_LOG_ERROR, "cannot start a thread: %s", error->message);
		g_error_free(error);
		load->refs = 1;
		load_unref(load);
		return NULL;
	}
	g_thread_unref(thread);
	struct image *image = g_new0(struct image, 1);
	image->load = load;
	return image;
}

static void image_destroy(void *instance)
{
	struct image *image = instance;
	if (image == NULL) {
		return;
	}
	g_mutex_lock(&image->load->lock);
	image->load->cancelled = true;
	g_mutex_unlock(&image->load->lock);
	/* Frames still with the host hold their own references. */
	load_unref(image->load);
	g_free(image);
}

static void image_show(void *instance)
{
	struct image *image = instance;
	g_mutex_lock(&image->load->lock);
	if (image->load->surface != NULL) {
		push_locked(image->load);
	}
	g_mutex_unlock(&image->load->lock);
}

static void image_status(void *instance, wall_status_fn add, void *user)
{
	struct load *load = ((struct image *)instance)->load;
	char text[32];
	add(user, "path", load->path);
	g_mutex_lock(&load->lock);
	if (load->surface != NULL) {
		g_snprintf(text, sizeof(text), "%dx%d", cairo_image_surface_get_width(load->surface),
			   cairo_image_surface_get_height(load->surface));
		add(user, "size", text);
	}
	g_mutex_unlock(&load->lock);
	g_snprintf(text, sizeof(text), "%d", g_atomic_int_get(&load->pushes));
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
