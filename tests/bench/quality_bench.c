/*
 * Not a test: what the picture checks cost per picture, 1080p and 360p,
 * on a busy-looking picture. Prints microseconds per picture and the share
 * of one core that checking N cameras once a second takes.
 */
#include <glib.h>
#include <stdio.h>

#include "inspection/quality.h"

static double time_picture_us(int width, int height)
{
	uint8_t *y = g_malloc((size_t)width * height);
	uint8_t *uv = g_malloc((size_t)width * height / 2);
	GRand *rand = g_rand_new_with_seed(1);
	for (int i = 0; i < width * height; i++) {
		y[i] = (uint8_t)g_rand_int_range(rand, 16, 236);
	}
	for (int i = 0; i < width * height / 2; i++) {
		uv[i] = (uint8_t)g_rand_int_range(rand, 100, 156);
	}
	struct wall_i420 picture = {
	        y, uv, uv + width * height / 4, width, width / 2, width / 2, width, height};
	struct wall_quality_figures figures;
	int rounds = 0;
	int64_t start_us = g_get_monotonic_time();
	while (g_get_monotonic_time() - start_us < G_USEC_PER_SEC) {
		wall_quality_measure(&picture, &figures);
		rounds++;
	}
	double per_us = (double)(g_get_monotonic_time() - start_us) / rounds;
	g_rand_free(rand);
	g_free(uv);
	g_free(y);
	return per_us;
}

int main(void)
{
	double full_us = time_picture_us(1920, 1080);
	double sub_us = time_picture_us(640, 360);
	printf("picture checks: 1080p %.0f us, 360p %.0f us per picture\n", full_us, sub_us);
	printf("16 cameras at 1080p once a second: %.2f %% of one core\n", 16 * full_us / 1e4);
	printf("200 cameras, sub stream (360p), 3 s of 25 fps every 10 min: %.3f %% of one core\n",
	       200 * 75 * sub_us / (600 * 1e4));
	return 0;
}
