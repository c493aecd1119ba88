/*
 * Picture quality checks (视频质量诊断) as pure functions on one I420
 * picture (or two, for frozen): no I/O, no state but what the caller keeps.
 *
 * Figures, on luma and chroma 0..255, every second sample in each
 * direction (a 1080p picture costs about 0.5 M samples):
 *   luma mean and standard deviation;
 *   sharpness: mean |4-neighbour Laplacian| of luma over its standard
 *     deviation, so low contrast alone does not read as blur;
 *   cast: distance of the mean (U, V) from neutral (128, 128);
 *   noise: Immerkaer's estimate of the noise sigma (Laplacian of two
 *     second differences, "Fast noise variance estimation", 1996);
 *   similarity of two pictures: the share of luma samples within 4 levels.
 *
 * Default thresholds start from published VQD figures (mean luma below 30
 * or above 220, standard deviation below 25, 10 pictures in a row more
 * than 95 % alike) and were set for blur, cast and noise on the generated
 * pictures of tests/test_quality.c; see README.
 */
#ifndef WALL_INSPECTION_QUALITY_H
#define WALL_INSPECTION_QUALITY_H

#include <stdbool.h>
#include <stdint.h>

struct wall_i420 {
	const uint8_t *y;
	const uint8_t *u;
	const uint8_t *v;
	int y_stride;
	int u_stride;
	int v_stride;
	int width_px;
	int height_px;
};

enum wall_quality_check {
	/** The camera could not be opened, or sent no picture during a visit. */
	WALL_CHECK_NO_SIGNAL,
	WALL_CHECK_BLACK,
	WALL_CHECK_FROZEN,
	WALL_CHECK_DARK,
	WALL_CHECK_BRIGHT,
	WALL_CHECK_CONTRAST,
	WALL_CHECK_BLUR,
	WALL_CHECK_COLOUR_CAST,
	WALL_CHECK_NOISE,
	/** Pictures smaller than the quality bar (min_width x min_height). */
	WALL_CHECK_RESOLUTION,
	/** Fewer pictures a second than the quality bar (min_fps). */
	WALL_CHECK_FRAME_RATE,
	WALL_CHECK_COUNT,
};

/**
 * "no_signal", "black", "frozen", "dark", "bright", "contrast", "blur",
 * "colour_cast", "noise", "resolution", "frame_rate": the check label of
 * wall_camera_problem and the check_name of inspection_results.
 */
const char *wall_quality_check_name(enum wall_quality_check check);
/** The check of a name from wall_quality_check_name(); false for anything else. */
bool wall_quality_check_parse(const char *name, enum wall_quality_check *check);

struct wall_quality_figures {
	double luma_mean;
	double luma_stddev;
	double sharpness;
	double cast;
	double noise_sigma;
};

struct wall_quality_thresholds {
	/** Black: mean below black_mean and deviation below black_stddev. */
	double black_mean;
	double black_stddev;
	double dark_mean;
	double bright_mean;
	double contrast_stddev;
	double blur_sharpness;
	double cast;
	double noise_sigma;
	/** Frozen: frozen_pictures in a row each more than frozen_similarity alike. */
	double frozen_similarity;
	int frozen_pictures;
	/** The quality bar: pictures at least this size, at least this many a second. */
	int min_width_px;
	int min_height_px;
	double min_fps;
};

/** The defaults above. */
struct wall_quality_thresholds wall_quality_default_thresholds(void);

/** Measure picture; false when it is too small (under 8x8) to judge. */
bool wall_quality_measure(const struct wall_i420 *picture, struct wall_quality_figures *figures);

/** Share (0..1) of luma samples of a and b within 4 levels; 0 when sizes differ. */
double wall_quality_similarity(const struct wall_i420 *a, const struct wall_i420 *b);

/**
 * The checks one picture fails, as bits (1 << check); frozen is never set
 * here (see wall_quality_frozen).
 */
unsigned wall_quality_judge(const struct wall_quality_figures *figures,
                            const struct wall_quality_thresholds *thresholds);

/**
 * Feed the similarity of each picture to the one before; *run counts the
 * pictures in a row alike. True once the run is long enough to be frozen.
 */
bool wall_quality_frozen(int *run, double similarity,
                         const struct wall_quality_thresholds *thresholds);

#endif
