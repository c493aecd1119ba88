/*
 * The picture checks on generated I420 pictures: a natural-looking scene
 * (gradient sky, rectangles of many tones and colours, a little sensor
 * noise), the same scene moving, and each fault made from it. Every fault
 * must be found; the scene and every moving picture must pass.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "inspection/quality.h"

#define W 320
#define H 240

struct picture {
	uint8_t y[W * H];
	uint8_t u[(W / 2) * (H / 2)];
	uint8_t v[(W / 2) * (H / 2)];
};

static struct wall_i420 view(const struct picture *p)
{
	return (struct wall_i420){p->y, p->u, p->v, W, W / 2, W / 2, W, H};
}

static uint8_t clamp(double value)
{
	return (uint8_t)(value < 0 ? 0 : value > 255 ? 255 : value + 0.5);
}

/* A scene shifted right by shift pixels; the same seed, the same scene. */
static void scene(struct picture *p, int shift)
{
	GRand *rand = g_rand_new_with_seed(2026);
	for (int y = 0; y < H; y++) {
		for (int x = 0; x < W; x++) {
			p->y[y * W + x] = clamp(70 + 100.0 * y / H);
		}
	}
	memset(p->u, 128, sizeof p->u);
	memset(p->v, 128, sizeof p->v);
	for (int i = 0; i < 40; i++) {
		int x0 = g_rand_int_range(rand, -40, W), y0 = g_rand_int_range(rand, 0, H);
		int w = g_rand_int_range(rand, 10, 80), h = g_rand_int_range(rand, 10, 60);
		uint8_t luma = (uint8_t)g_rand_int_range(rand, 30, 230);
		uint8_t cu = (uint8_t)g_rand_int_range(rand, 100, 156);
		uint8_t cv = (uint8_t)g_rand_int_range(rand, 100, 156);
		for (int y = y0; y < y0 + h && y < H; y++) {
			for (int x = x0 + shift; x < x0 + shift + w; x++) {
				if (x < 0 || x >= W) {
					continue;
				}
				p->y[y * W + x] = luma;
				p->u[(y / 2) * (W / 2) + x / 2] = cu;
				p->v[(y / 2) * (W / 2) + x / 2] = cv;
			}
		}
	}
	/* Sensor noise of about one level, different in every picture. */
	GRand *grain = g_rand_new_with_seed(7 + (guint32)shift);
	for (int i = 0; i < W * H; i++) {
		p->y[i] = clamp(p->y[i] + g_rand_double_range(grain, -1.5, 1.5));
	}
	g_rand_free(grain);
	g_rand_free(rand);
}

static void map_luma(struct picture *p, double scale, double offset)
{
	for (int i = 0; i < W * H; i++) {
		p->y[i] = clamp(p->y[i] * scale + offset);
	}
}

static void blur(struct picture *p, int radius)
{
	static uint8_t out[W * H];
	for (int pass = 0; pass < 2; pass++) {
		for (int y = 0; y < H; y++) {
			for (int x = 0; x < W; x++) {
				int sum = 0, count = 0;
				for (int d = -radius; d <= radius; d++) {
					int sx = pass == 0 ? CLAMP(x + d, 0, W - 1) : x;
					int sy = pass == 1 ? CLAMP(y + d, 0, H - 1) : y;
					sum += p->y[sy * W + sx];
					count++;
				}
				out[y * W + x] = (uint8_t)(sum / count);
			}
		}
		memcpy(p->y, out, sizeof out);
	}
}

static void add_noise(struct picture *p, double sigma)
{
	GRand *rand = g_rand_new_with_seed(99);
	for (int i = 0; i < W * H; i++) {
		/* Box-Muller. */
		double a = g_rand_double_range(rand, 1e-9, 1), b = g_rand_double(rand);
		p->y[i] = clamp(p->y[i] + sigma * sqrt(-2 * log(a)) * cos(2 * M_PI * b));
	}
	g_rand_free(rand);
}

