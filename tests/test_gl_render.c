/*
 * The gl renderer on the headless backend: real pixels read back from the
 * canvas. Expected colours come from the equations, not from the renderer.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "backend/backend.h"
#include "render/renderer.h"
#include "support.h"

#define CANVAS_W 64
#define CANVAS_H 48

#define RED 0xffff0000u
#define GREEN 0xff00ff00u
#define BLUE 0xff0000ffu
#define WHITE 0xffffffffu
#define BLACK 0xff000000u

struct fixture {
	struct wall_backend *backend;
	struct wall_renderer *renderer;
};

static const char *shader_dir(void)
{
	const char *dir = g_getenv("WALL_SHADER_PATH");
	return dir != NULL ? dir : WALL_BUILD_ROOT "/shaders";
}

static void fixture_set_up(struct fixture *f, gconstpointer data)
{
	struct wall_backend_options options = {
		.canvas_width_px = CANVAS_W,
		.canvas_height_px = CANVAS_H,
		.fps = 25,
	};
	f->backend = wall_headless_backend_create(&options);
	g_assert_nonnull(f->backend);
	g_assert_true(f->backend->impl->init(f->backend, WALL_RENDER_GL));
	f->renderer = wall_gl_renderer_create(CANVAS_W, CANVAS_H, shader_dir());
	g_assert_nonnull(f->renderer);
	g_assert_true(wall_renderer_is_gl(f->renderer));
}

static void fixture_tear_down(struct fixture *f, gconstpointer data)
{
	wall_renderer_destroy(f->renderer);
	wall_backend_destroy(f->backend);
}

/* Read the canvas and check one pixel (0xAARRGGBB, unpremultiplied). */
static void assert_pixel(cairo_surface_t *canvas, int x, int y, uint32_t expected, int tolerance)
{
	uint32_t actual = wall_test_pixel(canvas, x, y);
	if (!wall_test_color_near(actual, expected, tolerance)) {
		g_error("pixel %d,%d is %08x, expected %08x (±%d)", x, y, actual, expected,
			tolerance);
	}
}

/* A frame of solid RGBA or BGRA pixels; free planes[0] with g_free. */
static struct wall_frame rgba_frame(enum wall_pixel_format format, uint32_t width,
				    uint32_t height, const uint8_t bytes[4])
{
	uint8_t *pixels = g_malloc((size_t)width * height * 4);
	for (size_t i = 0; i < (size_t)width * height; i++) {
		memcpy(pixels + i * 4, bytes, 4);
	}
	return (struct wall_frame){
		.format = format,
		.width_px = width,
		.height_px = height,
		.planes = {pixels},
		.strides = {width * 4},
	};
}

/* Set pixel x, y of a 32-bit frame made by rgba_frame(). */
static void frame_set(struct wall_frame *frame, uint32_t x, uint32_t y, const uint8_t bytes[4])
{
	uint8_t *pixels = (uint8_t *)frame->planes[0];
	memcpy(pixels + y * frame->strides[0] + x * 4, bytes, 4);
}

static void frame_free(struct wall_frame *frame)
{
	for (int i = 0; i < 3; i++) {
		g_free((void *)frame->planes[i]);
	}
}

/*
 * A solid YUV frame. Rows carry pad_px bytes of junk past the picture so
 * a renderer that ignores strides shows it.
 */
