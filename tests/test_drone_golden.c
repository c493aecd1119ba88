/*
 * Golden images of drone tiles: the HUD and the mini-map at two tile
 * sizes (one 960x540 tile; four 480x270 ones showing fresh, stale,
 * return-to-home and missing telemetry), drawn by the wall binary with
 * both renderers against one reference each. The layouts read recorded
 * OSD messages and fix the HUD's clock; TZ is fixed here, so times of
 * day read the same on every machine.
 *
 * Tolerance as the other golden tests: 10 per channel against the
 * reference pixel or its neighbours, on all but 0.1 % of pixels.
 */
#include <glib.h>

#include "support.h"

struct golden_run {
	const char *size;
	const char *renderer;
};

static void test_golden(const void *data)
{
	const struct golden_run *run = data;
	char *layout = g_strdup_printf("tests/layouts/golden-drone-%s.yaml", run->size);
	char *reference = g_strdup_printf("golden-drone-%s", run->size);
	wall_test_golden(layout, reference, run->renderer, "20");
	g_free(reference);
	g_free(layout);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* China Standard Time, spelled so that it needs no zone database. */
	g_setenv("TZ", "CST-8", TRUE);
	static const char *const sizes[] = {"large", "small"};
	static const char *const renderers[] = {"soft", "gl"};
	static struct golden_run runs[G_N_ELEMENTS(sizes) * G_N_ELEMENTS(renderers)];
	int n = 0;
	for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
		for (size_t r = 0; r < G_N_ELEMENTS(renderers); r++, n++) {
			runs[n] = (struct golden_run){sizes[s], renderers[r]};
			char *path = g_strdup_printf("/drone-golden/%s/%s", sizes[s], renderers[r]);
			g_test_add_data_func(path, &runs[n], test_golden);
			g_free(path);
		}
	}
	return g_test_run();
}
