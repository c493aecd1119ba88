/*
 * The soft renderer against colours computed from the standards' equations,
 * and its geometry: scaling, crops, clipping, blending.
 *
 * check_yuv_colors() takes any renderer, so the gl renderer's test can run
 * the same table.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "render/renderer.h"
#include "support.h"

/* A frame and the memory behind its planes. */
struct picture {
	struct wall_frame frame;
	uint8_t *data;
};

static void picture_free(struct picture *p)
{
	g_free(p->data);
	*p = (struct picture){0};
}

/* ---- YUV colour equations (BT.601 / BT.709, limited and full range) ---- */

struct yuv_standard {
	const char *name;
	double kr;
	double kb;
	bool full;
};

static uint8_t clamp_u8(double v)
{
	return (uint8_t)fmin(fmax(round(v), 0.0), 255.0);
}

/* R'G'B' in 0..1 to 8-bit Y'CbCr codes. */
static void rgb_to_yuv(const struct yuv_standard *s, const double rgb[3], uint8_t yuv[3])
{
	double kg = 1.0 - s->kr - s->kb;
	double y = s->kr * rgb[0] + kg * rgb[1] + s->kb * rgb[2];
	double pb = (rgb[2] - y) / (2.0 * (1.0 - s->kb));
	double pr = (rgb[0] - y) / (2.0 * (1.0 - s->kr));
	if (s->full) {
		yuv[0] = clamp_u8(255.0 * y);
		yuv[1] = clamp_u8(128.0 + 255.0 * pb);
		yuv[2] = clamp_u8(128.0 + 255.0 * pr);
	} else {
		yuv[0] = clamp_u8(16.0 + 219.0 * y);
		yuv[1] = clamp_u8(128.0 + 224.0 * pb);
		yuv[2] = clamp_u8(128.0 + 224.0 * pr);
	}
}

/* 8-bit Y'CbCr codes back to opaque 0xAARRGGBB, by the inverse equations. */
static uint32_t yuv_to_argb(const struct yuv_standard *s, const uint8_t yuv[3])
{
	double y, pb, pr;
	if (s->full) {
		y = yuv[0] / 255.0;
		pb = (yuv[1] - 128.0) / 255.0;
		pr = (yuv[2] - 128.0) / 255.0;
	} else {
		y = (yuv[0] - 16.0) / 219.0;
		pb = (yuv[1] - 128.0) / 224.0;
		pr = (yuv[2] - 128.0) / 224.0;
	}
	double kg = 1.0 - s->kr - s->kb;
	double r = y + 2.0 * (1.0 - s->kr) * pr;
	double b = y + 2.0 * (1.0 - s->kb) * pb;
	double g = (y - s->kr * r - s->kb * b) / kg;
	return 0xff000000u | (uint32_t)clamp_u8(255.0 * r) << 16 |
	       (uint32_t)clamp_u8(255.0 * g) << 8 | clamp_u8(255.0 * b);
}

static const struct yuv_standard bt601_limited = {"BT.601 limited", 0.299, 0.114, false};
static const struct yuv_standard bt601_full = {"BT.601 full", 0.299, 0.114, true};
static const struct yuv_standard bt709_limited = {"BT.709 limited", 0.2126, 0.0722, false};
static const struct yuv_standard bt709_full = {"BT.709 full", 0.2126, 0.0722, true};

/* 75% colour bars, plus full white and full red to reach the range ends. */
static const struct {
	const char *name;
	double rgb[3];
} bars[] = {
        {"white 75%", {0.75, 0.75, 0.75}},
        {"yellow", {0.75, 0.75, 0}},
        {"cyan", {0, 0.75, 0.75}},
        {"green", {0, 0.75, 0}},
        {"magenta", {0.75, 0, 0.75}},
        {"red", {0.75, 0, 0}},
        {"blue", {0, 0, 0.75}},
        {"black", {0, 0, 0}},
        {"white", {1, 1, 1}},
        {"red 100%", {1, 0, 0}},
};
#define BAR_COUNT G_N_ELEMENTS(bars)
#define BAR_PX 16

/* Called for each pixel; writes its Y, U, V. Chroma comes from even x, y. */
typedef void (*yuv_at_fn)(int x, int y, void *user, uint8_t yuv[3]);

/*
 * An I420 or NV12 picture, with padded strides so that code which assumes
 * stride == width fails here.
 */
static struct picture yuv_picture_new(enum wall_pixel_format format, int width, int height,
                                      yuv_at_fn at, void *user)
{
	struct picture p = {0};
	bool nv12 = format == WALL_PIXEL_FORMAT_NV12;
	int cw = (width + 1) / 2;
	int ch = (height + 1) / 2;
	int y_stride = width + 24;
	int c_stride = nv12 ? cw * 2 + 8 : cw + 8;
	size_t y_size = (size_t)y_stride * height;
	size_t c_size = (size_t)c_stride * ch;
	p.data = g_malloc0(y_size + 2 * c_size);
	uint8_t *py = p.data;
	uint8_t *pu = p.data + y_size;
	uint8_t *pv = p.data + y_size + c_size;
	for (int y = 0; y < height; y++) {
		for (int x = 0; x < width; x++) {
			uint8_t yuv[3];
			at(x, y, user, yuv);
			py[(size_t)y * y_stride + x] = yuv[0];
			if (x % 2 == 0 && y % 2 == 0) {
				size_t row = (size_t)(y / 2) * c_stride;
				if (nv12) {
					pu[row + x] = yuv[1];
					pu[row + x + 1] = yuv[2];
				} else {
					pu[row + x / 2] = yuv[1];
					pv[row + x / 2] = yuv[2];
				}
			}
		}
	}
	p.frame = (struct wall_frame){
	        .format = format,
	        .width_px = (uint32_t)width,
	        .height_px = (uint32_t)height,
	        .planes = {py, pu, nv12 ? NULL : pv},
	        .strides = {(uint32_t)y_stride, (uint32_t)c_stride, nv12 ? 0 : (uint32_t)c_stride},
	};
	return p;
}