static struct wall_frame yuv_frame(enum wall_pixel_format format, uint32_t width,
				   uint32_t height, uint32_t pad_px, int y, int u, int v)
{
	uint32_t cw = (width + 1) / 2;
	uint32_t ch = (height + 1) / 2;
	struct wall_frame frame = {
		.format = format,
		.width_px = width,
		.height_px = height,
	};
	frame.strides[0] = width + pad_px;
	uint8_t *luma = g_malloc((size_t)frame.strides[0] * height);
	memset(luma, 0xff, (size_t)frame.strides[0] * height);
	for (uint32_t row = 0; row < height; row++) {
		memset(luma + row * frame.strides[0], y, width);
	}
	frame.planes[0] = luma;
	if (format == WALL_PIXEL_FORMAT_I420) {
		for (int p = 1; p < 3; p++) {
			frame.strides[p] = cw + pad_px;
			uint8_t *chroma = g_malloc((size_t)frame.strides[p] * ch);
			memset(chroma, 0x00, (size_t)frame.strides[p] * ch);
			for (uint32_t row = 0; row < ch; row++) {
				memset(chroma + row * frame.strides[p], p == 1 ? u : v, cw);
			}
			frame.planes[p] = chroma;
		}
	} else {
		frame.strides[1] = cw * 2 + pad_px * 2;
		uint8_t *chroma = g_malloc0((size_t)frame.strides[1] * ch);
		for (uint32_t row = 0; row < ch; row++) {
			for (uint32_t x = 0; x < cw; x++) {
				chroma[row * frame.strides[1] + x * 2] = (uint8_t)u;
				chroma[row * frame.strides[1] + x * 2 + 1] = (uint8_t)v;
			}
		}
		frame.planes[1] = chroma;
	}
	return frame;
}

static uint8_t to_byte(double value)
{
	value = value < 0.0 ? 0.0 : value > 1.0 ? 1.0 : value;
	return (uint8_t)lround(value * 255.0);
}

/* R'G'B' from Y'CbCr by the BT.601 / BT.709 equations. */
static uint32_t yuv_to_argb(int y, int u, int v, bool bt709, bool full)
{
	double kr = bt709 ? 0.2126 : 0.299;
	double kb = bt709 ? 0.0722 : 0.114;
	double kg = 1.0 - kr - kb;
	double luma = full ? y / 255.0 : (y - 16) / 219.0;
	double pb = full ? (u - 128) / 255.0 : (u - 128) / 224.0;
	double pr = full ? (v - 128) / 255.0 : (v - 128) / 224.0;
	double r = luma + 2.0 * (1.0 - kr) * pr;
	double g = luma - 2.0 * kb * (1.0 - kb) / kg * pb - 2.0 * kr * (1.0 - kr) / kg * pr;
	double b = luma + 2.0 * (1.0 - kb) * pb;
	return 0xff000000u | (uint32_t)to_byte(r) << 16 | (uint32_t)to_byte(g) << 8 | to_byte(b);
}

static void draw_whole(struct wall_renderer *r, struct wall_texture *tex,
		       const struct wall_rect *dest, float alpha)
{
	struct wall_crop crop = {0, 0, tex->width_px, tex->height_px};
	r->impl->draw(r, tex, &crop, dest, alpha);
}

static void test_fill_opaque(struct fixture *f, gconstpointer data)
{
	struct wall_renderer *r = f->renderer;
	struct wall_rect all = {0, 0, CANVAS_W, CANVAS_H};
	struct wall_rect box = {10, 5, 20, 10};
	g_assert_true(r->impl->begin(r));
	r->impl->fill(r, &all, 0xff102030);
	r->impl->fill(r, &box, RED);
	g_assert_true(r->impl->end(r));

	cairo_surface_t *canvas = r->impl->read_canvas(r);
	g_assert_cmpint(cairo_image_surface_get_width(canvas), ==, CANVAS_W);
	g_assert_cmpint(cairo_image_surface_get_height(canvas), ==, CANVAS_H);
	assert_pixel(canvas, 0, 0, 0xff102030, 0);
	assert_pixel(canvas, 10, 5, RED, 0);
	assert_pixel(canvas, 29, 14, RED, 0);
	assert_pixel(canvas, 30, 14, 0xff102030, 0);
	assert_pixel(canvas, 29, 15, 0xff102030, 0);
	assert_pixel(canvas, 9, 5, 0xff102030, 0);
	assert_pixel(canvas, 10, 4, 0xff102030, 0);
	cairo_surface_destroy(canvas);

	/* The canvas lives on: a frame that redraws one tile keeps the rest. */
	struct wall_rect tile = {40, 30, 8, 8};
	g_assert_true(r->impl->begin(r));
	r->impl->fill(r, &tile, BLUE);
	g_assert_true(r->impl->end(r));
	canvas = r->impl->read_canvas(r);
	assert_pixel(canvas, 15, 10, RED, 0);
	assert_pixel(canvas, 44, 34, BLUE, 0);
	assert_pixel(canvas, 63, 47, 0xff102030, 0);
	cairo_surface_destroy(canvas);
}