static unsigned judge(const struct picture *p, const char *what)
{
	struct wall_i420 picture = view(p);
	struct wall_quality_figures f;
	g_assert_true(wall_quality_measure(&picture, &f));
	struct wall_quality_thresholds t = wall_quality_default_thresholds();
	unsigned problems = wall_quality_judge(&f, &t);
	g_test_message("%-10s mean %6.1f stddev %5.1f sharpness %.3f cast %5.1f noise %5.2f -> %#x",
	               what, f.luma_mean, f.luma_stddev, f.sharpness, f.cast, f.noise_sigma,
	               problems);
	return problems;
}

static void assert_only(unsigned problems, enum wall_quality_check check)
{
	g_assert_cmphex(problems, ==, 1u << check);
}

static void test_scene_passes(void)
{
	struct picture *p = g_new(struct picture, 1);
	/* 30 pictures of a moving scene: false positives are counted, and must be none. */
	int false_positives = 0;
	for (int shift = 0; shift < 30; shift++) {
		scene(p, shift * 3);
		false_positives += judge(p, "scene") != 0;
	}
	g_assert_cmpint(false_positives, ==, 0);
	g_free(p);
}

static void test_faults_found(void)
{
	struct picture *p = g_new(struct picture, 1);
	memset(p->y, 16, sizeof p->y);
	memset(p->u, 128, sizeof p->u);
	memset(p->v, 128, sizeof p->v);
	assert_only(judge(p, "black"), WALL_CHECK_BLACK);

	scene(p, 0);
	map_luma(p, 0.22, 0);
	g_assert_true(judge(p, "dark") & (1u << WALL_CHECK_DARK));

	scene(p, 0);
	map_luma(p, 0.12, 228);
	g_assert_true(judge(p, "bright") & (1u << WALL_CHECK_BRIGHT));

	scene(p, 0);
	map_luma(p, 0.12, 110);
	assert_only(judge(p, "contrast"), WALL_CHECK_CONTRAST);

	scene(p, 0);
	blur(p, 4);
	assert_only(judge(p, "blur"), WALL_CHECK_BLUR);

	scene(p, 0);
	for (size_t i = 0; i < sizeof p->v; i++) {
		p->v[i] = clamp(p->v[i] + 35.0);
		p->u[i] = clamp(p->u[i] - 15.0);
	}
	assert_only(judge(p, "cast"), WALL_CHECK_COLOUR_CAST);

	scene(p, 0);
	add_noise(p, 20);
	assert_only(judge(p, "noise"), WALL_CHECK_NOISE);
	g_free(p);
}

static void test_frozen(void)
{
	struct picture *a = g_new(struct picture, 1), *b = g_new(struct picture, 1);
	struct wall_quality_thresholds t = wall_quality_default_thresholds();
	scene(a, 0);
	struct wall_i420 still = view(a);
	int run = 0;
	bool frozen = false;
	/* The same picture again and again: frozen on the tenth alike. */
	for (int i = 0; i < 10; i++) {
		g_assert_false(frozen);
		frozen = wall_quality_frozen(&run, wall_quality_similarity(&still, &still), &t);
	}
	g_assert_true(frozen);
	/* A moving scene never is, though its noise differs little. */
	run = 0;
	for (int i = 1; i < 30; i++) {
		scene(a, (i - 1) * 3);
		scene(b, i * 3);
		struct wall_i420 before = view(a), after = view(b);
		g_assert_false(
		        wall_quality_frozen(&run, wall_quality_similarity(&before, &after), &t));
	}
	g_free(b);
	g_free(a);
}

static void test_names_and_small(void)
{
	g_assert_cmpstr(wall_quality_check_name(WALL_CHECK_COLOUR_CAST), ==, "colour_cast");
	g_assert_cmpstr(wall_quality_check_name(WALL_CHECK_FROZEN), ==, "frozen");
	uint8_t tiny[16] = {0};
	struct wall_i420 picture = {tiny, tiny, tiny, 4, 2, 2, 4, 4};
	struct wall_quality_figures f;
	g_assert_false(wall_quality_measure(&picture, &f));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/quality/scene-passes", test_scene_passes);
	g_test_add_func("/quality/faults-found", test_faults_found);
	g_test_add_func("/quality/frozen", test_frozen);
	g_test_add_func("/quality/names-and-small", test_names_and_small);
	return g_test_run();
}