/* Called for each pixel; returns 0xAARRGGBB, premultiplied for BGRA. */
typedef uint32_t (*argb_at_fn)(int x, int y, void *user);

/* A BGRA (premultiplied) or RGBA (straight) picture, with a padded stride. */
static struct picture argb_picture_new(enum wall_pixel_format format, int width, int height,
                                       argb_at_fn at, void *user)
{
	struct picture p = {0};
	int stride = width * 4 + 32;
	p.data = g_malloc0((size_t)stride * height);
	for (int y = 0; y < height; y++) {
		for (int x = 0; x < width; x++) {
			uint32_t c = at(x, y, user);
			uint8_t *px = p.data + (size_t)y * stride + (size_t)x * 4;
			uint8_t a = c >> 24, r = c >> 16, g = c >> 8, b = c;
			if (format == WALL_PIXEL_FORMAT_BGRA) {
				px[0] = b, px[1] = g, px[2] = r, px[3] = a;
			} else {
				px[0] = r, px[1] = g, px[2] = b, px[3] = a;
			}
		}
	}
	p.frame = (struct wall_frame){
	        .format = format,
	        .width_px = (uint32_t)width,
	        .height_px = (uint32_t)height,
	        .planes = {p.data},
	        .strides = {(uint32_t)stride},
	};
	return p;
}

struct bars_user {
	const struct yuv_standard *standard;
};

static void bars_at(int x, int y, void *user, uint8_t yuv[3])
{
	const struct bars_user *u = user;
	rgb_to_yuv(u->standard, bars[x / BAR_PX].rgb, yuv);
}

/* One frame-wide draw of tex into dest, over a grey canvas. */
static cairo_surface_t *render_once(struct wall_renderer *r, const struct wall_frame *frame,
                                    const struct wall_crop *crop, const struct wall_rect *dests,
                                    int dest_count, float alpha, uint32_t background)
{
	struct wall_texture tex = {0};
	g_assert_true(r->impl->begin(r));
	r->impl->fill(r, &(struct wall_rect){0, 0, r->width_px, r->height_px}, background);
	g_assert_true(r->impl->upload(r, &tex, frame));
	struct wall_crop whole = {0, 0, frame->width_px, frame->height_px};
	for (int i = 0; i < dest_count; i++) {
		r->impl->draw(r, &tex, crop != NULL ? crop : &whole, &dests[i], alpha);
	}
	g_assert_true(r->impl->end(r));
	r->impl->texture_finish(r, &tex);
	cairo_surface_t *canvas = r->impl->read_canvas(r);
	g_assert_nonnull(canvas);
	return canvas;
}

/*
 * Draw the bars in one format, matrix and range, once at their own size
 * (when height is BAR_PX) and once scaled up, and check the middle of each
 * bar against the colour the equations give for its YUV codes.
 * expect is the standard the renderer should pick. Returns the misses.
 */
static int check_bars(struct wall_renderer *r, enum wall_pixel_format format,
                      enum wall_yuv_matrix matrix, enum wall_yuv_range range, int height,
                      const struct yuv_standard *expect)
{
	struct bars_user user = {expect};
	int width = (int)BAR_COUNT * BAR_PX;
	struct picture p = yuv_picture_new(format, width, height, bars_at, &user);
	p.frame.matrix = matrix;
	p.frame.range = range;

	/* Row 0: 1:1 (scaled when the frame is taller); row 1: twice as big;
	 * row 2: three quarters, where no scaler has an exact shortcut. */
	struct wall_rect dests[] = {
	        {0, 0, width, BAR_PX},
	        {0, BAR_PX, 2 * width, 2 * BAR_PX},
	        {0, 3 * BAR_PX, width * 3 / 4, BAR_PX * 3 / 4},
	};
	cairo_surface_t *canvas =
	        render_once(r, &p.frame, NULL, dests, G_N_ELEMENTS(dests), 1.0f, 0xff808080u);

	int misses = 0;
	for (size_t i = 0; i < BAR_COUNT; i++) {
		uint8_t yuv[3];
		rgb_to_yuv(expect, bars[i].rgb, yuv);
		uint32_t want = yuv_to_argb(expect, yuv);
		static const char *const how[] = {"1:1", "2x", "3/4"};
		int xs[] = {(int)i * BAR_PX + BAR_PX / 2, (int)i * 2 * BAR_PX + BAR_PX,
		            (int)i * BAR_PX * 3 / 4 + BAR_PX * 3 / 8};
		int ys[] = {BAR_PX / 2, 2 * BAR_PX, 3 * BAR_PX + BAR_PX * 3 / 8};
		for (int k = 0; k < 3; k++) {
			uint32_t got = wall_test_pixel(canvas, xs[k], ys[k]);
			if (!wall_test_color_near(got, want, 2)) {
				g_test_message(
				        "%s %s matrix %d range %d height %d, %s (Y %u U %u V %u)"
				        " %s: got %08x, want %08x",
				        format == WALL_PIXEL_FORMAT_NV12 ? "NV12" : "I420",
				        expect->name, matrix, range, height, bars[i].name, yuv[0],
				        yuv[1], yuv[2], how[k], got, want);
				misses++;
			}
		}
	}
	cairo_surface_destroy(canvas);
	picture_free(&p);
	return misses;
}