static void test_fill_translucent(struct fixture *f, gconstpointer data)
{
	struct wall_renderer *r = f->renderer;
	struct wall_rect left = {0, 0, CANVAS_W / 2, CANVAS_H};
	struct wall_rect all = {0, 0, CANVAS_W, CANVAS_H};
	g_assert_true(r->impl->begin(r));
	/* The right half stays as created: transparent. */
	r->impl->fill(r, &left, BLUE);
	r->impl->fill(r, &all, 0x80ff0000);
	g_assert_true(r->impl->end(r));

	cairo_surface_t *canvas = r->impl->read_canvas(r);
	/* Half red over blue. */
	assert_pixel(canvas, 5, 5, 0xff80007f, 2);
	/* Half red over nothing stays half transparent. */
	assert_pixel(canvas, 50, 5, 0x80ff0000, 2);
	cairo_surface_destroy(canvas);
}

static void test_rgba_alpha(struct fixture *f, gconstpointer data)
{
	struct wall_renderer *r = f->renderer;
	static const uint8_t rgba_half_red[4] = {255, 0, 0, 128};
	/* The same colour as premultiplied B, G, R, A bytes. */
	static const uint8_t bgra_half_red[4] = {0, 0, 128, 128};
	static const uint8_t rgba_green[4] = {0, 255, 0, 255};
	struct wall_frame straight = rgba_frame(WALL_PIXEL_FORMAT_RGBA, 8, 8, rgba_half_red);
	struct wall_frame premultiplied = rgba_frame(WALL_PIXEL_FORMAT_BGRA, 8, 8, bgra_half_red);
	struct wall_frame opaque = rgba_frame(WALL_PIXEL_FORMAT_RGBA, 8, 8, rgba_green);
	struct wall_texture tex_straight = {0};
	struct wall_texture tex_premultiplied = {0};
	struct wall_texture tex_opaque = {0};
	g_assert_true(r->impl->upload(r, &tex_straight, &straight));
	g_assert_true(r->impl->upload(r, &tex_premultiplied, &premultiplied));
	g_assert_true(r->impl->upload(r, &tex_opaque, &opaque));
	g_assert_cmpuint(tex_straight.width_px, ==, 8);
	g_assert_cmpint(tex_premultiplied.format, ==, WALL_PIXEL_FORMAT_BGRA);

	struct wall_rect all = {0, 0, CANVAS_W, CANVAS_H};
	struct wall_rect a = {0, 0, 16, 16};
	struct wall_rect b = {16, 0, 16, 16};
	struct wall_rect c = {32, 0, 16, 16};
	struct wall_rect d = {48, 0, 16, 16};
	struct wall_rect e = {0, 16, 16, 16};
	g_assert_true(r->impl->begin(r));
	r->impl->fill(r, &all, WHITE);
	draw_whole(r, &tex_straight, &a, 1.0f);
	draw_whole(r, &tex_premultiplied, &b, 1.0f);
	draw_whole(r, &tex_opaque, &c, 1.0f);
	/* A fade: half of opaque green over white. */
	draw_whole(r, &tex_opaque, &d, 0.5f);
	/* A fade of a translucent picture multiplies both alphas. */
	draw_whole(r, &tex_premultiplied, &e, 0.5f);
	g_assert_true(r->impl->end(r));

	cairo_surface_t *canvas = r->impl->read_canvas(r);
	assert_pixel(canvas, 8, 8, 0xffff7f7f, 2);
	assert_pixel(canvas, 24, 8, 0xffff7f7f, 2);
	assert_pixel(canvas, 40, 8, GREEN, 0);
	assert_pixel(canvas, 56, 8, 0xff7fff7f, 2);
	assert_pixel(canvas, 8, 24, 0xffffbfbf, 2);
	cairo_surface_destroy(canvas);

	r->impl->texture_finish(r, &tex_straight);
	r->impl->texture_finish(r, &tex_premultiplied);
	r->impl->texture_finish(r, &tex_opaque);
	g_assert_null(tex_opaque.priv);
	frame_free(&straight);
	frame_free(&premultiplied);
	frame_free(&opaque);
}

