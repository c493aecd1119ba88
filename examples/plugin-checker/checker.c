#include <stdlib.h>
#include <wall/plugin.h>

static const struct wall_option checker_options[] = {
	{.name = "cell", .type = WALL_OPTION_INT, .default_value = "16", .min = 1, .max = 512,
	 .help = "size of one square, in pixels"},
	{.name = "color", .type = WALL_OPTION_COLOR, .default_value = "#ffffff",
	 .help = "colour of the light squares"},
	{0},
};

struct checker {
	const struct wall_host *host;
	struct wall_source *source;
};

static void free_pixels(void *pixels)
{
	free(pixels);
}

static void push_board(struct checker *checker)
{
	const struct wall_host *host = checker->host;
	int cell = (int)host->config_int(checker->source, "cell", 16);
	uint32_t light = host->config_color(checker->source, "color", 0xffffffff);
	uint32_t width = 256, height = 256;
	uint32_t *pixels = malloc(width * height * 4);
	if (pixels == NULL) {
		return;
	}
	for (uint32_t y = 0; y < height; y++) {
		for (uint32_t x = 0; x < width; x++) {
			bool odd = ((x / cell) + (y / cell)) % 2;
			/* Opaque, so premultiplied BGRA is the colour as is. */
			pixels[y * width + x] = odd ? light : 0xff000000u;
		}
	}
	struct wall_frame frame = {
		.format = WALL_PIXEL_FORMAT_BGRA,
		.width_px = width,
		.height_px = height,
		.planes = {(const uint8_t *)pixels},
		.strides = {width * 4},
		.release = free_pixels,
		.release_data = pixels,
	};
	/* The wall owns the pixels from here and frees them through release. */
	host->push_frame(checker->source, &frame);
}

static void *checker_create(const struct wall_host *host, struct wall_source *source)
{
	struct checker *checker = calloc(1, sizeof(*checker));
	if (checker == NULL) {
		host->log(source, WALL_LOG_ERROR, "out of memory");
		return NULL;
	}
	checker->host = host;
	checker->source = source;
	push_board(checker);
	return checker;
}

static void checker_destroy(void *instance)
{
	free(instance);
}

static const struct wall_plugin checker_plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "checker",
	.description = "A checkerboard",
	.options = checker_options,
	.create = checker_create,
	.destroy = checker_destroy,
};

__attribute__((visibility("default"))) const struct wall_plugin *wall_plugin_entry(void)
{
	return &checker_plugin;
}