/*
 * The YUV colour check, for any renderer whose canvas is at least
 * 320x64 (BAR_COUNT * 2 * BAR_PX by 4 * BAR_PX).
 */
static void check_yuv_colors(struct wall_renderer *r)
{
	static const struct {
		enum wall_yuv_matrix matrix;
		enum wall_yuv_range range;
		int height;
		const struct yuv_standard *expect;
	} cases[] = {
	        {WALL_YUV_MATRIX_BT601, WALL_YUV_RANGE_LIMITED, BAR_PX, &bt601_limited},
	        {WALL_YUV_MATRIX_BT601, WALL_YUV_RANGE_FULL, BAR_PX, &bt601_full},
	        {WALL_YUV_MATRIX_BT709, WALL_YUV_RANGE_LIMITED, BAR_PX, &bt709_limited},
	        {WALL_YUV_MATRIX_BT709, WALL_YUV_RANGE_FULL, BAR_PX, &bt709_full},
	        {WALL_YUV_MATRIX_BT709, WALL_YUV_RANGE_DEFAULT, BAR_PX, &bt709_limited},
	        /* DEFAULT picks by height: BT.709 from 720 lines up. */
	        {WALL_YUV_MATRIX_DEFAULT, WALL_YUV_RANGE_DEFAULT, 720, &bt709_limited},
	        {WALL_YUV_MATRIX_DEFAULT, WALL_YUV_RANGE_DEFAULT, 576, &bt601_limited},
	        {WALL_YUV_MATRIX_DEFAULT, WALL_YUV_RANGE_FULL, 718, &bt601_full},
	};
	g_assert_cmpint(r->width_px, >=, (int)BAR_COUNT * 2 * BAR_PX);
	g_assert_cmpint(r->height_px, >=, 4 * BAR_PX);
	int misses = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		enum wall_pixel_format formats[] = {WALL_PIXEL_FORMAT_I420, WALL_PIXEL_FORMAT_NV12};
		for (size_t f = 0; f < G_N_ELEMENTS(formats); f++) {
			misses += check_bars(r, formats[f], cases[i].matrix, cases[i].range,
			                     cases[i].height, cases[i].expect);
		}
	}
	g_assert_cmpint(misses, ==, 0);
}

static struct wall_renderer *soft_new(int width, int height)
{
	struct wall_renderer *r = wall_soft_renderer_create(width, height);
	g_assert_nonnull(r);
	g_assert_true(wall_renderer_is_soft(r));
	return r;
}

static void test_yuv_colors(void)
{
	struct wall_renderer *r = soft_new((int)BAR_COUNT * 2 * BAR_PX, 4 * BAR_PX);
	check_yuv_colors(r);
	wall_renderer_destroy(r);
}

/* ---- Blending ---- */

/* Premultiplied "over", in doubles: what a blend should give. */
static uint32_t over(uint32_t dst, uint32_t src_straight, double alpha)
{
	double a = (src_straight >> 24) / 255.0 * alpha;
	uint32_t out = 0xff000000u;
	for (int shift = 0; shift < 24; shift += 8) {
		double s = ((src_straight >> shift) & 0xff);
		double d = ((dst >> shift) & 0xff);
		out |= (uint32_t)clamp_u8(s * a + d * (1.0 - a)) << shift;
	}
	return out;
}

static uint32_t premultiplied(uint32_t argb)
{
	uint32_t a = argb >> 24;
	uint32_t out = a << 24;
	for (int shift = 0; shift < 24; shift += 8) {
		out |= (uint32_t)clamp_u8(((argb >> shift) & 0xff) * a / 255.0) << shift;
	}
	return out;
}

#define BACKGROUND 0xff206080u
#define TRANSLUCENT 0x80ff4010u

static void assert_pixel(cairo_surface_t *canvas, int x, int y, uint32_t want, int tolerance)
{
	uint32_t got = wall_test_pixel(canvas, x, y);
	if (!wall_test_color_near(got, want, tolerance)) {
		g_error("pixel %d,%d is %08x, want %08x (±%d)", x, y, got, want, tolerance);
	}
}

static uint32_t translucent_bgra_at(int x, int y, void *user)
{
	return premultiplied(TRANSLUCENT);
}

/* Left half fully transparent but with a colour a missing premultiply
 * would show; right half the translucent colour, straight. */
static uint32_t translucent_rgba_at(int x, int y, void *user)
{
	return x < 8 ? 0x00ffffffu : TRANSLUCENT;
}

