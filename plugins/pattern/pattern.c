/*
 * pattern: a moving I420 test picture, so the YUV path of both renderers
 * gets exercised without a camera.
 *
 * The top two thirds hold 75% colour bars in the order of the SMPTE
 * pattern; the bottom third is black, with a white block that moves with
 * each frame and the frame's number drawn in digits. With motion off the
 * picture is one still frame (block at its start, number 0), pushed at
 * start and whenever a tile starts showing it, so picture tests are
 * deterministic.
 *
 * Every picture is drawn on the plugin's own thread, never on the render
 * thread: create() only starts it (drawing the bars of a 1280x720
 * picture took 25-145 ms there). The thread draws the bars once and
 * pushes frame 0, so a tile shows the slate until then. With motion on it
 * then draws frames at the configured rate into a small pool of reusable
 * buffers, and only while a tile shows the source; with motion off it
 * pushes frame 0 again whenever a tile starts showing it.
 */
#include <glib.h>
#include <stdatomic.h>
#include <string.h>
#include <wall/plugin.h>

/*
 * Buffers in flight at most: one pending in the host's mailbox, one being
 * shown, one being drawn, one spare. When all are out the frame is
 * skipped rather than allocating without bound.
 */
#define POOL_MAX_BUFFERS 4u

#define Y_BLACK 16
#define Y_WHITE 235
#define C_NEUTRAL 128

/*
 * Reusable frame buffers. Frames may be released after the instance is
 * gone, so the pool is reference-counted: the instance holds one
 * reference and every buffer out with the host holds one more.
 */
struct pool {
	gint refcount;
	GMutex lock;
	/* struct buffer *, ready for reuse. */
	GPtrArray *free;
	/* Buffers allocated so far, free or out. */
	unsigned count;
	size_t size;
};

struct buffer {
	struct pool *pool;
	uint8_t *data;
};

struct pattern {
	const struct wall_host *host;
	struct wall_source *source;
	uint32_t width_px;
	uint32_t height_px;
	double fps;
	bool motion;
	enum wall_yuv_matrix matrix;

	/* Bars and the black band, drawn once; each frame starts as a copy. */
	uint8_t *background;
	size_t frame_size;
	struct pool *pool;

	GThread *thread;
	/* Guards visible, repush and stop, and wakes the thread when they change. */
	GMutex lock;
	GCond cond;
	bool visible;
	/* A still picture is wanted again: a tile started showing it. */
	bool repush;
	bool stop;

	/* Frames pushed, and frames skipped because every buffer was out. */
	atomic_uint_fast64_t produced;
	atomic_uint_fast64_t skipped;
};

static const struct wall_option options[] = {
	{
		.name = "width",
		.type = WALL_OPTION_INT,
		.default_value = "1280",
		.min = 16,
		.max = 7680,
		.help = "picture width in pixels",
	},
	{
		.name = "height",
		.type = WALL_OPTION_INT,
		.default_value = "720",
		.min = 16,
		.max = 4320,
		.help = "picture height in pixels",
	},
	{
		.name = "fps",
		.type = WALL_OPTION_DOUBLE,
		.default_value = "25",
		.min = 1,
		.max = 240,
		.help = "frames per second while shown",
	},
	{
		.name = "motion",
		.type = WALL_OPTION_BOOL,
		.default_value = "true",
		.help = "false for one still frame",
	},
	{0},
};

/* Pool. */

static struct pool *pool_create(size_t size)
{
	struct pool *pool = g_new0(struct pool, 1);
	pool->refcount = 1;
	g_mutex_init(&pool->lock);
	pool->free = g_ptr_array_new();
	pool->size = size;
	return pool;
}

static void pool_unref(struct pool *pool)
{
	if (!g_atomic_int_dec_and_test(&pool->refcount)) {
		return;
	}
	/* Every buffer holds a reference, so all of them are back by now. */
	for (unsigned i = 0; i < pool->free->len; i++) {
		struct buffer *buffer = g_ptr_array_index(pool->free, i);
		g_free(buffer->data);
		g_free(buffer);
	}
	g_ptr_array_free(pool->free, TRUE);
	g_mutex_clear(&pool->lock);
	g_free(pool);
}

