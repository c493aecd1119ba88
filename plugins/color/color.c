/*
 * color: a tile of one flat colour, for standby tiles and backgrounds.
 *
 * The picture is a small opaque square; the renderer scales it to the
 * tile, so its size costs nothing. It is pushed once when the instance
 * starts and again whenever a tile starts showing it, since the host keeps
 * only the newest frame and a tile shown later must still get one.
 */
#include <glib.h>
#include <wall/plugin.h>

#define SIDE_PX 16u

struct color {
	const struct wall_host *host;
	struct wall_source *source;
	/* 0xAARRGGBB, straight alpha, as the option gives it. */
	uint32_t argb;
	/* Written by show() on the render thread, read by status(). */
	gint pushes;
};

static const struct wall_option options[] = {
	{
		.name = "color",
		.type = WALL_OPTION_COLOR,
		.default_value = "#202830",
		.help = "the colour to fill the tile with, #rrggbb or #rrggbbaa",
	},
	{0},
};

static void push(struct color *color)
{
	/* Each frame owns its pixels, so it can outlive the instance. */
	uint8_t *pixels = g_malloc(SIDE_PX * SIDE_PX * 4);
	uint32_t a = color->argb >> 24;
	/* BGRA frames are premultiplied; round to nearest. */
	uint8_t r = (uint8_t)((((color->argb >> 16) & 0xff) * a + 127) / 255);
	uint8_t g = (uint8_t)((((color->argb >> 8) & 0xff) * a + 127) / 255);
	uint8_t b = (uint8_t)(((color->argb & 0xff) * a + 127) / 255);
	for (unsigned i = 0; i < SIDE_PX * SIDE_PX; i++) {
		pixels[i * 4 + 0] = b;
		pixels[i * 4 + 1] = g;
		pixels[i * 4 + 2] = r;
		pixels[i * 4 + 3] = (uint8_t)a;
	}
	struct wall_frame frame = {
		.format = WALL_PIXEL_FORMAT_BGRA,
		.width_px = SIDE_PX,
		.height_px = SIDE_PX,
		.planes = {pixels},
		.strides = {SIDE_PX * 4},
		.capture_time_us = g_get_monotonic_time(),
		.release = g_free,
		.release_data = pixels,
		/* A flat colour has no shape: it fills the tile whatever its fit. */
		.flags = WALL_FRAME_ANY_ASPECT,
	};
	g_atomic_int_inc(&color->pushes);
	color->host->push_frame(color->source, &frame);
}

static void *color_create(const struct wall_host *host, struct wall_source *source)
{
	struct color *color = g_new0(struct color, 1);
	color->host = host;
	color->source = source;
	color->argb = host->config_color(source, "color", 0xff202830u);
	push(color);
	return color;
}

static void color_destroy(void *instance)
{
	g_free(instance);
}

static void color_show(void *instance)
{
	push(instance);
}

static void color_status(void *instance, wall_status_fn add, void *user)
{
	struct color *color = instance;
	char text[16];
	g_snprintf(text, sizeof(text), "#%08x", color->argb);
	add(user, "color", text);
	g_snprintf(text, sizeof(text), "%d", g_atomic_int_get(&color->pushes));
	add(user, "frames", text);
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "color",
	.description = "a flat colour",
	.options = options,
	.create = color_create,
	.destroy = color_destroy,
	.show = color_show,
	.status = color_status,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