struct yuv_case {
	enum wall_yuv_matrix matrix;
	enum wall_yuv_range range;
	uint32_t height_px;
	bool expect_bt709;
	bool expect_full;
};

static const struct yuv_case yuv_cases[] = {
	{WALL_YUV_MATRIX_BT601, WALL_YUV_RANGE_LIMITED, 16, false, false},
	{WALL_YUV_MATRIX_BT709, WALL_YUV_RANGE_LIMITED, 16, true, false},
	{WALL_YUV_MATRIX_BT601, WALL_YUV_RANGE_FULL, 16, false, true},
	{WALL_YUV_MATRIX_BT709, WALL_YUV_RANGE_FULL, 16, true, true},
	/* DEFAULT: BT.601 below 720 lines, BT.709 from 720; limited range. */
	{WALL_YUV_MATRIX_DEFAULT, WALL_YUV_RANGE_DEFAULT, 576, false, false},
	{WALL_YUV_MATRIX_DEFAULT, WALL_YUV_RANGE_DEFAULT, 720, true, false},
};

static const int yuv_colors[][3] = {
	{81, 90, 240},	/* about red in BT.601 */
	{145, 54, 34},	/* about green */
	{41, 240, 110}, /* about blue */
	{128, 128, 128},
	{235, 128, 128}, /* limited white */
	{16, 128, 128},	 /* limited black */
	{200, 20, 180},	 /* out of gamut: must clamp, not wrap */
};

static void check_yuv_format(struct fixture *f, enum wall_pixel_format format)
{
	struct wall_renderer *r = f->renderer;
	struct wall_rect all = {0, 0, CANVAS_W, CANVAS_H};
	struct wall_texture tex = {0};
	for (size_t c = 0; c < G_N_ELEMENTS(yuv_cases); c++) {
		const struct yuv_case *yc = &yuv_cases[c];
		for (size_t k = 0; k < G_N_ELEMENTS(yuv_colors); k++) {
			const int *yuv = yuv_colors[k];
			/* Odd width: chroma rounds up. */
			struct wall_frame frame =
				yuv_frame(format, 17, yc->height_px, 5, yuv[0], yuv[1], yuv[2]);
			frame.matrix = yc->matrix;
			frame.range = yc->range;
			g_assert_true(r->impl->upload(r, &tex, &frame));
			frame_free(&frame);

			g_assert_true(r->impl->begin(r));
			r->impl->fill(r, &all, BLACK);
			draw_whole(r, &tex, &all, 1.0f);
			g_assert_true(r->impl->end(r));
			cairo_surface_t *canvas = r->impl->read_canvas(r);
			uint32_t expected = yuv_to_argb(yuv[0], yuv[1], yuv[2], yc->expect_bt709,
							yc->expect_full);
			for (int y = 0; y < CANVAS_H; y += 7) {
				for (int x = 0; x < CANVAS_W; x += 9) {
					uint32_t actual = wall_test_pixel(canvas, x, y);
					if (!wall_test_color_near(actual, expected, 2)) {
						g_error("case %zu, YUV %d,%d,%d at %d,%d: %08x, "
							"expected %08x",
							c, yuv[0], yuv[1], yuv[2], x, y, actual,
							expected);
					}
				}
			}
			cairo_surface_destroy(canvas);
		}
	}
	r->impl->texture_finish(r, &tex);
}

static void test_i420(struct fixture *f, gconstpointer data)
{
	check_yuv_format(f, WALL_PIXEL_FORMAT_I420);
}

static void test_nv12(struct fixture *f, gconstpointer data)
{
	check_yuv_format(f, WALL_PIXEL_FORMAT_NV12);
}