static void check_translucent(enum wall_pixel_format format, argb_at_fn at)
{
	struct wall_renderer *r = soft_new(64, 64);
	struct picture p = argb_picture_new(format, 16, 16, at, NULL);
	struct wall_texture tex = {0};

	r->impl->begin(r);
	r->impl->fill(r, &(struct wall_rect){0, 0, 64, 64}, BACKGROUND);
	g_assert_true(r->impl->upload(r, &tex, &p.frame));
	struct wall_crop whole = {0, 0, 16, 16};
	r->impl->draw(r, &tex, &whole, &(struct wall_rect){8, 8, 16, 16}, 1.0f);
	r->impl->draw(r, &tex, &whole, &(struct wall_rect){32, 8, 16, 16}, 0.5f);
	r->impl->draw(r, &tex, &whole, &(struct wall_rect){8, 32, 32, 24}, 1.0f);
	r->impl->draw(r, &tex, &whole, &(struct wall_rect){44, 32, 12, 24}, 0.5f);
	r->impl->end(r);
	cairo_surface_t *canvas = r->impl->read_canvas(r);

	bool rgba = format == WALL_PIXEL_FORMAT_RGBA;
	int right = rgba ? 12 : 4; /* a column inside the coloured half */
	assert_pixel(canvas, 8 + right, 12, over(BACKGROUND, TRANSLUCENT, 1.0), 2);
	assert_pixel(canvas, 32 + right, 12, over(BACKGROUND, TRANSLUCENT, 0.5), 2);
	assert_pixel(canvas, 8 + 2 * right, 40, over(BACKGROUND, TRANSLUCENT, 1.0), 2);
	assert_pixel(canvas, 44 + right * 3 / 4, 40, over(BACKGROUND, TRANSLUCENT, 0.5), 2);
	if (rgba) {
		/* Transparent pixels leave the canvas as it was. */
		assert_pixel(canvas, 10, 12, BACKGROUND, 1);
		assert_pixel(canvas, 34, 12, BACKGROUND, 1);
		assert_pixel(canvas, 10, 40, BACKGROUND, 1);
	}
	/* Around the rectangles, nothing changed. */
	assert_pixel(canvas, 7, 12, BACKGROUND, 0);
	assert_pixel(canvas, 24, 12, BACKGROUND, 0);
	assert_pixel(canvas, 12, 7, BACKGROUND, 0);
	assert_pixel(canvas, 12, 24, BACKGROUND, 0);
	assert_pixel(canvas, 40, 40, BACKGROUND, 0);

	cairo_surface_destroy(canvas);
	r->impl->texture_finish(r, &tex);
	picture_free(&p);
	wall_renderer_destroy(r);
}

static void test_bgra_blend(void)
{
	check_translucent(WALL_PIXEL_FORMAT_BGRA, translucent_bgra_at);
}

static void test_rgba_straight(void)
{
	check_translucent(WALL_PIXEL_FORMAT_RGBA, translucent_rgba_at);
}

static uint32_t solid_at(int x, int y, void *user)
{
	return *(const uint32_t *)user;
}

/* Uploading again must show the new pixels, even at the same size. */
static void test_rgba_reupload(void)
{
	struct wall_renderer *r = soft_new(16, 16);
	uint32_t first = 0xffff0000u, second = 0xff00ff00u;
	struct picture a = argb_picture_new(WALL_PIXEL_FORMAT_RGBA, 8, 8, solid_at, &first);
	struct picture b = argb_picture_new(WALL_PIXEL_FORMAT_RGBA, 8, 8, solid_at, &second);
	struct wall_texture tex = {0};
	struct wall_crop whole = {0, 0, 8, 8};
	struct wall_rect dest = {4, 4, 8, 8};

	g_assert_true(r->impl->upload(r, &tex, &a.frame));
	r->impl->draw(r, &tex, &whole, &dest, 1.0f);
	cairo_surface_t *canvas = r->impl->read_canvas(r);
	assert_pixel(canvas, 8, 8, first, 0);
	cairo_surface_destroy(canvas);

	g_assert_true(r->impl->upload(r, &tex, &b.frame));
	r->impl->draw(r, &tex, &whole, &dest, 1.0f);
	canvas = r->impl->read_canvas(r);
	assert_pixel(canvas, 8, 8, second, 0);
	cairo_surface_destroy(canvas);

	r->impl->texture_finish(r, &tex);
	picture_free(&a);
	picture_free(&b);
	wall_renderer_destroy(r);
}

/* ---- Scaling, crops and clipping ---- */

#define RED 0xffff0000u
#define BLUE 0xff0000ffu
#define GREEN 0xff00ff00u

static void halves_yuv_at(int x, int y, void *user, uint8_t yuv[3])
{
	static const double red[3] = {1, 0, 0}, blue[3] = {0, 0, 1};
	rgb_to_yuv(&bt601_limited, x < 32 ? red : blue, yuv);
}

static uint32_t halves_argb_at(int x, int y, void *user)
{
	return x < 32 ? RED : BLUE;
}

static struct picture halves_new(enum wall_pixel_format format)
{
	if (format == WALL_PIXEL_FORMAT_I420 || format == WALL_PIXEL_FORMAT_NV12) {
		struct picture p = yuv_picture_new(format, 64, 32, halves_yuv_at, NULL);
		p.frame.matrix = WALL_YUV_MATRIX_BT601;
		return p;
	}
	return argb_picture_new(format, 64, 32, halves_argb_at, NULL);
}

static void check_halves(enum wall_pixel_format format, const struct wall_rect *dest, int tolerance)
{
	struct wall_renderer *r = soft_new(128, 96);
	struct picture p = halves_new(format);
	cairo_surface_t *canvas = render_once(r, &p.frame, NULL, dest, 1, 1.0f, GREEN);
	int x = dest->x, y = dest->y, w = dest->width, h = dest->height;
	int mid_y = y + h / 2;

	/* Away from the seam (a few pixels for the filter), each half is pure. */
	for (int dx = 0; dx < w; dx++) {
		if (abs(2 * dx + 1 - w) <= 6) {
			continue;
		}
		assert_pixel(canvas, x + dx, mid_y, 2 * dx < w ? RED : BLUE, tolerance);
	}
	assert_pixel(canvas, x, y, RED, tolerance);
	assert_pixel(canvas, x + w - 1, y + h - 1, BLUE, tolerance);
	assert_pixel(canvas, x - 1, mid_y, GREEN, 0);
	assert_pixel(canvas, x + w, mid_y, GREEN, 0);
	assert_pixel(canvas, x + w / 4, y - 1, GREEN, 0);
	assert_pixel(canvas, x + w / 4, y + h, GREEN, 0);
	cairo_surface_destroy(canvas);

	/* Only the right half: all blue, to the very edges. */
	struct wall_crop right = {32, 0, 32, 32};
	canvas = render_once(r, &p.frame, &right, dest, 1, 1.0f, GREEN);
	for (int dy = 0; dy < h; dy += 3) {
		for (int dx = 0; dx < w; dx++) {
			assert_pixel(canvas, x + dx, y + dy, BLUE, tolerance);
		}
	}
	assert_pixel(canvas, x - 1, mid_y, GREEN, 0);
	assert_pixel(canvas, x + w, mid_y, GREEN, 0);
	cairo_surface_destroy(canvas);

	picture_free(&p);
	wall_renderer_destroy(r);
}

