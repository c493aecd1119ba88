/*
 * One inspection visit of one camera: the pictures it gave over a few
 * seconds, judged together. Pure bookkeeping on the thread that makes
 * the visit; no I/O.
 *
 * Each picture is measured (inspection/quality.h) as it comes. At the end
 * a picture check fails when it failed on at least half of the pictures,
 * so one odd picture (a flash, a key frame's blockiness) does not fail a
 * camera; its score is the figure's mean over the pictures. Frozen fails
 * when frozen_pictures pictures in a row were each more than
 * frozen_similarity alike; no_signal when no picture came; resolution and
 * frame_rate against the quality bar.
 */
#ifndef WALL_INSPECTION_VISIT_H
#define WALL_INSPECTION_VISIT_H

#include <stdbool.h>

#include "inspection/quality.h"

struct wall_frame_ref;
struct wall_visit;

struct wall_visit_result {
	/** Bits 1 << enum wall_quality_check: the checks judged, and those failed. */
	unsigned judged;
	unsigned failed;
	/**
	 * Per check: the figure and the bar it was held to. no_signal: the
	 * pictures received, bar 1; black, dark, bright: mean luma; contrast:
	 * luma deviation; blur: sharpness; colour_cast: cast; noise: noise
	 * sigma; frozen: the longest run of alike pictures; resolution: the
	 * picture height (the width is held to min_width_px too);
	 * frame_rate: pictures a second.
	 */
	double score[WALL_CHECK_COUNT];
	double threshold[WALL_CHECK_COUNT];
	int pictures;
};

struct wall_visit *wall_visit_new(const struct wall_quality_thresholds *thresholds);
/** Accepts NULL. */
void wall_visit_free(struct wall_visit *visit);

/**
 * Measure picture (takes the reference; pictures other than I420 only
 * count). The visit keeps the last picture that failed a check, else the
 * last one, for its thumbnail.
 */
void wall_visit_add(struct wall_visit *visit, struct wall_frame_ref *picture);
/** The camera's rate over the visit, pictures a second; not set: frame_rate is not judged. */
void wall_visit_set_fps(struct wall_visit *visit, double fps);

void wall_visit_finish(struct wall_visit *visit, struct wall_visit_result *result);

/** The picture to show for the visit (see wall_visit_add); NULL when none came. */
const struct wall_frame_ref *wall_visit_picture(const struct wall_visit *visit);

#endif
