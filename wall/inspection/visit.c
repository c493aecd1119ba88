#include "visit.h"

#include <glib.h>
#include <string.h>

#include "source.h"

/* Frozen is judged on a small luma picture: enough to see motion. */
#define SMALL_W 64
#define SMALL_H 36

struct wall_visit {
	struct wall_quality_thresholds thresholds;
	int pictures;
	int measured;
	/* Per picture check: the pictures that failed it, and the sum of its figure. */
	int fails[WALL_CHECK_COUNT];
	double sums[WALL_CHECK_COUNT];
	uint8_t small[2][SMALL_W * SMALL_H];
	int small_now;
	bool have_small;
	int frozen_run;
	int frozen_longest;
	int width_px;
	int height_px;
	double fps;
	bool fps_set;
	struct wall_frame_ref *picture;
	bool picture_failed;
};

struct wall_visit *wall_visit_new(const struct wall_quality_thresholds *thresholds)
{
	struct wall_visit *visit = g_new0(struct wall_visit, 1);
	visit->thresholds = *thresholds;
	return visit;
}

void wall_visit_free(struct wall_visit *visit)
{
	if (visit == NULL) {
		return;
	}
	wall_frame_ref_unref(visit->picture);
	g_free(visit);
}

static void shrink_luma(const struct wall_frame *frame, uint8_t *small)
{
	for (int y = 0; y < SMALL_H; y++) {
		size_t row_index = (size_t)y * frame->height_px / SMALL_H;
		const uint8_t *row = frame->planes[0] + row_index * frame->strides[0];
		for (int x = 0; x < SMALL_W; x++) {
			small[y * SMALL_W + x] = row[(size_t)x * frame->width_px / SMALL_W];
		}
	}
}

/* The figure each picture check is scored on. */
static double figure_of(enum wall_quality_check check, const struct wall_quality_figures *figures)
{
	switch (check) {
	case WALL_CHECK_CONTRAST:
		return figures->luma_stddev;
	case WALL_CHECK_BLUR:
		return figures->sharpness;
	case WALL_CHECK_COLOUR_CAST:
		return figures->cast;
	case WALL_CHECK_NOISE:
		return figures->noise_sigma;
	default:
		return figures->luma_mean;
	}
}

static const enum wall_quality_check picture_checks[] = {
        WALL_CHECK_BLACK, WALL_CHECK_DARK,        WALL_CHECK_BRIGHT, WALL_CHECK_CONTRAST,
        WALL_CHECK_BLUR,  WALL_CHECK_COLOUR_CAST, WALL_CHECK_NOISE,
};

static void keep_picture(struct wall_visit *visit, struct wall_frame_ref *picture, bool failed)
{
	/* A failing picture is what the thumbnail should show. */
	if (failed || !visit->picture_failed) {
		wall_frame_ref_unref(visit->picture);
		visit->picture = picture;
		visit->picture_failed = failed;
	} else {
		wall_frame_ref_unref(picture);
	}
}

void wall_visit_add(struct wall_visit *visit, struct wall_frame_ref *picture)
{
	const struct wall_frame *frame = &picture->frame;
	visit->pictures++;
	visit->width_px = (int)frame->width_px;
	visit->height_px = (int)frame->height_px;
	struct wall_i420 view = {
	        frame->planes[0],       frame->planes[1],       frame->planes[2],
	        (int)frame->strides[0], (int)frame->strides[1], (int)frame->strides[2],
	        (int)frame->width_px,   (int)frame->height_px,
	};
	struct wall_quality_figures figures;
	if (frame->format != WALL_PIXEL_FORMAT_I420 || !wall_quality_measure(&view, &figures)) {
		keep_picture(visit, picture, false);
		return;
	}
	visit->measured++;
	unsigned problems = wall_quality_judge(&figures, &visit->thresholds);
	for (size_t i = 0; i < G_N_ELEMENTS(picture_checks); i++) {
		enum wall_quality_check check = picture_checks[i];
		visit->sums[check] += figure_of(check, &figures);
		visit->fails[check] += (problems >> check) & 1;
	}
	int next = visit->small_now ^ 1;
	shrink_luma(frame, visit->small[next]);
	if (visit->have_small) {
		struct wall_i420 before = {visit->small[visit->small_now],
		                           NULL,
		                           NULL,
		                           SMALL_W,
		                           0,
		                           0,
		                           SMALL_W,
		                           SMALL_H};
		struct wall_i420 now = {
		        visit->small[next], NULL, NULL, SMALL_W, 0, 0, SMALL_W, SMALL_H};
		double similarity = wall_quality_similarity(&before, &now);
		wall_quality_frozen(&visit->frozen_run, similarity, &visit->thresholds);
		visit->frozen_longest = MAX(visit->frozen_longest, visit->frozen_run);
	}
	visit->small_now = next;
	visit->have_small = true;
	keep_picture(visit, picture, problems != 0);
}

void wall_visit_set_fps(struct wall_visit *visit, double fps)
{
	visit->fps = fps;
	visit->fps_set = true;
}

static void judge(struct wall_visit_result *result, enum wall_quality_check check, double score,
                  double threshold, bool failed)
{
	result->judged |= 1u << check;
	result->failed |= (unsigned)failed << check;
	result->score[check] = score;
	result->threshold[check] = threshold;
}

void wall_visit_finish(struct wall_visit *visit, struct wall_visit_result *result)
{
	const struct wall_quality_thresholds *bar = &visit->thresholds;
	memset(result, 0, sizeof *result);
	result->pictures = visit->pictures;
	judge(result, WALL_CHECK_NO_SIGNAL, visit->pictures, 1, visit->pictures < 1);
	if (visit->pictures < 1) {
		return;
	}
	if (visit->measured > 0) {
		const double thresholds[WALL_CHECK_COUNT] = {
		        [WALL_CHECK_BLACK] = bar->black_mean,
		        [WALL_CHECK_DARK] = bar->dark_mean,
		        [WALL_CHECK_BRIGHT] = bar->bright_mean,
		        [WALL_CHECK_CONTRAST] = bar->contrast_stddev,
		        [WALL_CHECK_BLUR] = bar->blur_sharpness,
		        [WALL_CHECK_COLOUR_CAST] = bar->cast,
		        [WALL_CHECK_NOISE] = bar->noise_sigma,
		};
		for (size_t i = 0; i < G_N_ELEMENTS(picture_checks); i++) {
			enum wall_quality_check check = picture_checks[i];
			judge(result, check, visit->sums[check] / visit->measured,
			      thresholds[check], 2 * visit->fails[check] >= visit->measured);
		}
	}
	/* Frozen needs a run as long as the bar to be judged at all. */
	if (visit->measured > bar->frozen_pictures) {
		judge(result, WALL_CHECK_FROZEN, visit->frozen_longest, bar->frozen_pictures,
		      visit->frozen_longest >= bar->frozen_pictures);
	}
	judge(result, WALL_CHECK_RESOLUTION, visit->height_px, bar->min_height_px,
	      visit->width_px < bar->min_width_px || visit->height_px < bar->min_height_px);
	if (visit->fps_set) {
		judge(result, WALL_CHECK_FRAME_RATE, visit->fps, bar->min_fps,
		      visit->fps < bar->min_fps);
	}
}

const struct wall_frame_ref *wall_visit_picture(const struct wall_visit *visit)
{
	return visit->picture;
}
