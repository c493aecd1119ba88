#include "quality.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const check_names[WALL_CHECK_COUNT] = {
        [WALL_CHECK_NO_SIGNAL] = "no_signal",
        [WALL_CHECK_BLACK] = "black",
        [WALL_CHECK_FROZEN] = "frozen",
        [WALL_CHECK_DARK] = "dark",
        [WALL_CHECK_BRIGHT] = "bright",
        [WALL_CHECK_CONTRAST] = "contrast",
        [WALL_CHECK_BLUR] = "blur",
        [WALL_CHECK_COLOUR_CAST] = "colour_cast",
        [WALL_CHECK_NOISE] = "noise",
        [WALL_CHECK_RESOLUTION] = "resolution",
        [WALL_CHECK_FRAME_RATE] = "frame_rate",
};

const char *wall_quality_check_name(enum wall_quality_check check)
{
	return (unsigned)check < WALL_CHECK_COUNT ? check_names[check] : "unknown";
}

bool wall_quality_check_parse(const char *name, enum wall_quality_check *check)
{
	for (int i = 0; name != NULL && i < WALL_CHECK_COUNT; i++) {
		if (strcmp(name, check_names[i]) == 0) {
			*check = (enum wall_quality_check)i;
			return true;
		}
	}
	return false;
}

struct wall_quality_thresholds wall_quality_default_thresholds(void)
{
	return (struct wall_quality_thresholds){
	        .black_mean = 20,
	        .black_stddev = 12,
	        .dark_mean = 30,
	        .bright_mean = 220,
	        .contrast_stddev = 25,
	        .blur_sharpness = 0.08,
	        .cast = 20,
	        .noise_sigma = 4,
	        .frozen_similarity = 0.95,
	        .frozen_pictures = 10,
	        /* CIF, the smallest sub stream in common use, at a rate
	         * where motion still reads as motion. */
	        .min_width_px = 352,
	        .min_height_px = 288,
	        .min_fps = 10,
	};
}

static double plane_mean(const uint8_t *plane, int stride, int width, int height)
{
	uint64_t sum = 0;
	int count = 0;
	for (int y = 0; y < height; y += 2) {
		const uint8_t *row = plane + (size_t)y * (size_t)stride;
		for (int x = 0; x < width; x += 2) {
			sum += row[x];
			count++;
		}
	}
	return count > 0 ? (double)sum / count : 0;
}

bool wall_quality_measure(const struct wall_i420 *picture, struct wall_quality_figures *figures)
{
	int width = picture->width_px, height = picture->height_px;
	if (width < 8 || height < 8) {
		return false;
	}
	const uint8_t *luma = picture->y;
	int stride = picture->y_stride;
	double sum = 0, squares = 0, laplacian = 0, noise = 0;
	int count = 0;
	/* Every second sample, away from the edge by 2 for the 3x3 masks. */
	for (int y = 2; y < height - 2; y += 2) {
		const uint8_t *above = luma + (size_t)(y - 1) * (size_t)stride;
		const uint8_t *row = above + stride;
		const uint8_t *below = row + stride;
		for (int x = 2; x < width - 2; x += 2) {
			int centre = row[x];
			sum += centre;
			squares += (double)centre * centre;
			laplacian +=
			        abs(4 * centre - row[x - 1] - row[x + 1] - above[x] - below[x]);
			noise += abs(4 * centre -
			             2 * (row[x - 1] + row[x + 1] + above[x] + below[x]) +
			             above[x - 1] + above[x + 1] + below[x - 1] + below[x + 1]);
			count++;
		}
	}
	double mean = sum / count;
	double variance = squares / count - mean * mean;
	double stddev = variance > 0 ? sqrt(variance) : 0;
	int chroma_width = (width + 1) / 2, chroma_height = (height + 1) / 2;
	double u = plane_mean(picture->u, picture->u_stride, chroma_width, chroma_height);
	double v = plane_mean(picture->v, picture->v_stride, chroma_width, chroma_height);
	*figures = (struct wall_quality_figures){
	        .luma_mean = mean,
	        .luma_stddev = stddev,
	        .sharpness = laplacian / count / (stddev > 1 ? stddev : 1),
	        .cast = hypot(u - 128.0, v - 128.0),
	        .noise_sigma = sqrt(M_PI / 2.0) * noise / count / 6.0,
	};
	return true;
}

double wall_quality_similarity(const struct wall_i420 *a, const struct wall_i420 *b)
{
	if (a->width_px != b->width_px || a->height_px != b->height_px || a->width_px <= 0 ||
	    a->height_px <= 0) {
		return 0;
	}
	int alike = 0, count = 0;
	for (int y = 0; y < a->height_px; y += 2) {
		const uint8_t *row_a = a->y + (size_t)y * (size_t)a->y_stride;
		const uint8_t *row_b = b->y + (size_t)y * (size_t)b->y_stride;
		for (int x = 0; x < a->width_px; x += 2) {
			alike += abs(row_a[x] - row_b[x]) <= 4;
			count++;
		}
	}
	return (double)alike / count;
}

unsigned wall_quality_judge(const struct wall_quality_figures *figures,
                            const struct wall_quality_thresholds *thresholds)
{
	unsigned problems = 0;
	bool black = figures->luma_mean < thresholds->black_mean &&
	             figures->luma_stddev < thresholds->black_stddev;
	if (black) {
		/* A black picture is only black: it has no contrast, sharpness
		 * or colour to judge. */
		return 1u << WALL_CHECK_BLACK;
	}
	problems |= (unsigned)(figures->luma_mean < thresholds->dark_mean) << WALL_CHECK_DARK;
	problems |= (unsigned)(figures->luma_mean > thresholds->bright_mean) << WALL_CHECK_BRIGHT;
	bool flat = figures->luma_stddev < thresholds->contrast_stddev;
	problems |= (unsigned)flat << WALL_CHECK_CONTRAST;
	/* Sharpness means little on a flat picture: that is contrast's call. */
	problems |= (unsigned)(!flat && figures->sharpness < thresholds->blur_sharpness)
	            << WALL_CHECK_BLUR;
	problems |= (unsigned)(figures->cast > thresholds->cast) << WALL_CHECK_COLOUR_CAST;
	problems |= (unsigned)(figures->noise_sigma > thresholds->noise_sigma) << WALL_CHECK_NOISE;
	return problems;
}

bool wall_quality_frozen(int *run, double similarity,
                         const struct wall_quality_thresholds *thresholds)
{
	*run = similarity > thresholds->frozen_similarity ? *run + 1 : 0;
	return *run >= thresholds->frozen_pictures;
}