/* YUV drawn at half opacity over white. */
static void test_yuv_fade(struct fixture *f, gconstpointer data)
{
	struct wall_renderer *r = f->renderer;
	struct wall_rect all = {0, 0, CANVAS_W, CANVAS_H};
	struct wall_texture tex = {0};
	struct wall_frame frame = yuv_frame(WALL_PIXEL_FORMAT_I420, 16, 16, 0, 16, 128, 128);
	g_assert_true(r->impl->upload(r, &tex, &frame));
	frame_free(&frame);
	g_assert_true(r->impl->begin(r));
	r->impl->fill(r, &all, WHITE);
	draw_whole(r, &tex, &all, 0.5f);
	g_assert_true(r->impl->end(r));
	cairo_surface_t *canvas = r->impl->read_canvas(r);
	assert_pixel(canvas, 30, 20, 0xff808080, 2);
	cairo_surface_destroy(canvas);
	r->impl->texture_finish(r, &tex);
}

/* An 8x8 picture: left half red, right half blue; top row black. */
static struct wall_frame halves_frame(void)
{
	static const uint8_t red[4] = {255, 0, 0, 255};
	static const uint8_t blue[4] = {0, 0, 255, 255};
	struct wall_frame frame = rgba_frame(WALL_PIXEL_FORMAT_RGBA, 8, 8, red);
	for (uint32_t y = 0; y < 8; y++) {
		for (uint32_t x = 4; x < 8; x++) {
			frame_set(&frame, x, y, blue);
		}
	}
	return frame;
}

static void test_scale_and_crop(struct fixture *f, gconstpointer data)
{
	struct wall_renderer *r = f->renderer;
	struct wall_frame frame = halves_frame();
	struct wall_texture tex = {0};
	g_assert_true(r->impl->upload(r, &tex, &frame));

	struct wall_rect all = {0, 0, CANVAS_W, CANVAS_H};
	struct wall_rect up = {0, 0, 32, 32};
	struct wall_rect down = {32, 0, 4, 4};
	struct wall_crop right = {4, 0, 4, 8};
	struct wall_rect cropped = {40, 0, 16, 32};
	g_assert_true(r->impl->begin(r));
	r->impl->fill(r, &all, BLACK);
	draw_whole(r, &tex, &up, 1.0f);
	draw_whole(r, &tex, &down, 1.0f);
	r->impl->draw(r, &tex, &right, &cropped, 1.0f);
	g_assert_true(r->impl->end(r));

	cairo_surface_t *canvas = r->impl->read_canvas(r);
	/* Scaled up 4x: halves keep their place, blended only near the middle. */
	assert_pixel(canvas, 0, 0, RED, 0);
	assert_pixel(canvas, 13, 31, RED, 0);
	assert_pixel(canvas, 18, 0, BLUE, 0);
	assert_pixel(canvas, 31, 31, BLUE, 0);
	assert_pixel(canvas, 32, 0, RED, 2);
	/* Scaled down by half. */
	assert_pixel(canvas, 32, 3, RED, 2);
	assert_pixel(canvas, 35, 0, BLUE, 2);
	/* The right half alone, with no red bleeding in at its left edge. */
	for (int x = 40; x < 56; x++) {
		assert_pixel(canvas, x, 0, BLUE, 0);
		assert_pixel(canvas, x, 31, BLUE, 0);
	}
	assert_pixel(canvas, 56, 0, BLACK, 0);
	cairo_surface_destroy(canvas);

	r->impl->texture_finish(r, &tex);
	frame_free(&frame);
}

/* Rows stay top down: the picture's first row is the canvas's top row. */
static void test_upright(struct fixture *f, gconstpointer data)
{
	struct wall_renderer *r = f->renderer;
	static const uint8_t red[4] = {255, 0, 0, 255};
	static const uint8_t green[4] = {0, 255, 0, 255};
	struct wall_frame frame = rgba_frame(WALL_PIXEL_FORMAT_RGBA, 4, 2, red);
	for (uint32_t x = 0; x < 4; x++) {
		frame_set(&frame, x, 1, green);
	}
	frame_set(&frame, 0, 0, (const uint8_t[4]){0, 0, 255, 255});
	struct wall_texture tex = {0};
	g_assert_true(r->impl->upload(r, &tex, &frame));

	struct wall_rect all = {0, 0, CANVAS_W, CANVAS_H};
	struct wall_rect dest = {0, 0, 4, 2};
	g_assert_true(r->impl->begin(r));
	r->impl->fill(r, &all, BLACK);
	draw_whole(r, &tex, &dest, 1.0f);
	g_assert_true(r->impl->end(r));
	cairo_surface_t *canvas = r->impl->read_canvas(r);
	assert_pixel(canvas, 0, 0, BLUE, 0);
	assert_pixel(canvas, 3, 0, RED, 0);
	assert_pixel(canvas, 3, 1, GREEN, 0);
	assert_pixel(canvas, 0, 2, BLACK, 0);
	cairo_surface_destroy(canvas);

	r->impl->texture_finish(r, &tex);
	frame_free(&frame);
}