/* A buffer to draw into, or NULL when all are out with the host. */
static struct buffer *pool_get(struct pool *pool)
{
	struct buffer *buffer = NULL;
	g_mutex_lock(&pool->lock);
	if (pool->free->len > 0) {
		buffer = g_ptr_array_steal_index_fast(pool->free, pool->free->len - 1);
	} else if (pool->count < POOL_MAX_BUFFERS) {
		buffer = g_new0(struct buffer, 1);
		buffer->pool = pool;
		buffer->data = g_malloc(pool->size);
		pool->count++;
	}
	g_mutex_unlock(&pool->lock);
	if (buffer != NULL) {
		g_atomic_int_inc(&pool->refcount);
	}
	return buffer;
}

/* The frame's release callback: any thread, possibly after destroy. */
static void pool_put(void *data)
{
	struct buffer *buffer = data;
	struct pool *pool = buffer->pool;
	g_mutex_lock(&pool->lock);
	g_ptr_array_add(pool->free, buffer);
	g_mutex_unlock(&pool->lock);
	pool_unref(pool);
}

/* Drawing. */

static uint8_t clamp_byte(double value)
{
	if (value <= 0.0) {
		return 0;
	}
	if (value >= 255.0) {
		return 255;
	}
	return (uint8_t)(value + 0.5);
}

/* Limited-range Y, U, V of a gamma-encoded R'G'B' colour, each 0..1. */
static void rgb_to_yuv(enum wall_yuv_matrix matrix, double r, double g, double b, uint8_t yuv[3])
{
	double kr = 0.299;
	double kb = 0.114;
	if (matrix == WALL_YUV_MATRIX_BT709) {
		kr = 0.2126;
		kb = 0.0722;
	}
	double y = kr * r + (1.0 - kr - kb) * g + kb * b;
	yuv[0] = clamp_byte(16.0 + 219.0 * y);
	yuv[1] = clamp_byte(128.0 + 224.0 * (b - y) / (2.0 * (1.0 - kb)));
	yuv[2] = clamp_byte(128.0 + 224.0 * (r - y) / (2.0 * (1.0 - kr)));
}

static uint32_t chroma_width(const struct pattern *pattern)
{
	return (pattern->width_px + 1) / 2;
}

static uint32_t chroma_height(const struct pattern *pattern)
{
	return (pattern->height_px + 1) / 2;
}

static uint32_t bars_height(const struct pattern *pattern)
{
	return pattern->height_px * 2 / 3;
}

static void draw_background(struct pattern *pattern)
{
	/* 75% bars, left to right: white, yellow, cyan, green, magenta, red, blue. */
	static const double bars[7][3] = {
		{1, 1, 1}, {1, 1, 0}, {0, 1, 1}, {0, 1, 0}, {1, 0, 1}, {1, 0, 0}, {0, 0, 1},
	};
	uint8_t colours[7][3];
	for (unsigned i = 0; i < 7; i++) {
		rgb_to_yuv(pattern->matrix, bars[i][0] * 0.75, bars[i][1] * 0.75, bars[i][2] * 0.75,
			   colours[i]);
	}

	uint32_t w = pattern->width_px;
	uint32_t h = pattern->height_px;
	uint32_t cw = chroma_width(pattern);
	uint32_t ch = chroma_height(pattern);
	uint32_t split = bars_height(pattern);
	uint8_t *y_plane = pattern->background;
	uint8_t *u_plane = y_plane + (size_t)w * h;
	uint8_t *v_plane = u_plane + (size_t)cw * ch;

	for (uint32_t y = 0; y < h; y++) {
		uint8_t *row = y_plane + (size_t)y * w;
		if (y >= split) {
			memset(row, Y_BLACK, w);
			continue;
		}
		for (uint32_t x = 0; x < w; x++) {
			row[x] = colours[(uint64_t)x * 7 / w][0];
		}
	}
	for (uint32_t cy = 0; cy < ch; cy++) {
		uint8_t *u_row = u_plane + (size_t)cy * cw;
		uint8_t *v_row = v_plane + (size_t)cy * cw;
		/* A chroma row takes the colour of its first luma row. */
		bool in_bars = cy * 2 < split;
		for (uint32_t cx = 0; cx < cw; cx++) {
			const uint8_t *colour = colours[(uint64_t)cx * 2 * 7 / w];
			u_row[cx] = in_bars ? colour[1] : C_NEUTRAL;
			v_row[cx] = in_bars ? colour[2] : C_NEUTRAL;
		}
	}
}

