/*
 * How long the soft renderer takes to put a 1080p I420 frame into a
 * 960x540 tile, against the naive CPU path (convert the whole frame to
 * ARGB, then scale the ARGB). The design counts on the first being about
 * 0.3 ms.
 *
 * Usage: bench-soft-tile [iterations]
 */
#include <glib.h>
#include <libyuv.h>
#include <stdio.h>
#include <stdlib.h>

#include "render/renderer.h"

#define SRC_W 1920
#define SRC_H 1080
#define TILE_W 960
#define TILE_H 540

/* A picture with detail everywhere, so no path gets an easy ride. */
static void fill_i420(uint8_t *y, uint8_t *u, uint8_t *v)
{
	for (int row = 0; row < SRC_H; row++) {
		for (int col = 0; col < SRC_W; col++) {
			y[row * SRC_W + col] = (uint8_t)(16 + (col * 3 + row * 5) % 220);
		}
	}
	for (int row = 0; row < SRC_H / 2; row++) {
		for (int col = 0; col < SRC_W / 2; col++) {
			u[row * SRC_W / 2 + col] = (uint8_t)(16 + (col * 7) % 224);
			v[row * SRC_W / 2 + col] = (uint8_t)(16 + (row * 11) % 224);
		}
	}
}

int main(int argc, char **argv)
{
	int iterations = argc > 1 ? atoi(argv[1]) : 300;
	if (iterations <= 0) {
		fprintf(stderr, "usage: %s [iterations]\n", argv[0]);
		return 2;
	}

	uint8_t *planes = g_malloc(SRC_W * SRC_H * 3 / 2);
	uint8_t *py = planes;
	uint8_t *pu = planes + SRC_W * SRC_H;
	uint8_t *pv = pu + SRC_W * SRC_H / 4;
	fill_i420(py, pu, pv);
	struct wall_frame frame = {
	        .format = WALL_PIXEL_FORMAT_I420,
	        .width_px = SRC_W,
	        .height_px = SRC_H,
	        .planes = {py, pu, pv},
	        .strides = {SRC_W, SRC_W / 2, SRC_W / 2},
	};

	/* Four tiles of a 2x2 wall; the bench draws into the second. */
	struct wall_renderer *r = wall_soft_renderer_create(2 * TILE_W, 2 * TILE_H);
	if (r == NULL) {
		return 1;
	}
	struct wall_texture tex = {0};
	struct wall_crop crop = {0, 0, SRC_W, SRC_H};
	struct wall_rect dest = {TILE_W, 0, TILE_W, TILE_H};
	if (!r->impl->upload(r, &tex, &frame)) {
		fprintf(stderr, "upload refused\n");
		return 1;
	}

	/* Warm up caches and the scratch buffers before timing. */
	for (int i = 0; i < 10; i++) {
		r->impl->draw(r, &tex, &crop, &dest, 1.0f);
	}
	int64_t start = g_get_monotonic_time();
	for (int i = 0; i < iterations; i++) {
		r->impl->draw(r, &tex, &crop, &dest, 1.0f);
	}
	double soft_ms = (g_get_monotonic_time() - start) / 1000.0 / iterations;

	uint8_t *canvas;
	int canvas_stride;
	wall_soft_renderer_canvas(r, &canvas, &canvas_stride);
	uint8_t *full = g_malloc((size_t)SRC_W * SRC_H * 4);
	uint8_t *tile = canvas + (size_t)TILE_W * 4;
	for (int i = 0; i < 10; i++) {
		I420ToARGB(py, SRC_W, pu, SRC_W / 2, pv, SRC_W / 2, full, SRC_W * 4, SRC_W, SRC_H);
		ARGBScale(full, SRC_W * 4, SRC_W, SRC_H, tile, canvas_stride, TILE_W, TILE_H,
		          kFilterBilinear);
	}
	start = g_get_monotonic_time();
	for (int i = 0; i < iterations; i++) {
		I420ToARGB(py, SRC_W, pu, SRC_W / 2, pv, SRC_W / 2, full, SRC_W * 4, SRC_W, SRC_H);
		ARGBScale(full, SRC_W * 4, SRC_W, SRC_H, tile, canvas_stride, TILE_W, TILE_H,
		          kFilterBilinear);
	}
	double naive_ms = (g_get_monotonic_time() - start) / 1000.0 / iterations;

	printf("1920x1080 I420 -> 960x540 tile, %d iterations\n", iterations);
	printf("soft renderer (scale YUV, convert into canvas): %.3f ms per tile\n", soft_ms);
	printf("naive (convert full frame, then scale ARGB):    %.3f ms per tile\n", naive_ms);
	printf("naive / soft: %.2fx\n", naive_ms / soft_ms);

	g_free(full);
	r->impl->texture_finish(r, &tex);
	wall_renderer_destroy(r);
	g_free(planes);
	return 0;
}