static void test_clipped(struct fixture *f, gconstpointer data)
{
	struct wall_renderer *r = f->renderer;
	struct wall_frame frame = halves_frame();
	struct wall_texture tex = {0};
	g_assert_true(r->impl->upload(r, &tex, &frame));

	struct wall_rect all = {0, 0, CANVAS_W, CANVAS_H};
	/* Half off the left edge: only the blue half shows, unsquashed. */
	struct wall_rect left = {-16, 0, 32, 16};
	/* Off the bottom-right corner. */
	struct wall_rect corner = {CANVAS_W - 8, CANVAS_H - 8, 32, 32};
	struct wall_rect outside = {CANVAS_W + 10, 0, 16, 16};
	struct wall_rect fill_corner = {-4, CANVAS_H - 4, 8, 8};
	g_assert_true(r->impl->begin(r));
	r->impl->fill(r, &all, BLACK);
	draw_whole(r, &tex, &left, 1.0f);
	draw_whole(r, &tex, &corner, 1.0f);
	draw_whole(r, &tex, &outside, 1.0f);
	r->impl->fill(r, &fill_corner, GREEN);
	g_assert_true(r->impl->end(r));

	cairo_surface_t *canvas = r->impl->read_canvas(r);
	/* Columns 0 and 1 blend with red across the middle of the picture. */
	assert_pixel(canvas, 2, 0, BLUE, 0);
	assert_pixel(canvas, 15, 15, BLUE, 0);
	assert_pixel(canvas, 16, 0, BLACK, 0);
	assert_pixel(canvas, CANVAS_W - 8, CANVAS_H - 8, RED, 0);
	assert_pixel(canvas, CANVAS_W - 1, CANVAS_H - 1, RED, 0);
	assert_pixel(canvas, CANVAS_W - 9, CANVAS_H - 9, BLACK, 0);
	assert_pixel(canvas, 0, CANVAS_H - 1, GREEN, 0);
	assert_pixel(canvas, 3, CANVAS_H - 4, GREEN, 0);
	assert_pixel(canvas, 4, CANVAS_H - 1, BLACK, 0);
	cairo_surface_destroy(canvas);

	r->impl->texture_finish(r, &tex);
	frame_free(&frame);
}

/* A texture takes new frames: same size, a new size, another format. */
static void test_reupload(struct fixture *f, gconstpointer data)
{
	struct wall_renderer *r = f->renderer;
	static const uint8_t red[4] = {255, 0, 0, 255};
	static const uint8_t blue[4] = {0, 0, 255, 255};
	struct wall_frame frames[] = {
		rgba_frame(WALL_PIXEL_FORMAT_RGBA, 8, 8, red),
		rgba_frame(WALL_PIXEL_FORMAT_RGBA, 8, 8, blue),
		rgba_frame(WALL_PIXEL_FORMAT_RGBA, 3, 5, red),
		yuv_frame(WALL_PIXEL_FORMAT_NV12, 6, 4, 0, 145, 54, 34),
	};
	uint32_t expected[] = {RED, BLUE, RED, yuv_to_argb(145, 54, 34, false, false)};
	struct wall_rect all = {0, 0, CANVAS_W, CANVAS_H};
	struct wall_texture tex = {0};
	for (size_t i = 0; i < G_N_ELEMENTS(frames); i++) {
		g_assert_true(r->impl->upload(r, &tex, &frames[i]));
		g_assert_cmpuint(tex.width_px, ==, frames[i].width_px);
		g_assert_cmpuint(tex.height_px, ==, frames[i].height_px);
		g_assert_true(r->impl->begin(r));
		draw_whole(r, &tex, &all, 1.0f);
		g_assert_true(r->impl->end(r));
		cairo_surface_t *canvas = r->impl->read_canvas(r);
		assert_pixel(canvas, 20, 20, expected[i], 2);
		cairo_surface_destroy(canvas);
		frame_free(&frames[i]);
	}
	r->impl->texture_finish(r, &tex);
	/* Finishing twice, or a texture never uploaded, is fine. */
	r->impl->texture_finish(r, &tex);
	struct wall_texture never = {0};
	r->impl->texture_finish(r, &never);
}