static void test_scale_halves(void)
{
	enum wall_pixel_format formats[] = {
	        WALL_PIXEL_FORMAT_I420,
	        WALL_PIXEL_FORMAT_NV12,
	        WALL_PIXEL_FORMAT_BGRA,
	        WALL_PIXEL_FORMAT_RGBA,
	};
	/*
	 * Colour here is only to tell the halves apart. libyuv's ARGB bilinear
	 * filter drops two levels even on a flat picture (255 becomes 253),
	 * and its box filter, used to shrink more than twice, rounds Y, U and V
	 * down by one each, which moves RGB by up to five.
	 */
	struct {
		struct wall_rect dest;
		int tolerance;
	} cases[] = {
	        {{10, 7, 100, 50}, 3}, /* bigger */
	        {{11, 9, 40, 20}, 3},  /* smaller, odd place */
	        {{11, 9, 26, 14}, 6},  /* less than half: box filter */
	        {{7, 3, 32, 16}, 3},   /* exactly half: luma only */
	        {{5, 5, 64, 32}, 2},   /* same size */
	        {{3, 2, 120, 9}, 3},   /* squashed */
	};
	for (size_t f = 0; f < G_N_ELEMENTS(formats); f++) {
		for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
			check_halves(formats[f], &cases[c].dest, cases[c].tolerance);
		}
	}
}

/* Colour changes every pixel in x and y, chroma every sample. */
static void pattern_yuv_at(int x, int y, void *user, uint8_t yuv[3])
{
	yuv[0] = (uint8_t)(40 + (x * 7 + y * 3) % 170);
	yuv[1] = (uint8_t)(60 + (x / 2 * 23) % 140);
	yuv[2] = (uint8_t)(60 + (y / 2 * 29 + x / 2 * 5) % 140);
}

static uint32_t pattern_argb_at(int x, int y, void *user)
{
	uint32_t a = 0x80 + (uint32_t)(x * 11 + y * 5) % 0x80;
	uint32_t straight = a << 24 | (uint32_t)((x * 37) % 256) << 16 |
	                    (uint32_t)((y * 53) % 256) << 8 | (uint32_t)((x * y) % 256);
	return premultiplied(straight);
}

static void assert_untouched(cairo_surface_t *canvas, const struct wall_rect *dest,
                             uint32_t background)
{
	int w = cairo_image_surface_get_width(canvas);
	int h = cairo_image_surface_get_height(canvas);
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			bool inside = x >= dest->x && x < dest->x + dest->width && y >= dest->y &&
			              y < dest->y + dest->height;
			if (!inside) {
				assert_pixel(canvas, x, y, background, 0);
			}
		}
	}
}

/*
 * Halving exactly (a 1080p camera in a quarter of a 1080p wall): each
 * output pixel is the box-filtered luma with its own chroma sample, as a
 * 4:4:4 picture, where scaling all of 4:2:0 would average two samples.
 */
static void test_scale_exact_half(void)
{
	struct wall_renderer *r = soft_new(64, 48);
	struct picture p = yuv_picture_new(WALL_PIXEL_FORMAT_I420, 40, 30, pattern_yuv_at, NULL);
	p.frame.matrix = WALL_YUV_MATRIX_BT601;
	p.frame.range = WALL_YUV_RANGE_LIMITED;
	struct wall_rect dest = {6, 4, 20, 15};
	cairo_surface_t *canvas = render_once(r, &p.frame, NULL, &dest, 1, 1.0f, BACKGROUND);
	for (int y = 0; y < dest.height; y++) {
		for (int x = 0; x < dest.width; x++) {
			uint8_t codes[3], corner[3];
			int luma = 0;
			for (int i = 0; i < 4; i++) {
				pattern_yuv_at(2 * x + i % 2, 2 * y + i / 2, NULL, corner);
				luma += corner[0];
			}
			pattern_yuv_at(2 * x, 2 * y, NULL, codes);
			codes[0] = (uint8_t)((luma + 2) / 4);
			assert_pixel(canvas, dest.x + x, dest.y + y,
			             yuv_to_argb(&bt601_limited, codes), 3);
		}
	}
	assert_untouched(canvas, &dest, BACKGROUND);
	cairo_surface_destroy(canvas);
	picture_free(&p);
	wall_renderer_destroy(r);
}

/*
 * A picture drawn partly off the canvas must show exactly the part of the
 * same picture drawn whole on a bigger canvas, and nothing around it.
 */