/* Luma rectangle, clipped to the picture. */
static void fill_y(struct pattern *pattern, uint8_t *y_plane, int64_t x, int64_t y, int64_t w,
		   int64_t h, uint8_t value)
{
	int64_t x0 = MAX(x, 0);
	int64_t y0 = MAX(y, 0);
	int64_t x1 = MIN(x + w, (int64_t)pattern->width_px);
	int64_t y1 = MIN(y + h, (int64_t)pattern->height_px);
	for (int64_t row = y0; row < y1; row++) {
		if (x1 > x0) {
			memset(y_plane + row * pattern->width_px + x0, value, (size_t)(x1 - x0));
		}
	}
}

/* 5x7 digits, one byte per row, bit 4 the leftmost column. */
static const uint8_t digits[10][7] = {
	{0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}, {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e},
	{0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}, {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e},
	{0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}, {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e},
	{0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}, {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
	{0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}, {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c},
};

/*
 * Draw frame number counter and the moving block into a copy of the
 * background. Only luma changes: the band they sit on is neutral grey in
 * chroma, so white stays white.
 */
static void draw_frame(struct pattern *pattern, uint8_t *data, uint64_t counter)
{
	memcpy(data, pattern->background, pattern->frame_size);

	int64_t w = pattern->width_px;
	int64_t h = pattern->height_px;
	int64_t band_top = bars_height(pattern);
	int64_t band_height = h - band_top;

	/* The block travels the left half, so it never crosses the digits. */
	int64_t side = MAX(2, (h / 6) & ~(int64_t)1);
	int64_t travel = MAX(1, w / 2 - side);
	int64_t step = MAX(2, (w / 128) & ~(int64_t)1);
	int64_t block_x = (int64_t)((counter * (uint64_t)step) % (uint64_t)travel) & ~(int64_t)1;
	fill_y(pattern, data, block_x, band_top + (band_height - side) / 2, side, side, Y_WHITE);

	char text[24];
	int length = g_snprintf(text, sizeof(text), "%" G_GUINT64_FORMAT, counter);
	int64_t scale = MAX(1, h / 90);
	int64_t advance = 6 * scale;
	int64_t left = w - length * advance - 2 * scale;
	int64_t top = band_top + (band_height - 7 * scale) / 2;
	for (int i = 0; i < length; i++) {
		const uint8_t *glyph = digits[text[i] - '0'];
		for (int64_t row = 0; row < 7; row++) {
			for (int64_t col = 0; col < 5; col++) {
				if (glyph[row] & (0x10 >> col)) {
					fill_y(pattern, data, left + i * advance + col * scale,
					       top + row * scale, scale, scale, Y_WHITE);
				}
			}
		}
	}
}

/* Draw and push frame number counter. Returns false when no buffer was free. */
static bool produce(struct pattern *pattern, uint64_t counter)
{
	struct buffer *buffer = pool_get(pattern->pool);
	if (buffer == NULL) {
		atomic_fetch_add(&pattern->skipped, 1);
		return false;
	}
	draw_frame(pattern, buffer->data, counter);

	uint32_t w = pattern->width_px;
	uint32_t cw = chroma_width(pattern);
	const uint8_t *u_plane = buffer->data + (size_t)w * pattern->height_px;
	struct wall_frame frame = {
		.format = WALL_PIXEL_FORMAT_I420,
		.width_px = w,
		.height_px = pattern->height_px,
		.planes = {buffer->data, u_plane, u_plane + (size_t)cw * chroma_height(pattern)},
		.strides = {w, cw, cw},
		.matrix = pattern->matrix,
		.range = WALL_YUV_RANGE_LIMITED,
		.capture_time_us = g_get_monotonic_time(),
		.release = pool_put,
		.release_data = buffer,
	};
	atomic_fetch_add(&pattern->produced, 1);
	return pattern->host->push_frame(pattern->source, &frame);
}

/*
 * The plugin's thread: draws the background and frame 0, then frames at
 * the configured rate while a tile shows the source (motion), or frame 0
 * again for each new viewer (still).
 */
static void *run(void *data)
{
	struct pattern *pattern = data;
	pattern->background = g_malloc(pattern->frame_size);
	draw_background(pattern);
	/* A first picture at once, so the source is live before a tile shows it. */
	produce(pattern, 0);

	int64_t period_us = (int64_t)(1e6 / pattern->fps);
	uint64_t counter = 1;
	int64_t next_us = g_get_monotonic_time();
	g_mutex_lock(&pattern->lock);
	while (!pattern->stop) {
		if (pattern->repush) {
			/* The host keeps only the newest frame, so a new viewer needs one. */
			pattern->repush = false;
			g_mutex_unlock(&pattern->lock);
			produce(pattern, 0);
			g_mutex_lock(&pattern->lock);
			continue;
		}
		if (!pattern->motion || !pattern->visible) {
			g_cond_wait(&pattern->cond, &pattern->lock);
			next_us = g_get_monotonic_time();
			continue;
		}
		int64_t now_us = g_get_monotonic_time();
		if (now_us < next_us) {
			/* A timed wait, not a sleep, so destroy and hide cut it short. */
			g_cond_wait_until(&pattern->cond, &pattern->lock, next_us);
			continue;
		}
		g_mutex_unlock(&pattern->lock);
		produce(pattern, counter++);
		g_mutex_lock(&pattern->lock);

		/* After a long stall, start afresh instead of bursting to catch up. */
		next_us += period_us;
		if (next_us < now_us) {
			next_us = now_us + period_us;
		}
	}
	g_mutex_unlock(&pattern->lock);
	return NULL;
}

/* Render thread: reads the options and starts the thread, nothing more. */
static void *pattern_create(const struct wall_host *host, struct wall_source *source)
{
	struct pattern *pattern = g_new0(struct pattern, 1);
	pattern->host = host;
	pattern->source = source;
	pattern->width_px = (uint32_t)CLAMP(host->config_int(source, "width", 1280), 16, 7680);
	pattern->height_px = (uint32_t)CLAMP(host->config_int(source, "height", 720), 16, 4320);
	pattern->fps = CLAMP(host->config_double(source, "fps", 25.0), 1.0, 240.0);
	pattern->motion = host->config_int(source, "motion", 1) != 0;
	pattern->matrix = pattern->height_px >= 720 ? WALL_YUV_MATRIX_BT709 : WALL_YUV_MATRIX_BT601;
	g_mutex_init(&pattern->lock);
	g_cond_init(&pattern->cond);

	pattern->frame_size = (size_t)pattern->width_px * pattern->height_px +
			      2 * (size_t)chroma_width(pattern) * chroma_height(pattern);
	pattern->pool = pool_create(pattern->frame_size);
	pattern->thread = g_thread_new("pattern", run, pattern);
	return pattern;
}

static void pattern_destroy(void *instance)
{
	struct pattern *pattern = instance;
	if (pattern == NULL) {
		return;
	}
	g_mutex_lock(&pattern->lock);
	pattern->stop = true;
	g_cond_signal(&pattern->cond);
	g_mutex_unlock(&pattern->lock);
	/* At most one frame's drawing away. */
	g_thread_join(pattern->thread);
	/* Buffers still with the host keep the pool alive until released. */
	pool_unref(pattern->pool);
	g_free(pattern->background);
	g_cond_clear(&pattern->cond);
	g_mutex_clear(&pattern->lock);
	g_free(pattern);
}

static void pattern_show(void *instance)
{
	struct pattern *pattern = instance;
	g_mutex_lock(&pattern->lock);
	pattern->visible = true;
	pattern->repush = !pattern->motion;
	g_cond_signal(&pattern->cond);
	g_mutex_unlock(&pattern->lock);
}

static void pattern_hide(void *instance)
{
	struct pattern *pattern = instance;
	g_mutex_lock(&pattern->lock);
	pattern->visible = false;
	g_cond_signal(&pattern->cond);
	g_mutex_unlock(&pattern->lock);
}

static void pattern_status(void *instance, wall_status_fn add, void *user)
{
	struct pattern *pattern = instance;
	char text[64];
	g_snprintf(text, sizeof(text), "%ux%u", pattern->width_px, pattern->height_px);
	add(user, "size", text);
	g_snprintf(text, sizeof(text), "%g", pattern->fps);
	add(user, "fps", text);
	add(user, "motion", pattern->motion ? "true" : "false");
	g_snprintf(text, sizeof(text), "%" G_GUINT64_FORMAT,
		   (guint64)atomic_load(&pattern->produced));
	add(user, "frames", text);
	g_snprintf(text, sizeof(text), "%" G_GUINT64_FORMAT,
		   (guint64)atomic_load(&pattern->skipped));
	add(user, "skipped", text);
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "pattern",
	.description = "a moving YUV test pattern",
	.options = options,
	.create = pattern_create,
	.destroy = pattern_destroy,
	.show = pattern_show,
	.hide = pattern_hide,
	.status = pattern_status,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
