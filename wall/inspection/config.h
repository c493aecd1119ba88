/*
 * wall.inspection in the layout: how often the scheduler visits every
 * camera, how many at once, how long each visit looks, the thresholds of
 * the checks, the offline alarm and how long results are kept. See
 * README, "Inspection".
 */
#ifndef WALL_INSPECTION_CONFIG_H
#define WALL_INSPECTION_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "inspection/quality.h"

struct wall_inspection_config {
	/** Set when the layout has wall.inspection; nothing is visited otherwise. */
	bool enabled;
	/** Every camera is visited once per period. */
	int64_t every_ms;
	/** At most this many visits at once. */
	int concurrency;
	/** Seconds of pictures a visit judges, from its first picture. */
	int64_t visit_ms;
	/** A camera with no picture this long after opening is no_signal. */
	int64_t open_timeout_ms;
	/** ALARM a camera offline this long; 0: never. */
	int64_t alarm_offline_ms;
	/** Forget history older than this; 0 (the default): keep everything. */
	int64_t keep_ms;
	struct wall_quality_thresholds thresholds;
};

/** The defaults, not enabled. */
struct wall_inspection_config wall_inspection_config_default(void);

#endif