static void check_clip(enum wall_pixel_format format, const struct wall_rect *dest, float alpha)
{
	struct picture p = format == WALL_PIXEL_FORMAT_BGRA
	                           ? argb_picture_new(format, 40, 30, pattern_argb_at, NULL)
	                           : yuv_picture_new(format, 40, 30, pattern_yuv_at, NULL);
	struct wall_renderer *small = soft_new(64, 48);
	struct wall_renderer *big = soft_new(256, 256);
	struct wall_rect whole = {100, 100, dest->width, dest->height};
	struct wall_crop crop = {2, 4, 36, 24};

	cairo_surface_t *clipped = render_once(small, &p.frame, &crop, dest, 1, alpha, BACKGROUND);
	cairo_surface_t *reference =
	        render_once(big, &p.frame, &crop, &whole, 1, alpha, BACKGROUND);
	assert_untouched(clipped, dest, BACKGROUND);
	int shown = 0;
	for (int y = 0; y < 48; y++) {
		for (int x = 0; x < 64; x++) {
			int rx = x - dest->x + 100, ry = y - dest->y + 100;
			if (rx < 100 || ry < 100 || rx >= 100 + dest->width ||
			    ry >= 100 + dest->height) {
				continue;
			}
			uint32_t want = wall_test_pixel(reference, rx, ry);
			uint32_t got = wall_test_pixel(clipped, x, y);
			if (!wall_test_color_near(got, want, 1)) {
				g_error("format %d dest %d,%d %dx%d alpha %.2f: pixel %d,%d is "
				        "%08x, "
				        "unclipped %08x",
				        format, dest->x, dest->y, dest->width, dest->height, alpha,
				        x, y, got, want);
			}
			shown++;
		}
	}
	g_assert_cmpint(shown, >, 0);

	cairo_surface_destroy(clipped);
	cairo_surface_destroy(reference);
	wall_renderer_destroy(small);
	wall_renderer_destroy(big);
	picture_free(&p);
}

static void test_clip(void)
{
	enum wall_pixel_format formats[] = {
	        WALL_PIXEL_FORMAT_I420,
	        WALL_PIXEL_FORMAT_NV12,
	        WALL_PIXEL_FORMAT_BGRA,
	};
	struct wall_rect dests[] = {
	        {-20, -10, 50, 40},   /* over the top-left corner, even offsets */
	        {-3, -5, 50, 40},     /* odd offsets: chroma pairing must hold */
	        {-7, 20, 36, 24},     /* same size as the crop, odd offset */
	        {-5, 3, 18, 12},      /* half the crop, odd offset */
	        {40, 30, 50, 41},     /* over the bottom-right corner */
	        {-30, -30, 200, 120}, /* over every edge */
	};
	float alphas[] = {1.0f, 0.5f};
	for (size_t f = 0; f < G_N_ELEMENTS(formats); f++) {
		for (size_t d = 0; d < G_N_ELEMENTS(dests); d++) {
			for (size_t a = 0; a < G_N_ELEMENTS(alphas); a++) {
				check_clip(formats[f], &dests[d], alphas[a]);
			}
		}
	}
}

/* Rectangles off the canvas, empty ones, crops off the picture: no change. */
static void test_draw_nothing(void)
{
	struct wall_renderer *r = soft_new(32, 32);
	struct picture yuv = halves_new(WALL_PIXEL_FORMAT_I420);
	struct picture bgra = halves_new(WALL_PIXEL_FORMAT_BGRA);
	struct wall_rect none = {0, 0, 0, 0};
	struct wall_crop whole = {0, 0, 64, 32};
	struct wall_rect off[] = {
	        {32, 0, 10, 10}, {-10, 0, 10, 10}, {0, -50, 40, 50},
	        {0, 32, 5, 5},   {5, 5, 0, 10},    {5, 5, 10, -3},
	};
	struct wall_crop bad_crops[] = {
	        {64, 0, 10, 10},
	        {0, 0, 0, 32},
	        {-20, 0, 10, 32},
	        {NAN, 0, 10, 10},
	};
	struct picture *pictures[] = {&yuv, &bgra};

	for (size_t i = 0; i < G_N_ELEMENTS(pictures); i++) {
		struct wall_texture tex = {0};
		r->impl->fill(r, &(struct wall_rect){0, 0, 32, 32}, BACKGROUND);
		g_assert_true(r->impl->upload(r, &tex, &pictures[i]->frame));
		for (size_t d = 0; d < G_N_ELEMENTS(off); d++) {
			r->impl->draw(r, &tex, &whole, &off[d], 1.0f);
		}
		for (size_t c = 0; c < G_N_ELEMENTS(bad_crops); c++) {
			r->impl->draw(r, &tex, &bad_crops[c], &(struct wall_rect){0, 0, 32, 32},
			              1.0f);
		}
		struct wall_rect full = {0, 0, 32, 32};
		r->impl->draw(r, &tex, &whole, &full, 0.0f);
		r->impl->draw(r, &tex, &whole, &full, -1.0f);
		r->impl->draw(r, &tex, &whole, &full, NAN);
		cairo_surface_t *canvas = r->impl->read_canvas(r);
		assert_untouched(canvas, &none, BACKGROUND);
		cairo_surface_destroy(canvas);
		r->impl->texture_finish(r, &tex);
	}
	picture_free(&yuv);
	picture_free(&bgra);
	wall_renderer_destroy(r);
}

/* ---- Fades, fills, formats ---- */

static void grey_yuv_at(int x, int y, void *user, uint8_t yuv[3])
{
	yuv[0] = 180;
	yuv[1] = 128;
	yuv[2] = 128;
}

static void test_yuv_fade(void)
{
	struct wall_renderer *r = soft_new(64, 32);
	struct picture p = yuv_picture_new(WALL_PIXEL_FORMAT_I420, 16, 16, grey_yuv_at, NULL);
	p.frame.matrix = WALL_YUV_MATRIX_BT601;
	uint8_t codes[3] = {180, 128, 128};
	uint32_t grey = yuv_to_argb(&bt601_limited, codes);
	struct wall_rect dests[] = {{0, 0, 16, 16}, {16, 0, 16, 16}, {32, 0, 32, 32}};
	cairo_surface_t *canvas[3];
	float alphas[] = {1.0f, 0.25f, 0.75f};
	for (int i = 0; i < 3; i++) {
		canvas[i] = render_once(r, &p.frame, NULL, &dests[i], 1, alphas[i], BACKGROUND);
	}
	assert_pixel(canvas[0], 8, 8, grey, 2);
	assert_pixel(canvas[1], 24, 8, over(BACKGROUND, grey, 0.25), 2);
	assert_pixel(canvas[2], 48, 16, over(BACKGROUND, grey, 0.75), 2);
	assert_pixel(canvas[1], 8, 8, BACKGROUND, 0);
	for (int i = 0; i < 3; i++) {
		cairo_surface_destroy(canvas[i]);
	}
	picture_free(&p);
	wall_renderer_destroy(r);
}

