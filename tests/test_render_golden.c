/*
 * Golden images: the wall binary draws a layout headless, once with each
 * renderer, and both pictures must match one reference in
 * tests/reference/ within a stated tolerance. One reference for both is
 * the proof that gl and soft draw the same wall.
 *
 * Tolerance: 10 per channel, against the reference pixel or one of its
 * neighbours, on all but 0.1 % of pixels. YUV conversion differs by up to
 * 2; gl and libyuv place the samples of scaled pictures, and of chroma,
 * up to a pixel apart, which moves sharp edges by a pixel.
 */
#include <glib.h>

#include "support.h"

struct golden_case {
	const char *layout;
	const char *reference;
	const char *frames;
};

static const struct golden_case cases[] = {
	/* 1 s: the pictures are read on their plugin's thread, so give them time. */
	{"tests/layouts/golden-tiles.yaml", "golden-tiles", "10"},
	{"tests/layouts/golden-slates.yaml", "golden-slates", "3"},
};

static void render_and_compare(const struct golden_case *golden, const char *renderer)
{
	wall_test_golden(golden->layout, golden->reference, renderer, golden->frames);
}

struct golden_run {
	const struct golden_case *golden;
	const char *renderer;
};

static void test_golden(const void *data)
{
	const struct golden_run *run = data;
	render_and_compare(run->golden, run->renderer);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	static const char *const renderers[] = {"soft", "gl"};
	static struct golden_run runs[G_N_ELEMENTS(cases) * G_N_ELEMENTS(renderers)];
	int n = 0;
	for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
		for (size_t r = 0; r < G_N_ELEMENTS(renderers); r++, n++) {
			runs[n] = (struct golden_run){&cases[c], renderers[r]};
			char *path = g_strdup_printf("/golden/%s/%s", cases[c].reference,
						     renderers[r]);
			g_test_add_data_func(path, &runs[n], test_golden);
			g_free(path);
		}
	}
	return g_test_run();
}