static void test_bad_frames(struct fixture *f, gconstpointer data)
{
	struct wall_renderer *r = f->renderer;
	static const uint8_t red[4] = {255, 0, 0, 255};
	struct wall_frame frame = rgba_frame(WALL_PIXEL_FORMAT_RGBA, 8, 8, red);
	struct wall_texture tex = {0};
	struct wall_frame bad = frame;
	bad.format = WALL_PIXEL_FORMAT_INVALID;
	g_assert_false(r->impl->upload(r, &tex, &bad));
	bad = frame;
	bad.strides[0] = 30;
	g_assert_false(r->impl->upload(r, &tex, &bad));
	g_assert_null(tex.priv);
	r->impl->texture_finish(r, &tex);
	frame_free(&frame);
}

/* Copy shader_dir into a new folder, with one file replaced by text. */
static char *shader_dir_with(const char *name, const char *text)
{
	char *dir = g_dir_make_tmp("wall-shaders-XXXXXX", NULL);
	g_assert_nonnull(dir);
	static const char *const files[] = {"tile.vert", "rgba.frag", "i420.frag", "nv12.frag",
					    "fill.frag"};
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		char *from = g_build_filename(shader_dir(), files[i], NULL);
		char *to = g_build_filename(dir, files[i], NULL);
		char *contents = NULL;
		gsize length = 0;
		g_assert_true(g_file_get_contents(from, &contents, &length, NULL));
		if (g_strcmp0(files[i], name) == 0) {
			g_free(contents);
			contents = g_strdup(text);
			length = strlen(text);
		}
		g_assert_true(g_file_set_contents(to, contents, (gssize)length, NULL));
		g_free(contents);
		g_free(to);
		g_free(from);
	}
	return dir;
}

static void remove_dir(char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);
		g_unlink(path);
		g_free(path);
	}
	g_dir_close(d);
	g_rmdir(dir);
	g_free(dir);
}

static void test_shader_errors(struct fixture *f, gconstpointer data)
{
	/* A broken shader is refused, with its name and the compiler's words. */
	char *dir = shader_dir_with("i420.frag", "#version 300 es\nthis is not GLSL;\n");
	g_assert_null(wall_gl_renderer_create(CANVAS_W, CANVAS_H, dir));
	remove_dir(dir);

	/* Shaders that compile but do not link together. */
	dir = shader_dir_with("fill.frag", "#version 300 es\nprecision highp float;\n"
					   "in vec3 nowhere;\nout vec4 color;\n"
					   "void main() { color = vec4(nowhere, 1.0); }\n");
	g_assert_null(wall_gl_renderer_create(CANVAS_W, CANVAS_H, dir));
	remove_dir(dir);

	g_assert_null(wall_gl_renderer_create(CANVAS_W, CANVAS_H, "/nonexistent/shaders"));
	g_assert_null(wall_gl_renderer_create(0, CANVAS_H, shader_dir()));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, fn)                                                                      \
	g_test_add("/gl-render/" path, struct fixture, NULL, fixture_set_up, fn,           \
		   fixture_tear_down)
	ADD("fill-opaque", test_fill_opaque);
	ADD("fill-translucent", test_fill_translucent);
	ADD("rgba-alpha", test_rgba_alpha);
	ADD("i420", test_i420);
	ADD("nv12", test_nv12);
	ADD("yuv-fade", test_yuv_fade);
	ADD("scale-and-crop", test_scale_and_crop);
	ADD("upright", test_upright);
	ADD("clipped", test_clipped);
	ADD("reupload", test_reupload);
	ADD("bad-frames", test_bad_frames);
	ADD("shader-errors", test_shader_errors);
#undef ADD
	return g_test_run();
}