static void test_fill(void)
{
	struct wall_renderer *r = soft_new(32, 32);
	r->impl->begin(r);
	r->impl->fill(r, &(struct wall_rect){0, 0, 32, 32}, BACKGROUND);
	r->impl->fill(r, &(struct wall_rect){4, 4, 8, 8}, TRANSLUCENT);
	r->impl->fill(r, &(struct wall_rect){-10, 20, 20, 40}, 0xffffff00u);
	r->impl->fill(r, &(struct wall_rect){20, 20, 4, 4}, 0x00ffffffu);
	r->impl->fill(r, &(struct wall_rect){40, 0, 4, 4}, 0xffffffffu);
	r->impl->fill(r, &(struct wall_rect){24, -8, 20, 12}, 0x40000000u);
	r->impl->end(r);
	cairo_surface_t *canvas = r->impl->read_canvas(r);

	assert_pixel(canvas, 4, 4, over(BACKGROUND, TRANSLUCENT, 1.0), 2);
	assert_pixel(canvas, 11, 11, over(BACKGROUND, TRANSLUCENT, 1.0), 2);
	assert_pixel(canvas, 12, 12, BACKGROUND, 0);
	assert_pixel(canvas, 3, 4, BACKGROUND, 0);
	assert_pixel(canvas, 0, 31, 0xffffff00u, 0);
	assert_pixel(canvas, 9, 31, 0xffffff00u, 0);
	assert_pixel(canvas, 10, 31, BACKGROUND, 0);
	assert_pixel(canvas, 0, 19, BACKGROUND, 0);
	assert_pixel(canvas, 21, 21, BACKGROUND, 0);
	assert_pixel(canvas, 31, 0, over(BACKGROUND, 0x40000000u, 1.0), 2);
	assert_pixel(canvas, 31, 4, BACKGROUND, 0);
	assert_pixel(canvas, 23, 0, BACKGROUND, 0);
	cairo_surface_destroy(canvas);
	wall_renderer_destroy(r);
}

static void test_upload_rejects(void)
{
	struct wall_renderer *r = soft_new(16, 16);
	struct picture p = halves_new(WALL_PIXEL_FORMAT_I420);
	struct wall_texture tex = {0};

	/* Never uploaded: finishing is fine. */
	r->impl->texture_finish(r, &tex);

	g_assert_true(r->impl->upload(r, &tex, &p.frame));
	g_assert_cmpuint(tex.width_px, ==, 64);
	g_assert_cmpuint(tex.height_px, ==, 32);
	g_assert_cmpint(tex.format, ==, WALL_PIXEL_FORMAT_I420);

	struct wall_frame bad[6];
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		bad[i] = p.frame;
	}
	bad[0].format = WALL_PIXEL_FORMAT_INVALID;
	bad[1].format = (enum wall_pixel_format)99;
	bad[2].width_px = 0;
	bad[3].planes[2] = NULL;
	bad[4].strides[0] = 10;
	bad[5].format = WALL_PIXEL_FORMAT_BGRA; /* stride too short for 4 bytes a pixel */
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_false(r->impl->upload(r, &tex, &bad[i]));
	}

	/* After a refused upload the old frame is forgotten: it may be gone. */
	r->impl->fill(r, &(struct wall_rect){0, 0, 16, 16}, BACKGROUND);
	r->impl->draw(r, &tex, &(struct wall_crop){0, 0, 64, 32}, &(struct wall_rect){0, 0, 16, 16},
	              1.0f);
	cairo_surface_t *canvas = r->impl->read_canvas(r);
	assert_pixel(canvas, 8, 8, BACKGROUND, 0);
	cairo_surface_destroy(canvas);

	r->impl->texture_finish(r, &tex);
	g_assert_null(tex.priv);
	picture_free(&p);
	wall_renderer_destroy(r);
	wall_renderer_destroy(NULL);
	g_assert_false(wall_renderer_is_soft(NULL));
}

static void test_canvas(void)
{
	struct wall_renderer *r = soft_new(20, 10);
	g_assert_cmpstr(r->impl->name, ==, "soft");
	uint8_t *data = NULL;
	int stride = 0;
	wall_soft_renderer_canvas(r, &data, &stride);
	g_assert_nonnull(data);
	g_assert_cmpint(stride, >=, 20 * 4);
	/* The canvas starts opaque black, and the read-back is a copy. */
	cairo_surface_t *copy = r->impl->read_canvas(r);
	assert_pixel(copy, 19, 9, 0xff000000u, 0);
	r->impl->fill(r, &(struct wall_rect){0, 0, 20, 10}, GREEN);
	assert_pixel(copy, 19, 9, 0xff000000u, 0);
	g_assert_cmphex(((uint32_t *)(data + 9 * stride))[19], ==, GREEN);
	cairo_surface_destroy(copy);
	wall_renderer_destroy(r);
}

/* The same draws, into two targets with a bezel between them: each target
 * holds exactly its crop of the canvas, and nothing else is written. */
static void draw_scene(struct wall_renderer *r, const struct wall_frame *yuv,
                       const struct wall_frame *bgra)
{
	struct wall_texture a = {0};
	struct wall_texture b = {0};
	g_assert_true(r->impl->upload(r, &a, yuv));
	g_assert_true(r->impl->upload(r, &b, bgra));
	r->impl->begin(r);
	r->impl->fill(r, &(struct wall_rect){0, 0, 100, 40}, BACKGROUND);
	r->impl->draw(r, &a, &(struct wall_crop){0, 0, 40, 30}, &(struct wall_rect){9, 5, 80, 30},
	              1.0f);
	r->impl->draw(r, &b, &(struct wall_crop){0, 0, 40, 30}, &(struct wall_rect){31, 3, 41, 31},
	              0.5f);
	r->impl->fill(r, &(struct wall_rect){40, 20, 30, 10}, TRANSLUCENT);
	r->impl->end(r);
	r->impl->texture_finish(r, &a);
	r->impl->texture_finish(r, &b);
}

static void test_targets(void)
{
	struct picture yuv = yuv_picture_new(WALL_PIXEL_FORMAT_I420, 40, 30, pattern_yuv_at, NULL);
	struct picture bgra = argb_picture_new(WALL_PIXEL_FORMAT_BGRA, 40, 30, pattern_argb_at, NULL);
	struct wall_renderer *whole = soft_new(100, 40);
	draw_scene(whole, &yuv.frame, &bgra.frame);
	cairo_surface_t *reference = whole->impl->read_canvas(whole);

	/* A sentinel colour around each target catches a stray write. */
	enum { STRIDE_PX = 64, ROWS = 42, SENTINEL = 0x5a5a5a5a };
	struct wall_soft_target targets[2] = {
	        {.rect = {0, 0, 45, 40}},
	        {.rect = {55, 0, 45, 40}},
	};
	uint32_t *memory[2];
	for (int i = 0; i < 2; i++) {
		memory[i] = g_new(uint32_t, STRIDE_PX * ROWS);
		for (int p = 0; p < STRIDE_PX * ROWS; p++) {
			memory[i][p] = SENTINEL;
		}
		targets[i].data = (uint8_t *)(memory[i] + STRIDE_PX);
		targets[i].stride_bytes = STRIDE_PX * 4;
	}
	struct wall_renderer *split = soft_new(100, 40);
	wall_soft_renderer_set_targets(split, targets, 2);
	size_t count = 99;
	wall_soft_renderer_damage(split, &count);
	g_assert_cmpint(count, ==, 0);
	draw_scene(split, &yuv.frame, &bgra.frame);

	for (int i = 0; i < 2; i++) {
		const struct wall_rect *rect = &targets[i].rect;
		for (int y = 0; y < ROWS; y++) {
			for (int x = 0; x < STRIDE_PX; x++) {
				uint32_t got = memory[i][y * STRIDE_PX + x];
				bool inside = y >= 1 && y <= rect->height && x < rect->width;
				if (!inside) {
					g_assert_cmphex(got, ==, SENTINEL);
					continue;
				}
				uint32_t want = wall_test_pixel(reference, rect->x + x, y - 1);
				if (got != want) {
					g_error("target %d pixel %d,%d is %08x, the canvas has %08x", i,
					        x, y - 1, got, want);
				}
			}
		}
	}
	/* The damage covers what was drawn: here the whole canvas. */
	const struct wall_rect *damage = wall_soft_renderer_damage(split, &count);
	g_assert_cmpint(count, ==, 4);
	g_assert_cmpint(damage[0].width, ==, 100);
	g_assert_cmpint(damage[0].height, ==, 40);
	/* Frames drawn while nobody takes the damage add up to a bounded list
	 * that still covers everything drawn. */
	for (int i = 0; i < 3000; i++) {
		split->impl->fill(split, &(struct wall_rect){i % 90, 2, 1, 1}, GREEN);
	}
	split->impl->fill(split, &(struct wall_rect){95, 38, 1, 1}, GREEN);
	damage = wall_soft_renderer_damage(split, &count);
	g_assert_cmpint(count, <=, 1024);
	struct wall_rect covered = damage[0];
	for (size_t i = 1; i < count; i++) {
		covered = wall_rect_union(&covered, &damage[i]);
	}
	g_assert_cmpint(covered.x, ==, 0);
	g_assert_cmpint(covered.x + covered.width, ==, 100);
	g_assert_cmpint(covered.y + covered.height, ==, 40);
	/* A screenshot shows the targets, black in the bezel. */
	cairo_surface_t *shot = split->impl->read_canvas(split);
	assert_pixel(shot, 50, 20, 0xff000000u, 0);
	assert_pixel(shot, 60, 10, wall_test_pixel(reference, 60, 10), 0);
	cairo_surface_destroy(shot);

	cairo_surface_destroy(reference);
	wall_renderer_destroy(whole);
	wall_renderer_destroy(split);
	g_free(memory[0]);
	g_free(memory[1]);
	picture_free(&yuv);
	picture_free(&bgra);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/soft/yuv-colors", test_yuv_colors);
	g_test_add_func("/soft/yuv-fade", test_yuv_fade);
	g_test_add_func("/soft/bgra-blend", test_bgra_blend);
	g_test_add_func("/soft/rgba-straight", test_rgba_straight);
	g_test_add_func("/soft/rgba-reupload", test_rgba_reupload);
	g_test_add_func("/soft/scale-halves", test_scale_halves);
	g_test_add_func("/soft/scale-exact-half", test_scale_exact_half);
	g_test_add_func("/soft/clip", test_clip);
	g_test_add_func("/soft/draw-nothing", test_draw_nothing);
	g_test_add_func("/soft/fill", test_fill);
	g_test_add_func("/soft/upload-rejects", test_upload_rejects);
	g_test_add_func("/soft/canvas", test_canvas);
	g_test_add_func("/soft/targets", test_targets);
	return g_test_run();
}
